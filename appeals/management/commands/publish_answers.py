from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from appeals.publishing import delivery

BATCH = 100


class Command(BaseCommand):
    help = (
        "Publish the queued answers that are due on their platforms, exactly as a worker does (safe to run "
        "beside workers); prints what was published and what failed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=500, help="At most this many (default 500).")

    def handle(self, *args, limit, **options):
        total = delivery.Summary()
        while limit > 0:
            summary = delivery.publish_pending(limit=min(BATCH, limit))
            for publication in summary.published:
                self.stdout.write(
                    _("published: appeal #%(appeal)s, %(where)s")
                    % {"appeal": publication.appeal_id, "where": publication.url or publication.external_id}
                )
            for publication in summary.failed:
                self.stdout.write(
                    self.style.ERROR(
                        _("not published: appeal #%(appeal)s, %(reason)s")
                        % {"appeal": publication.appeal_id, "reason": publication.last_error}
                    )
                )
            for publication in summary.unknown:
                self.stdout.write(
                    self.style.WARNING(
                        _("outcome unknown: appeal #%(appeal)s, %(reason)s")
                        % {"appeal": publication.appeal_id, "reason": publication.last_error}
                    )
                )
            done = len(summary.published) + len(summary.failed) + len(summary.unknown) + summary.retried
            for name in ("published", "failed", "unknown"):
                getattr(total, name).extend(getattr(summary, name))
            total.retried += summary.retried
            if done:
                self.stderr.write(
                    _("… %(count)d handled so far")
                    % {"count": len(total.published) + len(total.failed) + len(total.unknown) + total.retried}
                )
            if done < min(BATCH, limit):
                break
            limit -= done
        self.stdout.write(_("Answers — %(summary)s.") % {"summary": total})
