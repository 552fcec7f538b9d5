"""What the triage form tells the person routing an appeal: the classifier's topic (also below the
auto-routing threshold, as a suggestion), the routing rules' ministry for each topic, the routing
model's likeliest ministries and officials, and whether a choice disagrees with the rules.

The change itself is ``services.triage``; this module only reads.
"""

import copy
import logging
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from . import routing
from .models import Appeal, RoutingRule, Topic

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuleRoute:
    """Where the first matching routing rule sends an appeal of one topic."""

    ministry_id: int
    ministry: str
    rule: str


@dataclass
class Advice:
    topic: Topic | None = None  # the classifier's topic, None when it has no opinion
    confidence: float = 0.0
    sure: bool = False  # above the threshold at which the intake sets it by itself
    rules: dict[int, RuleRoute] = field(default_factory=dict)  # topic pk → the rules' route
    routes: list = field(default_factory=list)  # routing_model.Suggestion, best first

    def disagreement(self, topic: Topic | None, ministry) -> str:
        """Why the chosen topic and ministry disagree with the routing rules, or ""."""
        route = self.rules.get(topic.pk) if topic is not None else None
        if route is None or ministry is None or route.ministry_id == ministry.pk:
            return ""
        return _("The routing rule “%(rule)s” sends such appeals to %(ministry)s.") % {
            "rule": route.rule,
            "ministry": route.ministry,
        }


def rule_routes(appeal: Appeal, topics) -> dict[int, RuleRoute]:
    """For each of ``topics``: where the routing rules would send ``appeal`` if it had that topic
    (one query for the rules)."""
    rules = [
        rule
        for rule in RoutingRule.objects.filter(is_active=True).select_related("ministry")
        if rule.ministry.is_active
    ]
    routes = {}
    probe = copy.copy(appeal)
    for topic in topics:
        probe.topic_id = topic.pk
        rule = next((rule for rule in rules if rule.matches(probe)), None)
        if rule is not None:
            routes[topic.pk] = RuleRoute(rule.ministry_id, str(rule.ministry), rule.name)
    return routes


def model_routes(appeal: Appeal, k: int = 3) -> list:
    """The routing model's ``k`` likeliest ministries (and officials) with their confidence; empty
    while no model is trained. Never stops the page: a failing model only hides its suggestions."""
    try:
        from .routing_model import suggest
    except ImportError:
        return []
    try:
        return list(suggest(appeal, k=k))
    except Exception:
        logger.exception("The routing model failed on appeal #%s; its suggestions are not shown.", appeal.pk)
        return []


def advise(appeal: Appeal, topics) -> Advice:
    """Everything the triage form suggests for ``appeal``; ``topics`` are the form's choices."""
    topics = list(topics)
    code, confidence = routing.predict_topic(appeal.text)
    suggested = next((topic for topic in topics if topic.code == code), None) if code else None
    return Advice(
        topic=suggested,
        confidence=confidence if suggested else 0.0,
        sure=suggested is not None and routing.confident(confidence),
        rules=rule_routes(appeal, topics),
        routes=model_routes(appeal),
    )
