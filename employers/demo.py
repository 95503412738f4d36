"""Demo roster: a few people of Triangle Manufacturing Co., imported through the real path
(upload, check, import), so they get invitations (printed on the console by `make run`)."""

from django.core.files.base import ContentFile

from cvms.demo import demo_user
from cvms.roles import Role
from employers.models import Invitee, RosterUpload
from employers.services.imports import roster_rows_import
from employers.services.staging import roster_upload_validate
from employers.services.uploads import roster_upload_create, roster_upload_import
from enrollment.enums import OrganizationKind
from enrollment.models import Organization

DEMO_ROSTER = """First Name,Last Name,Email Address,Phone,DOB,Priority Group,Job Title,Preferred Language
Ana,García,ana.garcia@example.org,919-555-0101,04/23/1985,3b,Machinist,Spanish
Ben,Okafor,ben.okafor@example.org,919-555-0102,1979-11-02,3b,Welder,English
Chloe,Nguyen,chloe.nguyen@example.org,,1990-02-28,3b,Quality inspector,
José,Núñez,jose.nunez@example.org,919-555-0104,1970-05-05,4b,Forklift operator,es
Dana,Lee,not-an-email,919-555-0105,1988-12-31,3b,Driver,
"""


def seed(*, stdout) -> None:
    employer = Organization.objects.filter(
        name="Triangle Manufacturing Co.", kind=OrganizationKind.EMPLOYER
    ).first()
    if employer is None:
        stdout.write("Demo roster skipped: no demo employer.")
        return
    if Invitee.objects.filter(organization=employer).exists():
        stdout.write(f"Demo roster: {employer.name} already has one.")
        return
    admin = demo_user(Role.EMPLOYER_ADMIN)
    upload = roster_upload_create(
        organization=employer, file=ContentFile(DEMO_ROSTER.encode(), name="demo-roster.csv"), by=admin
    )
    # Read and import now rather than through the tasks (seed_demo runs in one transaction).
    roster_upload_validate(upload_id=upload.pk)
    upload = RosterUpload.objects.get(pk=upload.pk)
    roster_upload_import(upload=upload, by=admin, changes_confirmed=True)
    roster_rows_import(upload_id=upload.pk, by=admin)
    stdout.write(
        f"Demo roster: {employer.name}, {Invitee.objects.filter(organization=employer).count()} people "
        "invited (one row of the file has an error, to show the report)."
    )
