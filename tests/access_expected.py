"""Who may open each portal page: the access matrix's expected answers, written down.

One entry per URL name of every portal (`tests/cvms/test_access_matrix.py` fails for a routed
URL without one, and for an entry whose URL no longer exists). The matrix takes the URLs from the
URL configuration and the answers from here, never from the views: a view whose `roles` says
the wrong thing answers differently from this table and fails the test.

An entry is PUBLIC (anyone, signed in or not), SIGNED_IN (any signed-in person, whatever their
role), or the roles that may open the page. In the provider and employer portals a role opens a
page only through a membership of an approved organization; objects of another organization or
person answer 404 (tests/access_matrix.py). The role sets are spelled out here on purpose, not
imported from cvms.roles: this file is the test's own statement of who may do what.
"""

from cvms.roles import Role
from tests.access_matrix import PUBLIC, SIGNED_IN

STATE_OFFICIALS = frozenset({Role.STATE_OFFICIAL})
PROVIDER_STAFF = frozenset({Role.PROVIDER_ADMIN, Role.VACCINATOR})
PROVIDER_ADMINS_ONLY = frozenset({Role.PROVIDER_ADMIN})
EMPLOYER_ADMINS = frozenset({Role.EMPLOYER_ADMIN})
RECIPIENTS = frozenset({Role.RECIPIENT})
HELPDESK_AGENTS_ONLY = frozenset({Role.HELPDESK_AGENT})
HELPDESK_REQUESTERS_ONLY = frozenset({Role.HELPDESK_REQUESTER})
# A case's two sides: the requester who filed it and the agents who work it.
CASE_PARTIES = frozenset({Role.HELPDESK_REQUESTER, Role.HELPDESK_AGENT})
# Live training: requesters and provider staff sign up; agents also see the sessions they publish.
TRAINING_ATTENDEES = frozenset({Role.HELPDESK_REQUESTER, Role.PROVIDER_ADMIN, Role.VACCINATOR})
TRAINING_AUDIENCE = frozenset(
    {Role.HELPDESK_REQUESTER, Role.PROVIDER_ADMIN, Role.VACCINATOR, Role.HELPDESK_AGENT}
)

