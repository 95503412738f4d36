"""How fast a roster imports, end to end, against a plain PostgreSQL COPY of the same rows.

    DATABASE_URL=postgres://... .venv/bin/python bench/employers_roster_import.py [rows ...]

Creates its own database (bench_<name>, migrated) and, for each size (10,000 and 100,000 rows
unless told), in a fresh process so that its peak memory is its own, writes a CSV roster and
measures:

1. COPY, bare: the file loaded by `COPY ... FROM STDIN (FORMAT csv)` into a scratch table of
   text columns with no index or constraint. A lower bound: PostgreSQL parsing the file,
   nothing checked, nothing indexed.
2. COPY into the roster: the same rows, in the shape the roster stores them (e-mail in lower
   case, dates parsed, priority groups as ids), COPYed into the roster table itself
   (`employers_invitee`, with its indexes, checks and foreign keys, the foreign keys checked
   as the rows arrive, as a commit would check them), then rolled back. This is the honest
   "plain COPY of the same rows", and the one the 2x target is measured against.
3. The real path, as the web process and the workers run it: upload (the file checked as a
   whole and stored), read and check (every row read, checked and COPYed to the staging table,
   duplicates and people already on the roster found), and import (the roster upserted in one
   transaction). The invitations are made and mailed later by the send task, batch by batch,
   and are not part of the import.

Each size is measured BENCH_REPEATS times (5 unless told), from an empty roster each time, and
the median of each figure is printed (the machine is shared, and one run can be off by a
third). The COPY into the roster is measured just before and just after each import, and the
import compared with their mean; one small import before the runs, not measured, loads what a
long-lived worker has loaded already.

Prints, per size: rows; each COPY's seconds and rows/s; the real path's seconds and rows/s
with its phases; the ratio to the COPY into the roster (the median of each run's ratio;
target: within 2x, and 40,000 rows/s); the peak resident memory of the process (RSS) before
reading the file and at the end (it should not grow with the file); and the load average,
since the machine is shared.
Drops its database at the end.
"""

import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings_test")

import django

SIZES = [int(arg) for arg in sys.argv[1:] if arg.isdigit()] or [10_000, 100_000]
REPEATS = int(os.environ.get("BENCH_REPEATS", "5"))  # the median is printed: the machine is shared
GROUPS = ["1", "3a", "3b", "4a", "4b", ""]


def people(rows: int):
    """A repeatable spread of names, groups and date formats: (file cells, stored values)."""
    random.seed(7)
    first = ["Ana", "José", "Mary", "Kwame", "Lin", "Zoë", "Omar", "Priya"]
    last = ["García", "Núñez", "Smith", "Okafor", "Chen", "Müller", "Haddad", "Patel"]
    for n in range(rows):
        year, month, day = 1940 + n % 60, 1 + n % 12, 1 + n % 28
        dob = f"{year}-{month:02d}-{day:02d}" if n % 2 else f"{month}/{day}/{year}"
        name = (random.choice(first), random.choice(last))  # noqa: S311 (not for security)
        group = random.choice(GROUPS)  # noqa: S311
        language = "es" if n % 3 else "en"
        phone = f"919-555-{n % 10000:04d}"
        email = f"Worker{n}@Example.org"
        cells = f"{name[0]},{name[1]},{email},{phone},{dob},{group},Line operator,{language}"
        iso = f"{year}-{month:02d}-{day:02d}"
        stored = (email.lower(), *name, phone, iso, group, "Line operator", language)
        yield cells, stored


def write_files(tmp: Path, rows: int, group_ids: dict, organization_id: int) -> tuple[Path, Path]:
    """The roster as an organization sends it, and the same rows as the roster stores them."""
    roster, stored_rows = tmp / "roster.csv", tmp / "stored.csv"
    now = time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime())
    with (
        roster.open("w", encoding="utf-8", newline="") as out,
        stored_rows.open("w", encoding="utf-8", newline="") as stored_out,
    ):
        out.write(
            "First Name,Last Name,Email Address,Phone,DOB,Priority Group,Job Title,Preferred Language\r\n"
        )
        for cells, (email, first, last, phone, dob, group, job, language) in people(rows):
            out.write(cells + "\r\n")
            group_id = group_ids[group] if group else ""
            stored_out.write(
                f"{organization_id},{email},{first},{last},{phone},{dob},{group_id},{job},{language},added,{now},{now}\n"
            )
    return roster, stored_rows


