"""The rules of answering an appeal through its platform that are not state changes: who approves an
answer before it is published, how long a text is as each platform counts it, and the placeholders
of the answer templates.

The services (``appeals/services.py``) apply them; the admin's reply form and the API show them.
"""

import re
from datetime import date

from django.db.models import Case, CharField, F, Value, When
from django.utils.translation import gettext_lazy as _

from ministries.models import Approval, SocialAccount

from .publishing import platforms

# What keeps an appeal open after its answer was given (``AppealQuerySet.with_answer_state``):
# its list row and its page say it, by the answer's status.
ANSWER_STATES = {
    "queued": _("answer in the publishing queue"),
    "awaiting_approval": _("answer under approval"),
    "failed": _("answer not published"),
    "unknown": _("answer not published"),
}

# --- approval ----------------------------------------------------------------------------------


def approval_for(appeal) -> str:
    """Who must approve an answer to ``appeal`` (an ``Approval`` value): the account's own setting;
    without one, the press service for the Head's accounts, otherwise the appeal's ministry's."""
    account = appeal.account
    if account is not None and account.answer_approval in Approval.values:
        return account.answer_approval
    if account is not None and account.kind == SocialAccount.Kind.HEAD:
        return Approval.PRESS_SERVICE
    if appeal.ministry is not None:
        return appeal.ministry.answer_approval
    return Approval.NONE


def approval_expression(appeal_path: str = "") -> Case:
    """``approval_for`` as SQL, for rows: of the appeal at ``appeal_path`` ("" for appeals, "appeal"
    for their publications). ``tests/appeals/test_approvers_parity.py`` holds the two equal."""
    at = f"{appeal_path}__" if appeal_path else ""
    return Case(
        When(**{f"{at}account__answer_approval__in": Approval.values}, then=F(f"{at}account__answer_approval")),
        When(**{f"{at}account__kind": SocialAccount.Kind.HEAD}, then=Value(Approval.PRESS_SERVICE)),
        When(**{f"{at}ministry__isnull": False}, then=F(f"{at}ministry__answer_approval")),
        default=Value(Approval.NONE),
        output_field=CharField(),
    )


# --- length, as the platform counts it ---------------------------------------------------------
# A platform's limit (``platforms.REGISTRY``) is counted in its own unit:
# - Telegram: "1-4096 characters after entities parsing" (core.telegram.org/bots/api#sendmessage),
#   and its entities' offsets and lengths are in UTF-16 code units (#messageentity): counted in
#   those, a character outside the Basic Multilingual Plane (most emoji) is two. This is the
#   stricter of the two readings, so nothing passed here is refused for its length.
# - Facebook and Instagram: Graph API texts are counted as JavaScript counts them, in UTF-16 code
#   units (the stricter reading again).
# - VK and OK: Unicode characters (code points).
UTF16, CODE_POINTS = platforms.UTF16, platforms.CODE_POINTS  # each platform's unit: platforms.REGISTRY


def length_unit(platform: str) -> str:
    """How ``platform`` counts a text's length: ``UTF16`` or ``CODE_POINTS``."""
    return platforms.platform(platform).unit


def measure(text: str, platform: str) -> int:
    """The length of ``text`` as ``platform`` counts it against its limit. Line ends count as one
    (a browser's form sends CR LF; the answer is published with LF). The reply form's counter
    (``appeals/static/appeals/answer.js``) counts the same way, by the unit the page gives it."""
    text = text.replace("\r\n", "\n")
    if length_unit(platform) == UTF16:
        return len(text.encode("utf-16-le")) // 2
    return len(text)


# --- templates and their placeholders ------------------------------------------------------------

# The placeholders an answer template may hold, as the drafter writes them: {имя}, {номер}, ...
PLACEHOLDERS = {
    "имя": _("the citizen's name"),
    "номер": _("the appeal's number"),
    "ведомство": _("the ministry"),
    "дата_работ": _("the date of the planned works"),
}
# A placeholder as written: a word in braces. The class excludes the braces and spaces, so a run of
# braces is read once (no backtracking); the length is bounded.
PLACEHOLDER_RE = re.compile(r"\{([^{}\s]{1,40})\}")


def placeholder_values(appeal, works_date: date | None = None) -> dict[str, str]:
    """What each placeholder becomes for ``appeal`` ("" when it is not known)."""
    ministry = appeal.ministry
    return {
        "имя": citizen_name(appeal),
        "номер": str(appeal.pk),
        "ведомство": ministry.name if ministry is not None else "",
        "дата_работ": works_date.strftime("%d.%m.%Y") if works_date else "",
    }


# A name that is only the platform's id of the author («id612345678», «club42», «-100123»): what the
# intake shows until the names job asks the platform (services.name_authors). Anchored, no nesting.
PLATFORM_ID_RE = re.compile(r"(?:id|club|public|user)?-?\d{1,20}")


def citizen_name(appeal) -> str:
    """The citizen's name for ``{имя}``, or "" when it is not known: empty, or only a platform id —
    then the placeholder stays and the answer is refused until the person edits the greeting."""
    name = _plain(appeal.author_name or "")
    if not name or PLATFORM_ID_RE.fullmatch(name) or name == appeal.author_external_id:
        return ""
    return name


def _plain(value: str) -> str:
    """A citizen's name as it goes into an answer: one line, no braces (never a placeholder)."""
    return " ".join(value.replace("{", "").replace("}", "").split())


def render(text: str, appeal, works_date: date | None = None) -> str:
    """``text`` with the placeholders it knows filled in for ``appeal``, in one pass over ``text``
    (what a value brings in is never read again); a placeholder whose value is unknown stays."""
    values = placeholder_values(appeal, works_date)

    def fill(match: re.Match) -> str:
        return values.get(match.group(1)) or match.group(0)

    return PLACEHOLDER_RE.sub(fill, text)


def unfilled(text: str) -> list[str]:
    """The placeholders left in ``text``, as written ("{дата_работ}"), each once, in order."""
    return list(dict.fromkeys(match.group(0) for match in PLACEHOLDER_RE.finditer(text)))