EXPECTED = {
    # /state/
    "state:dashboard": STATE_OFFICIALS,
    "state:audit": STATE_OFFICIALS,
    "state:audit.export": STATE_OFFICIALS,
    "state:enrollment.review": STATE_OFFICIALS,
    "state:enrollment.review.detail": STATE_OFFICIALS,
    "state:enrollment.review.approve": STATE_OFFICIALS,
    "state:enrollment.review.deny": STATE_OFFICIALS,
    "state:enrollment.review.request_info": STATE_OFFICIALS,
    "state:enrollment.organizations": STATE_OFFICIALS,
    "state:enrollment.organization": STATE_OFFICIALS,
    "state:enrollment.organization.suspend": STATE_OFFICIALS,
    "state:enrollment.organization.reinstate": STATE_OFFICIALS,
    "state:inventory.stock": STATE_OFFICIALS,
    "state:inventory.allocations": STATE_OFFICIALS,
    "state:inventory.allocation.create": STATE_OFFICIALS,
    "state:inventory.products": STATE_OFFICIALS,
    "state:inventory.product.create": STATE_OFFICIALS,
    "state:inventory.transfers": STATE_OFFICIALS,
    "state:inventory.transfer.decide": STATE_OFFICIALS,
    "state:inventory.wastage": STATE_OFFICIALS,
    "state:recipients.groups": STATE_OFFICIALS,
    "state:recipients.group.open": STATE_OFFICIALS,
    "state:recipients.group.close": STATE_OFFICIALS,
    "state:recipients.group.schedule": STATE_OFFICIALS,
    "state:recipients.self_registration": STATE_OFFICIALS,
    "state:recipients.list": STATE_OFFICIALS,
    "state:recipients.duplicates": STATE_OFFICIALS,
    "state:recipients.recipient": STATE_OFFICIALS,
    "state:recipients.merge": STATE_OFFICIALS,
    "state:recipients.merges": STATE_OFFICIALS,
    "state:recipients.merge.undo": STATE_OFFICIALS,
    "state:administration.exports": STATE_OFFICIALS,
    "state:administration.export": STATE_OFFICIALS,
    "state:administration.export.download": STATE_OFFICIALS,
    "state:administration.refused": STATE_OFFICIALS,
    "state:administration.refused.resend": STATE_OFFICIALS,
    # /provider/
    "provider:dashboard": PROVIDER_STAFF,
    "provider:organization.switch": PROVIDER_STAFF,
    "provider:enrollment.list": SIGNED_IN,
    "provider:enrollment.start": SIGNED_IN,
    "provider:enrollment.application": SIGNED_IN,
    "provider:enrollment.step.organization": SIGNED_IN,
    "provider:enrollment.step.contact": SIGNED_IN,
    "provider:enrollment.step.locations": SIGNED_IN,
    "provider:enrollment.step.readiness": SIGNED_IN,
    "provider:enrollment.step.submit": SIGNED_IN,
    "provider:enrollment.people": PROVIDER_ADMINS_ONLY,
    "provider:enrollment.people.invite": PROVIDER_ADMINS_ONLY,
    "provider:enrollment.people.person": PROVIDER_ADMINS_ONLY,
    "provider:enrollment.people.remove": PROVIDER_ADMINS_ONLY,
    "provider:enrollment.people.invitation.cancel": PROVIDER_ADMINS_ONLY,
    "provider:inventory.stock": PROVIDER_STAFF,
    "provider:inventory.ledger": PROVIDER_STAFF,
    "provider:inventory.ledger.csv": PROVIDER_STAFF,
    "provider:inventory.levels": PROVIDER_STAFF,
    "provider:inventory.wastage.pdf": PROVIDER_STAFF,
    "provider:inventory.shipments": PROVIDER_STAFF,
    "provider:inventory.shipment.record": PROVIDER_STAFF,
    "provider:inventory.shipment.receive": PROVIDER_STAFF,
    "provider:inventory.transfers": PROVIDER_STAFF,
    "provider:inventory.transfer.create": PROVIDER_ADMINS_ONLY,
    "provider:inventory.wastage": PROVIDER_STAFF,
    "provider:employers.roster": PROVIDER_ADMINS_ONLY,
    "provider:employers.roster.export": PROVIDER_ADMINS_ONLY,
    "provider:employers.roster.template": PROVIDER_ADMINS_ONLY,
    "provider:employers.roster.resend": PROVIDER_ADMINS_ONLY,
    "provider:employers.uploads": PROVIDER_ADMINS_ONLY,
    "provider:employers.upload": PROVIDER_ADMINS_ONLY,
    "provider:employers.upload.progress": PROVIDER_ADMINS_ONLY,
    "provider:employers.upload.errors": PROVIDER_ADMINS_ONLY,
    "provider:employers.upload.import": PROVIDER_ADMINS_ONLY,
    "provider:employers.upload.discard": PROVIDER_ADMINS_ONLY,
    "provider:employers.invitation.revoke": PROVIDER_ADMINS_ONLY,
    "provider:administration.clinics": PROVIDER_STAFF,
    "provider:administration.clinic.create": PROVIDER_ADMINS_ONLY,
    "provider:administration.clinic": PROVIDER_STAFF,
    "provider:administration.clinic.print": PROVIDER_STAFF,
    "provider:administration.clinic.cancel": PROVIDER_ADMINS_ONLY,
    "provider:administration.clinic.check_in": PROVIDER_STAFF,
    "provider:administration.appointment.no_show": PROVIDER_STAFF,
    "provider:administration.dose.record": PROVIDER_STAFF,
    "provider:administration.records": PROVIDER_STAFF,
    "provider:administration.today": PROVIDER_STAFF,
    "provider:administration.walk_in": PROVIDER_STAFF,
    "provider:administration.walk_in.record": PROVIDER_STAFF,
    "provider:administration.record": PROVIDER_STAFF,
    "provider:administration.record.correct": PROVIDER_ADMINS_ONLY,
    "provider:administration.record.void": PROVIDER_ADMINS_ONLY,
    "provider:administration.record.adverse_event": PROVIDER_STAFF,
    "provider:administration.backfill": PROVIDER_STAFF,
    "provider:administration.backfill.upload": PROVIDER_STAFF,
    "provider:administration.backfill.template": PROVIDER_STAFF,
    "provider:administration.offline": PROVIDER_STAFF,
    "provider:administration.offline.job": PROVIDER_STAFF,
    "provider:administration.offline.download": PROVIDER_STAFF,
    # /employer/
    "employer:dashboard": EMPLOYER_ADMINS,
    "employer:organization.switch": EMPLOYER_ADMINS,
    "employer:enrollment.list": SIGNED_IN,
    "employer:enrollment.start": SIGNED_IN,
    "employer:enrollment.application": SIGNED_IN,
    "employer:enrollment.step.organization": SIGNED_IN,
    "employer:enrollment.step.contact": SIGNED_IN,
    "employer:enrollment.step.readiness": SIGNED_IN,
    "employer:enrollment.step.submit": SIGNED_IN,
    "employer:enrollment.people": EMPLOYER_ADMINS,
    "employer:enrollment.people.invite": EMPLOYER_ADMINS,
    "employer:enrollment.people.person": EMPLOYER_ADMINS,
    "employer:enrollment.people.remove": EMPLOYER_ADMINS,
    "employer:enrollment.people.invitation.cancel": EMPLOYER_ADMINS,
    "employer:employers.roster": EMPLOYER_ADMINS,
    "employer:employers.roster.export": EMPLOYER_ADMINS,
    "employer:employers.roster.template": EMPLOYER_ADMINS,
    "employer:employers.roster.resend": EMPLOYER_ADMINS,
    "employer:employers.uploads": EMPLOYER_ADMINS,
    "employer:employers.upload": EMPLOYER_ADMINS,
    "employer:employers.upload.progress": EMPLOYER_ADMINS,
    "employer:employers.upload.errors": EMPLOYER_ADMINS,
    "employer:employers.upload.import": EMPLOYER_ADMINS,
    "employer:employers.upload.discard": EMPLOYER_ADMINS,
    "employer:employers.invitation.revoke": EMPLOYER_ADMINS,
    # /me/
    "me:dashboard": RECIPIENTS,
    "me:employers.invitation": PUBLIC,
    "me:recipients.register": PUBLIC,
    "me:recipients.self_register": PUBLIC,
    "me:recipients.profile": RECIPIENTS,
    "me:administration.clinics": RECIPIENTS,
    "me:administration.clinic": RECIPIENTS,
    "me:administration.appointments": RECIPIENTS,
    "me:administration.appointment": RECIPIENTS,
    "me:administration.appointment.cancel": RECIPIENTS,
    "me:administration.record": RECIPIENTS,
    "me:administration.record.pdf": RECIPIENTS,
    "me:administration.record.card": RECIPIENTS,
    # /help/
    "help:dashboard": CASE_PARTIES,
    "help:register": PUBLIC,
    "help:kb": PUBLIC,
    "help:kb.suggest": PUBLIC,
    "help:kb.article": PUBLIC,
    "help:guides": PUBLIC,
    "help:guide": PUBLIC,
    "help:guide.pdf": PUBLIC,
    "help:password.set": HELPDESK_REQUESTERS_ONLY,
    "help:cases": HELPDESK_REQUESTERS_ONLY,
    "help:case.new": HELPDESK_REQUESTERS_ONLY,
    "help:case": HELPDESK_REQUESTERS_ONLY,
    "help:case.reply": HELPDESK_REQUESTERS_ONLY,
    "help:attachment": CASE_PARTIES,
    "help:training": TRAINING_AUDIENCE,
    "help:training.signup": TRAINING_ATTENDEES,
    "help:queue": HELPDESK_AGENTS_ONLY,
    "help:queue.case": HELPDESK_AGENTS_ONLY,
    "help:queue.case.note": HELPDESK_AGENTS_ONLY,
    "help:queue.case.status": HELPDESK_AGENTS_ONLY,
    "help:queue.case.assign": HELPDESK_AGENTS_ONLY,
    "help:queue.case.resolve": HELPDESK_AGENTS_ONLY,
    "help:queue.case.move": HELPDESK_AGENTS_ONLY,
    "help:requester": HELPDESK_AGENTS_ONLY,
    "help:kb.new": HELPDESK_AGENTS_ONLY,
    "help:kb.edit": HELPDESK_AGENTS_ONLY,
    "help:training.new": HELPDESK_AGENTS_ONLY,
}