def copy_file(cursor, statement: str, path: Path) -> float:
    started = time.perf_counter()
    with path.open("rb") as source, cursor.copy(statement) as copy:
        while chunk := source.read(1024 * 1024):
            copy.write(chunk)
    return time.perf_counter() - started


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    """Make the database, then measure each size in a child process (its own peak memory)."""
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("skipped: set DATABASE_URL=postgres://... (the comparison is with PostgreSQL's COPY)")
        return
    connection.settings_dict["TEST"]["NAME"] = f"bench_{connection.settings_dict['NAME']}"
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    database = connection.settings_dict["NAME"]
    connection.close()
    try:
        for rows in SIZES:
            subprocess.run(  # noqa: S603 (this very script, with a number)
                [sys.executable, __file__, "--measure", str(rows)],
                env={**os.environ, "BENCH_DATABASE": database},
                check=True,
            )
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def measure(rows: int) -> None:
    django.setup()
    from django.conf import settings
    from django.db import connection

    connection.settings_dict["NAME"] = os.environ["BENCH_DATABASE"]
    settings.EMPLOYERS_ROSTER_MAX_BYTES = 1024**3
    from celery import current_app

    # Queue the tasks instead of running them: each step is timed on its own below, and the
    # invitation e-mails are not part of the import.
    current_app.conf.update(task_always_eager=False, broker_url="memory://")
    settings.CELERY_TASK_ALWAYS_EAGER = False

    from enrollment.models import PriorityGroup

    group_ids = {code.lower(): pk for pk, code in PriorityGroup.objects.values_list("pk", "code")}
    runs = []
    with tempfile.TemporaryDirectory() as tmp:
        settings.STORAGES["default"]["OPTIONS"]["location"] = tmp
        warm_up(Path(tmp), group_ids, rows)
        for run in range(REPEATS):
            organization, admin = bench_organization(rows, run)
            roster, stored_rows = write_files(Path(tmp), rows, group_ids, organization.pk)
            bare, before = copy_baselines(roster, stored_rows)
            # The rolled-back COPY leaves its rows dead in the roster's table and indexes; the
            # import is measured on a clean roster, as the COPY was.
            roster_empty()
            if run == 0:
                memory_before = rss_mb()
            total, phases = real_path(roster, organization, admin, rows)
            roster_empty()
            # The COPY again, right after: the machine is shared and its load changes within
            # seconds, so the limit is the mean of a COPY just before and one just after.
            _bare, after = copy_baselines(roster, stored_rows)
            roster_empty()
            runs.append((bare, (before + after) / 2, total, phases))
        size_mb = roster.stat().st_size / 1024 / 1024
    report(rows, size_mb, runs, memory_before)


def warm_up(tmp: Path, group_ids: dict, rows: int) -> None:
    """One small import, not measured: a worker or web process is long-lived, and a fresh one's
    first import also pays once for loading modules and finalizing the Celery app (0.1-0.4 s,
    a third of a 10,000-row import), which is not a cost of importing."""
    folder = tmp / "warm-up"
    folder.mkdir()
    organization, admin = bench_organization(100, f"warm-up-{rows}")  # one per size measured
    roster, _stored = write_files(folder, 100, group_ids, organization.pk)
    real_path(roster, organization, admin, 100)
    roster_empty()


def bench_organization(rows: int, run: int | str):
    from cvms.roles import Role
    from cvms.services import membership_grant, user_create
    from enrollment.models import Organization

    organization = Organization.objects.create(
        name=f"Bench Employer {rows} ({run})", kind="employer", status="approved"
    )
    admin = user_create(email=f"bench{rows}-{run}@example.org", password=None)
    membership_grant(user=admin, organization=organization, role=Role.EMPLOYER_ADMIN, by=None)
    return organization, admin


