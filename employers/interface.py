"""What the apps above employers (recipients, administration, helpdesk) may call: the functions
and errors of employers that other apps use, gathered from where they live. An app above imports
`employers.interface` and nothing else of employers, apart from `employers.models` and
`employers.enums`, which are shared as they are (fields, querysets, choices). import-linter holds
the apps above to it (pyproject.toml).

Recipients registers an invited person (`invitation_by_token`, `invitation_prefill`,
`invitation_use`, refused with `InvitationInvalid`), once the link's holder has proved it is
theirs (`invitation_held_by`, `invitation_prove_birth_date`, `invitation_code_send`,
`invitation_prove_code`, refused with `ProofRefused`), and re-points a merged record's roster
entries (`invitee_recipient_reassign`); administration shows a person's progress on their
rosters when they book or are vaccinated (`invitee_ids_for_recipient`, `invitee_status_set`), and
finds the roster entries of a walk-in it registered at the point of care (`invitee_recipient_find`).
"""

from employers.selectors import (
    INVITATION_SESSION_KEY,
    invitation_by_token,
    invitation_prefill,
    invitee_ids_for_recipient,
)
from employers.services.progress import (
    InvitationInvalid,
    invitation_use,
    invitee_recipient_find,
    invitee_recipient_reassign,
    invitee_status_set,
    roster_links_move,
    roster_links_of,
)
from employers.services.proof import (
    ProofRefused,
    invitation_code_send,
    invitation_held_by,
    invitation_prove_birth_date,
    invitation_prove_code,
)

__all__ = [
    "INVITATION_SESSION_KEY",
    "InvitationInvalid",
    "ProofRefused",
    "invitation_by_token",
    "invitation_code_send",
    "invitation_held_by",
    "invitation_prefill",
    "invitation_prove_birth_date",
    "invitation_prove_code",
    "invitation_use",
    "invitee_ids_for_recipient",
    "invitee_recipient_find",
    "invitee_recipient_reassign",
    "invitee_status_set",
    "roster_links_move",
    "roster_links_of",
]
