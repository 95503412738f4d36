"""How fast a roster imports, end to end, against a plain PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://... .venv/bin/python bench/employers_roster_import.py [rows]

Creates its own database (bench_<name>, migrated), writes a CSV roster of 100,000 people, then
1. loads the file with a plain `COPY ... FROM STDIN (FORMAT csv)` into a table of the same
   columns (the floor: PostgreSQL parsing the file itself, nothing checked);
2. runs the real path: upload (the file checked as a whole), validation (every row read,
   checked and COPYed to the staging table, duplicates and updates found), and the import
   (INSERT ... SELECT ... ON CONFLICT into the roster and one pending invitation per person),
   as the workers would; invitations are queued, not mailed.
Prints both rates and the ratio (target: 40,000 rows/s, within 2x of COPY), and the peak memory.
Drops its database at the end.
"""

import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings_test")

import django

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000


def write_roster(path: Path, rows: int) -> None:
    # Not for security: a repeatable spread of names and groups.
    random.seed(7)
    groups = ["1", "3a", "3b", "4a", "4b", ""]
    first = ["Ana", "José", "Mary", "Kwame", "Lin", "Zoë", "Omar", "Priya"]
    last = ["García", "Núñez", "Smith", "Okafor", "Chen", "Müller", "Haddad", "Patel"]
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write(
            "First Name,Last Name,Email Address,Phone,DOB,Priority Group,Job Title,Preferred Language\r\n"
        )
        for n in range(rows):
            year, month, day = 1940 + n % 60, 1 + n % 12, 1 + n % 28
            dob = f"{year}-{month:02d}-{day:02d}" if n % 2 else f"{month}/{day}/{year}"
            name = f"{random.choice(first)},{random.choice(last)}"  # noqa: S311
            group = random.choice(groups)  # noqa: S311
            language = "es" if n % 3 else "en"
            phone = f"919-555-{n % 10000:04d}"
            out.write(f"{name},worker{n}@example.org,{phone},{dob},{group},Line operator,{language}\r\n")


def main() -> None:
    django.setup()
    from django.conf import settings
    from django.db import connection

    if connection.vendor != "postgresql":
        print("skipped: set DATABASE_URL=postgres://... (the comparison is with PostgreSQL's COPY)")
        return
    connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    settings.EMPLOYERS_ROSTER_MAX_BYTES = 1024**3
    from celery import current_app

    # Queue the tasks instead of running them: each step is timed on its own below, and the
    # invitation e-mails are not part of the import.
    current_app.conf.update(task_always_eager=False, broker_url="memory://")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        run()
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run() -> None:
    from django.core.files import File
    from django.db import connection

    from cvms.roles import Role
    from cvms.services import membership_grant, user_create
    from employers import services
    from employers.models import Invitation, Invitee, RosterUpload
    from enrollment.models import Organization

    with tempfile.TemporaryDirectory() as tmp:
        from django.conf import settings

        settings.STORAGES["default"]["OPTIONS"]["location"] = tmp
        path = Path(tmp) / "roster.csv"
        write_roster(path, ROWS)
        size_mb = path.stat().st_size / 1024 / 1024
        print(f"{ROWS:,} rows, {size_mb:.1f} MB CSV")

        with connection.cursor() as cursor:
            cursor.execute(
                """CREATE TABLE bench_copy (first_name varchar(150), last_name varchar(150),
                   email varchar(254), phone varchar(32), date_of_birth text, priority_group text,
                   occupation varchar(200), language varchar(16))"""
            )
            started = time.perf_counter()
            with (
                path.open("rb") as source,
                cursor.cursor.copy("COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)") as copy,
            ):
                while chunk := source.read(1024 * 1024):
                    copy.write(chunk)
            copy_seconds = time.perf_counter() - started
            cursor.execute("DROP TABLE bench_copy")
        copy_rate = ROWS / copy_seconds
        print(f"plain COPY:      {copy_seconds:6.2f} s  {copy_rate:10,.0f} rows/s")

        organization = Organization.objects.create(name="Bench Employer", kind="employer", status="approved")
        admin = user_create(email="bench@example.org", password=None)
        membership_grant(user=admin, organization=organization, role=Role.EMPLOYER_ADMIN, by=None)

        phases = {}
        started = time.perf_counter()
        with path.open("rb") as source:
            upload = services.roster_upload_create(
                organization=organization, file=File(source, "roster.csv"), by=admin
            )
        phases["upload"] = time.perf_counter() - started
        mark = time.perf_counter()
        services.roster_upload_validate(upload_id=upload.pk)
        phases["validate"] = time.perf_counter() - mark
        mark = time.perf_counter()
        upload.refresh_from_db()
        services.roster_upload_import(upload=upload, by=admin)
        services.roster_rows_import(upload_id=upload.pk, by=admin)
        phases["import"] = time.perf_counter() - mark
        total = time.perf_counter() - started

        upload = RosterUpload.objects.get(pk=upload.pk)
        assert upload.status == "imported", (upload.status, upload.failure)
        assert Invitee.objects.filter(organization=organization).count() == ROWS
        assert Invitation.objects.filter(invitee__organization=organization).count() == ROWS
        rate = ROWS / total
        print(
            f"roster import:   {total:6.2f} s  {rate:10,.0f} rows/s  "
            f"(upload {phases['upload']:.2f} s, read and check {phases['validate']:.2f} s, "
            f"import {phases['import']:.2f} s)"
        )
        print(f"ratio:           {copy_rate / rate:6.2f}x the plain COPY (target: within 2x; 40,000 rows/s)")
        print(
            f"peak memory:     {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:6.0f} MB (process)"
        )


if __name__ == "__main__":
    main()
