"""Logs each successful opening of one appeal: its admin page and history, and its API answers."""

from .log import record_access

# URL names (with their namespace) that show one appeal's personal data, and the URL argument
# that holds its number.
LOGGED_VIEWS = {
    "admin:appeals_appeal_change": "object_id",
    "admin:appeals_appeal_history": "object_id",
    "api:appeal-detail": "pk",
    "api:appeal-history": "pk",
    "api:appeal-messages": "pk",
}


class AccessLogMiddleware:
    """After a GET of a logged view answered 200, write a "view" entry (a 404 showed nothing)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        if request.method == "GET" and response.status_code == 200 and match is not None:
            argument = LOGGED_VIEWS.get(match.view_name)
            number = str(match.kwargs.get(argument, ""))
            if argument and number.isdigit():
                record_access(
                    request.user, "view", [int(number)], detail=request.get_full_path()[:500], request=request
                )
        return response
