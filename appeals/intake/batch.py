"""Batches of normalised appeals: from monitoring systems and Twitter (the API) and from files
(the admin's CSV/XLSX import). Each item is answered on its own: created, duplicate, message,
updated, or error with the reason; a bad item never stops the others."""

import csv
import io
from collections import Counter
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from ministries.models import SocialAccount

from .. import services
from ..models import InboundEvent
from . import LIMITED_FIELDS, Draft, plausible_time, safe_url, too_long

# The columns of a file and the keys of an API item.
FIELDS = [
    "platform",
    "account",
    "external_id",
    "thread_id",
    "author_name",
    "author_external_id",
    "author_url",
    "text",
    "link",
    "written_at",
]
# Links: only http(s) ones are kept; another (javascript:, data:) is left out and the item told so.
LINKS = ("link", "author_url")


def _draft(item: dict) -> tuple[SocialAccount, Draft, list[str]]:
    """The account and the draft of an item, and what was left out of it (its warnings)."""
    if not isinstance(item, dict):
        raise ValueError(_("Each item must be an object."))
    values = {field: item.get(field) for field in FIELDS}
    for field, value in values.items():
        if value is not None and not isinstance(value, str | datetime):
            raise ValueError(_("%(field)s must be a string.") % {"field": field})
    values = {k: (services.without_nul(v).strip() if isinstance(v, str) else v) for k, v in values.items()}
    for field in ("platform", "account", "external_id", "text"):
        if not values[field]:
            raise ValueError(_("%(field)s is required.") % {"field": field})
    written = values["written_at"]
    if isinstance(written, str) and written:
        try:
            written = parse_datetime(written)
        except ValueError:  # well-formed, but no such date (a 13th month)
            written = None
        if written is None:
            raise ValueError(_("written_at is not a date and time (ISO 8601, e.g. 2026-11-29T10:00:00+07:00)."))
    if written and plausible_time(written) is None:
        raise ValueError(_("written_at must be a time between 2000-01-01 and now."))
    warnings = []
    for field in LINKS:
        if values[field] and not safe_url(values[field]):
            warnings.append(_("%(field)s is not an http(s) link and was left out.") % {"field": field})
            values[field] = ""
    draft = Draft(
        external_id=values["external_id"],
        text=values["text"],
        thread_id=values["thread_id"] or "",
        permalink=values["link"] or "",
        author_name=values["author_name"] or "",
        author_external_id=values["author_external_id"] or "",
        author_url=values["author_url"] or "",
        written_at=written or None,
    )
    # A batch's author name is checked, not cut: the sender can fix and resend the item.
    reason = too_long(draft, (*LIMITED_FIELDS, "author_name"))
    if reason:
        raise ValueError(reason)
    account = SocialAccount.objects.filter(
        platform=values["platform"], external_id=values["account"], is_active=True
    ).first()
    if account is None:
        raise ValueError(
            _("No active %(platform)s account with id %(account)s.")
            % {"platform": values["platform"], "account": values["account"]}
        )
    return account, draft, warnings


def ingest(event, items: list) -> list[dict]:
    """The items of a stored batch or file (``event``) as appeals: each item's result, and on the
    event its outcome, the counts and every appeal it carried (for erasing a citizen's data)."""
    results = ingest_items(items)
    counts = Counter(result["outcome"] for result in results)
    event.outcome = InboundEvent.Outcome.CREATED if counts["created"] else InboundEvent.Outcome.DUPLICATE
    event.reason = ", ".join(f"{outcome}: {count}" for outcome, count in sorted(counts.items()))
    event.processed_at = timezone.now()
    event.save(update_fields=["outcome", "reason", "processed_at"])
    event.appeals.add(*{result["appeal"] for result in results if result.get("appeal")})
    return results


def ingest_items(items: list) -> list[dict]:
    results = []
    for index, item in enumerate(items):
        try:
            account, draft, warnings = _draft(item)
            outcome, appeal = services.receive_message(account, draft)
            result = {"index": index, "outcome": outcome, "appeal": appeal.pk if appeal else None}
            results.append({**result, "warnings": warnings} if warnings else result)
        except (ValueError, services.Refused) as error:
            results.append({"index": index, "outcome": "error", "error": getattr(error, "message", str(error))})
    return results


def read_file(name: str, content: bytes) -> list[dict]:
    """Rows of a CSV (UTF-8, comma or semicolon) or XLSX file whose first row names the columns."""
    if name.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).active
        except Exception as error:  # openpyxl raises many kinds for a damaged file
            raise ValueError(_("The file is not a readable XLSX workbook: %(error)s") % {"error": error}) from None
        rows = sheet.iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows, [])]
        return [
            {
                key: ("" if cell is None else cell if isinstance(cell, datetime) else str(cell))
                for key, cell in zip(header, row, strict=False)
                if key
            }
            for row in rows
            if any(cell not in (None, "") for cell in row)
        ]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(_("The CSV file must be in UTF-8.")) from None
    dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;") if text.strip() else csv.excel
    return list(csv.DictReader(io.StringIO(text), dialect=dialect))
