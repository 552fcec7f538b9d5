"""What analytics tells the rest of the system. ``spike_raised`` is sent inside the transaction that
stores a new spike alert (``alert``, ``now``): the notifications app queues its messages there, so
the alert and its messages are written together or not at all."""

from django.dispatch import Signal

spike_raised = Signal()
