"""An e-mail backend for the fault tests: the development file backend, except that the first
message to GOVFEEDBACK_TEST_HANG_ON hangs (a stuck SMTP conversation) until the process is killed.

Before a hanging send it writes the marker file ``hanging`` next to the mails, so the test knows
the worker is in the middle of a send when it kills it.
"""

import os
import time
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.filebased import EmailBackend


class HangingBackend(EmailBackend):
    def send_messages(self, email_messages):
        hang_on = os.environ.get("GOVFEEDBACK_TEST_HANG_ON", "")
        marker = Path(settings.EMAIL_FILE_PATH).parent / "hanging"
        for message in email_messages:
            if hang_on and hang_on in message.to and not marker.exists():
                marker.write_text(hang_on)
                time.sleep(600)
        return super().send_messages(email_messages)
