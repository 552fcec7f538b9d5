"""``manage.py issue_token LOGIN``: a new API token for a login, printed once (only its digest is kept)."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from knox.models import AuthToken


class Command(BaseCommand):
    help = "Issue an API token to a login and print it once; the database keeps only its SHA-512 digest."

    def add_arguments(self, parser):
        parser.add_argument("login", help="The login (username) the token acts as.")
        parser.add_argument("--days", type=int, default=None, help="Valid this many days (default: REST_KNOX).")
        parser.add_argument("--revoke", action="store_true", help="Delete the login's tokens first.")

    def handle(self, *args, login: str, days: int | None, revoke: bool, **options):
        user = get_user_model().objects.filter(username=login).first()
        if user is None:
            raise CommandError(f"No login {login!r}.")
        if not user.is_active:
            raise CommandError(f"The login {login!r} is deactivated.")
        if days is not None and days <= 0:
            raise CommandError("--days must be a positive number.")
        if revoke:
            deleted, _ = AuthToken.objects.filter(user=user).delete()
            self.stderr.write(f"Revoked {deleted} token(s) of {login}.")
        if days is None:
            instance, token = AuthToken.objects.create(user)  # REST_KNOX["TOKEN_TTL"]
        else:
            instance, token = AuthToken.objects.create(user, expiry=timedelta(days=days))
        until = instance.expiry.strftime("%Y-%m-%d") if instance.expiry else "never"
        self.stderr.write(f"Token for {login}, valid until {until}. It is shown once: store it now.")
        self.stdout.write(token)
