"""Triage in one step: the topic and the ministry (a head: the official) of one appeal on one compact
page, with the classifier's and the routing model's suggestions and the routing rules' opinion, then
straight to the next appeal of the queue. Also what the appeal's own page shows of the same."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from .. import access, forms, services, triage
from ..models import Appeal, Topic
from .queues import landing_url


def triage_queue(request, appeals):
    """The appeals waiting for the person's triage, in the order they are worked: the press
    service's new unrouted appeals, a head's open appeals without an assignee; by deadline."""
    scope = access.scope_for(request.user)
    queue = appeals.untriaged() if scope.is_operator else appeals.open().filter(assignee__isnull=True)
    return queue.order_by("due_at", "id")


def next_in_queue(queue, after: Appeal | None) -> Appeal | None:
    """The appeal after ``after`` in the queue's order, from the start again at the end."""
    if after is None:
        return queue.first()
    later = queue.filter(Q(due_at__gt=after.due_at) | Q(due_at=after.due_at, pk__gt=after.pk)).first()
    return later or queue.exclude(pk=after.pk).first()


def advice_context(appeal: Appeal, form, user) -> dict:
    """The suggestions beside the routing fields: the classifier's topic (also below the threshold),
    the routing model's ministries, the rules' route per topic (read by appeals/triage.js)."""
    topics = form.fields["topic"].queryset if "topic" in form.fields else Topic.objects.filter(is_active=True)
    advice = triage.advise(appeal, topics)
    scope = access.scope_for(user)
    if not scope.is_operator:  # a head routes within the ministry: the model's other ministries are noise
        advice.routes = [route for route in advice.routes if route.ministry.pk == scope.ministry_id]
    chosen_topic = appeal.topic or advice.topic
    rules = {
        str(topic_pk): {
            "ministry": route.ministry_id,
            "text": _("The routing rule “%(rule)s” sends such appeals to %(ministry)s.")
            % {"rule": route.rule, "ministry": route.ministry},
        }
        for topic_pk, route in advice.rules.items()
    }
    return {
        "advice": advice,
        "advice_percent": f"{round(advice.confidence * 100)} %",
        # A threshold above 100 % means the classifier never routes by itself (nothing to compare).
        "threshold_percent": f"{round(routing_threshold() * 100)} %" if routing_threshold() <= 1 else "",
        "disagreement": advice.disagreement(chosen_topic, appeal.ministry),
        "routing_rules": rules,
    }


def routing_threshold() -> float:
    from django.conf import settings

    return settings.GOVFEEDBACK_CLASSIFY_MIN_CONFIDENCE


def initial_for(appeal: Appeal, advice: triage.Advice) -> dict:
    """What the form starts with: the appeal's routing, else the suggestions (one click to accept)."""
    topic = appeal.topic or advice.topic
    ministry_id = appeal.ministry_id
    if ministry_id is None and advice.routes:
        ministry_id = advice.routes[0].ministry.pk
    if ministry_id is None and topic is not None and topic.pk in advice.rules:
        ministry_id = advice.rules[topic.pk].ministry_id
    return {"topic": topic, "ministry": ministry_id, "assignee": appeal.assignee_id}


def triage_view(modeladmin, request, object_id=None):
    """GET: the next appeal of the person's triage queue (or ``object_id``); POST: route it through
    ``services.triage`` and open the next one. One page load and at most three clicks an appeal:
    the topic, the ministry, «save and open the next»; one when the suggestions are right."""
    scope = access.scope_for(request.user)
    if not scope.manages or not modeladmin.has_change_permission(request):
        raise PermissionDenied
    appeals = modeladmin.get_queryset(request).select_related("account", "topic", "ministry", "assignee")
    queue = triage_queue(request, appeals)
    url = reverse("admin:appeals_appeal_triage")
    if object_id is not None:
        appeal = appeals.filter(pk=object_id).first() if str(object_id).isdigit() else None
        if appeal is None:
            raise Http404(_("No such appeal."))
    else:
        after = request.GET.get("after", "")
        previous = appeals.filter(pk=after).first() if after.isdigit() else None
        appeal = next_in_queue(queue, previous)
        if appeal is None:
            modeladmin.message_user(request, _("Nothing to route: the queue is empty."), messages.SUCCESS)
            return HttpResponseRedirect(landing_url(request.user))
    form = forms.TriageForm(request.POST or None, user=request.user)
    context = advice_context(appeal, form, request.user)
    if request.method != "POST":
        form.initial = initial_for(appeal, context["advice"])
    elif form.is_valid():
        try:
            form.apply(appeal.pk, request.user)
        except services.Refused as refused:
            services.record_refusal(appeal, step="assign", message=refused.message, actor=request.user)
            form.add_error(None, refused.message)
        else:
            modeladmin.message_user(request, _("Appeal #%(id)s routed.") % {"id": appeal.pk}, messages.SUCCESS)
            if "_next" in request.POST:
                return HttpResponseRedirect(f"{url}?after={appeal.pk}")
            return HttpResponseRedirect(reverse("admin:appeals_appeal_change", args=[appeal.pk]))
    context.update(
        modeladmin.admin_site.each_context(request),
        title=_("Routing: appeal #%(id)s") % {"id": appeal.pk},
        opts=modeladmin.model._meta,
        appeal=appeal,
        original=appeal,
        form=form,
        waiting=queue.exclude(pk=appeal.pk)[:100].count(),
        card=modeladmin.appeal_card(appeal),
        skip_url=f"{url}?after={appeal.pk}",
        media=modeladmin.media + form.media,
    )
    return TemplateResponse(request, "admin/appeals/appeal/triage.html", context)
