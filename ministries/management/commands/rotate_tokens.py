from django.core.management.base import BaseCommand
from django.db import models, transaction
from django.db.models.functions import Cast
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ministries.models import SocialAccount
from ministries.tokens import rotate


class Command(BaseCommand):
    help = (
        "Re-encrypt every account's access token with the first key of GOVFEEDBACK_TOKEN_KEYS (after putting a "
        "new key first); then the old key can be removed."
    )

    def handle(self, *args, **options):
        rotated = 0
        with transaction.atomic():
            # The stored ciphertexts, read and written as they are (MultiFernet.rotate): no token is shown.
            stored = list(
                SocialAccount.objects.select_for_update()
                .annotate(stored=Cast("access_token", models.TextField()))
                .exclude(stored="")
                .values_list("pk", "stored")
            )
            for pk, ciphertext in stored:
                SocialAccount.objects.filter(pk=pk).update(
                    access_token=models.Value(rotate(ciphertext), output_field=models.TextField())
                )
                rotated += 1
                if rotated % 100 == 0:
                    self.stderr.write(_("… %(done)d of %(total)d") % {"done": rotated, "total": len(stored)})
        self.stdout.write(
            ngettext(
                "%(count)d access token re-encrypted with the first key.",
                "%(count)d access tokens re-encrypted with the first key.",
                rotated,
            )
            % {"count": rotated}
        )
