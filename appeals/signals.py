"""What appeals tells the rest of the system. Sent inside the transaction of the service that made
the change, so that what others write on it (the notifications app's notices) is stored with the
change or not at all.

``appeal_assigned`` (``appeal``, ``previous_ministry_id``, ``previous_assignee_id``, ``actor``,
``now``): the appeal reached a ministry or an official — by ``services.assign``, or on arrival in
a ministry's group or page (``services.create_appeal``).

``answer_needs_attention`` (``appeal``, ``publication``, ``what``, ``approval``, ``actor``, ``now``): an
answer to publish waits for a person — ``what`` is "approval" (it waits for its approvers;
``approval`` says who: ``ministries.models.Approval``), "returned" (an approver sent it back to its
drafter with a comment), "failed" (the platform refused it) or "unknown" (nobody knows whether it was
published). Sent by ``services.submit_answer``/``reply``/``resolve``, ``return_answer`` and the
delivery's ``record_publication_failed``/``record_publication_unknown``.
"""

from django.dispatch import Signal

appeal_assigned = Signal()
answer_needs_attention = Signal()
