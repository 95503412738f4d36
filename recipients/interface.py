"""What the apps above recipients (administration, helpdesk) may call: the functions, errors and
classes of recipients that other apps use, gathered from where they live. An app above imports
`recipients.interface` and nothing else of recipients, apart from `recipients.models` and
`recipients.enums`, which are shared as they are (fields, querysets, choices). import-linter holds
the apps above to it (pyproject.toml).

Administration asks whether a person may book (`eligibility`), serves its pages of the recipient
portal for the person's own record (`RecipientRecordMixin`, `recipient_for_user`), and registers
a walk-in or a back-filled paper form's person (`recipient_create_by_staff`). When two people
are merged, it moves its own rows in the `recipients_merged` hook (cvms/hooks.py) and refuses
with `MergeRefused`.
"""

from recipients.selectors import eligibility, recipient_for_user
from recipients.services import MergeRefused, recipient_create_by_staff
from recipients.views.mixins import RecipientRecordMixin

__all__ = [
    "MergeRefused",
    "RecipientRecordMixin",
    "eligibility",
    "recipient_create_by_staff",
    "recipient_for_user",
]