def copy_baselines(roster: Path, stored_rows: Path) -> tuple[float, float]:
    """The two COPYs (see the docstring): seconds for the bare one and the one into the roster."""
    from django.db import connection, transaction

    from employers.models import Invitee

    with connection.cursor() as cursor:
        raw = cursor.cursor
        raw.execute(
            """CREATE TEMPORARY TABLE bench_copy (first_name text, last_name text, email text,
               phone text, date_of_birth text, priority_group text, occupation text, language text)"""
        )
        bare = copy_file(raw, "COPY bench_copy FROM STDIN (FORMAT csv, HEADER true)", roster)
        raw.execute("DROP TABLE bench_copy")
        with transaction.atomic():
            # The roster's foreign keys are deferred to the commit; checked here as each row
            # arrives, as a committed COPY would have them checked, not skipped by the
            # rollback below.
            raw.execute("SET CONSTRAINTS ALL IMMEDIATE")
            into_roster = copy_file(
                raw,
                f"""COPY {Invitee._meta.db_table} (organization_id, email, first_name, last_name,
                    phone, date_of_birth, priority_group_id, occupation, language, status,
                    created_at, updated_at) FROM STDIN (FORMAT csv)""",
                stored_rows,
            )
            transaction.set_rollback(True)
    return bare, into_roster


def real_path(roster: Path, organization, admin, rows: int) -> tuple[float, dict]:
    """Upload, read and check, import, as the web process and the workers do them."""
    from django.core.files import File

    from employers.models import Invitation, Invitee, RosterUpload
    from employers.services.imports import roster_rows_import
    from employers.services.staging import roster_upload_validate
    from employers.services.uploads import roster_upload_create, roster_upload_import

    phases = {}
    started = time.perf_counter()
    with roster.open("rb") as source:
        upload = roster_upload_create(organization=organization, file=File(source, "roster.csv"), by=admin)
    phases["upload"] = time.perf_counter() - started
    mark = time.perf_counter()
    roster_upload_validate(upload_id=upload.pk)
    phases["read and check"] = time.perf_counter() - mark
    mark = time.perf_counter()
    upload.refresh_from_db()
    roster_upload_import(upload=upload, by=admin, changes_confirmed=True)
    roster_rows_import(upload_id=upload.pk, by=admin)
    phases["import"] = time.perf_counter() - mark
    total = time.perf_counter() - started

    upload = RosterUpload.objects.get(pk=upload.pk)
    assert upload.status == "imported", (upload.status, upload.failure)
    assert Invitee.objects.filter(organization=organization).count() == rows
    # The invitations are made by the send task, batch by batch, after the import.
    assert upload.people_to_invite == rows
    assert not Invitation.objects.filter(invitee__organization=organization).exists()
    return total, phases


def roster_empty() -> None:
    """An empty roster, with no dead rows left in its table or indexes (this is the bench's own
    database)."""
    from django.db import connection

    from employers.models import Invitation, Invitee

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Invitation._meta.db_table}, {Invitee._meta.db_table}")


def report(rows: int, size_mb: float, runs: list, memory_before: float) -> None:
    bare = median(run[0] for run in runs)
    into_roster = median(run[1] for run in runs)
    total = median(run[2] for run in runs)
    phases = {name: median(run[3][name] for run in runs) for name in runs[0][3]}

    def line(label: str, seconds: float) -> str:
        return f"  {label:24s}{seconds:7.2f} s {rows / seconds:10,.0f} rows/s"

    load = os.getloadavg()
    print(
        f"{rows:,} rows ({size_mb:.1f} MB CSV), median of {len(runs)} runs, "
        f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    print(line("COPY, bare (floor)", bare))
    print(line("COPY into the roster", into_roster))
    print(
        line("roster import", total)
        + " ("
        + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in phases.items())
        + ")"
    )
    # Each run's import against the COPY measured beside it, then their median.
    ratios = sorted(run[2] / run[1] for run in runs)
    print(
        f"  ratio: {median(ratios):.2f}x the COPY into the roster (target: within 2x; "
        f"each run: {', '.join(f'{ratio:.2f}x' for ratio in ratios)}), {total / bare:.1f}x the bare COPY"
    )
    print(
        f"  target 40,000 rows/s: {'met' if rows / total >= 40_000 else 'not met'}; "
        f"the COPY into the roster alone does {rows / into_roster:,.0f} rows/s on this machine"
    )
    print(f"  peak memory (RSS): {rss_mb():.0f} MB ({memory_before:.0f} MB before reading the file)")
    sys.stdout.flush()


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--measure":
        measure(int(sys.argv[2]))
    else:
        main()
