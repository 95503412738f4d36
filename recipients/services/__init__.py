"""Rules that change recipients, one module per flow: registration (and the person's group),
priority groups opening (and the notices), merging duplicates. Callers use `recipients.services`
(or, from the apps above, `recipients.interface`)."""

from recipients.services.duplicates import duplicates_rebuild, duplicates_refresh
from recipients.services.groups import (
    ScheduleRefused,
    group_notices_dispatch,
    group_notices_send,
    priority_group_close,
    priority_group_open,
    priority_group_schedule,
    priority_groups_open_due,
)
from recipients.services.merging import MergeRefused, recipient_merge, recipient_merge_undo
from recipients.services.registration import (
    CONTACT_FIELDS,
    PERSON_FIELDS,
    REGISTRY_FIELDS,
    GroupRefused,
    RegistrationRefused,
    group_membership_check,
    recipient_create_by_staff,
    recipient_priority_group_set,
    recipient_register_from_invitation,
    recipient_self_register,
    recipient_update_contact,
    recipient_viewed,
    self_registration_set,
)

__all__ = [
    "CONTACT_FIELDS",
    "PERSON_FIELDS",
    "REGISTRY_FIELDS",
    "GroupRefused",
    "MergeRefused",
    "RegistrationRefused",
    "ScheduleRefused",
    "duplicates_rebuild",
    "duplicates_refresh",
    "group_membership_check",
    "group_notices_dispatch",
    "group_notices_send",
    "priority_group_close",
    "priority_group_open",
    "priority_group_schedule",
    "priority_groups_open_due",
    "recipient_create_by_staff",
    "recipient_merge",
    "recipient_merge_undo",
    "recipient_priority_group_set",
    "recipient_register_from_invitation",
    "recipient_self_register",
    "recipient_update_contact",
    "recipient_viewed",
    "self_registration_set",
]
