"""The steps of an appeal's life, in one enumeration: each step's name, its label, the statuses it
may be taken from, whether a specialist may take it on an appeal assigned to them, and its address
in the API. The model (``Appeal.can``), the permissions (``access``), the services' refusals, the
admin's step pages and the API's actions all read it here.
"""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

# The statuses of an appeal that still needs work (Appeal.Status's values).
OPEN_STATUSES = ("new", "assigned", "in_progress", "awaiting_citizen")
ALL_STATUSES = (*OPEN_STATUSES, "resolved", "rejected")


@dataclass(frozen=True)
class Step:
    name: str
    label: Promise
    statuses: tuple[str, ...]
    # A specialist may take it on an appeal assigned to them (heads and operators take every step).
    specialist: bool = False
    # The API's path for it, /api/v1/appeals/<id>/<api_path>/ (the name unless it says otherwise).
    api_path: str = ""

    @property
    def path(self) -> str:
        return self.api_path or self.name


STEPS: dict[str, Step] = {
    step.name: step
    for step in [
        Step("assign", _("assign"), OPEN_STATUSES),
        Step("start", _("start work"), ("new", "assigned", "awaiting_citizen"), specialist=True),
        Step("ask_citizen", _("ask the citizen"), ("new", "assigned", "in_progress"), specialist=True, api_path="ask"),
        Step("reply", _("answer the citizen"), OPEN_STATUSES, specialist=True),
        Step("extend", _("extend the deadline"), OPEN_STATUSES),
        Step("resolve", _("resolve"), OPEN_STATUSES, specialist=True),
        Step("reject", _("reject"), OPEN_STATUSES),
        Step("reopen", _("reopen"), ("resolved", "rejected")),
        Step("comment", _("comment"), ALL_STATUSES, specialist=True),
        Step("set_topic", _("set the topic"), ALL_STATUSES, api_path="set-topic"),
        # The answer published through the platform (appeals/publishing): a specialist drafts and
        # submits it; a head or the press service approves it or returns it (appeals/answers.py says
        # who); a failed or unknown publication is queued again or confirmed by hand.
        Step("draft_answer", _("draft an answer"), OPEN_STATUSES, specialist=True, api_path="draft"),
        Step("submit_answer", _("submit the answer"), OPEN_STATUSES, specialist=True, api_path="submit"),
        Step("approve_answer", _("approve the answer"), OPEN_STATUSES, api_path="approve"),
        Step("return_answer", _("return the answer"), OPEN_STATUSES, api_path="return"),
        Step("cancel_answer", _("delete the draft answer"), ALL_STATUSES, specialist=True, api_path="cancel-draft"),
        Step("retry_answer", _("publish again"), ALL_STATUSES, specialist=True, api_path="retry"),
        Step(
            "confirm_answer", _("confirm the publication"), ALL_STATUSES, specialist=True, api_path="confirm-published"
        ),
        # The citizen replied after the answer: a person has seen it and leaves the appeal closed.
        Step("dismiss_reaction", _("leave closed"), ("resolved",), specialist=True, api_path="dismiss-reaction"),
    ]
}
