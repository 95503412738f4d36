"""Exporting 1,000,000 doses from PostgreSQL keeps peak memory under 300 MB: the real path.

    DATABASE_URL=postgres://... .venv/bin/python bench/administration_export_db.py
    BENCH_DOSES=100000 ... for a quick run (default 1,000,000)

Creates its own database (bench_<name>, migrated), fills it with set-based SQL (INSERT ...
SELECT ... FROM generate_series) with BENCH_DOSES dose records: half as many recipients, each
with a first and a second dose of a two-dose product, at a few locations, from a few lots and
vaccinators; a few are refusals, corrections or back-filled from paper, as in life. Then runs
`manage.py export_cvrs` over the whole date range and `manage.py export_hl7` (which also marks
every record sent), each in a child process with the production settings, as an operator would,
and prints for each the records written, the time, the rate, the size of the file and the
child's peak resident memory (`wait4`'s `ru_maxrss`) against the limit. Exits 1 if a child fails,
writes the wrong count, or goes over the limit. Drops its database at the end. Then, for
comparison, times the two writers alone on 100,000 synthetic rows (no database): what the
database and the ORM add is the difference.

Skips (exit 0) when DATABASE_URL is not PostgreSQL: the streaming relies on its server-side cursors.
"""

import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings_test")

DOSES = int(os.environ.get("BENCH_DOSES", "1000000"))
LIMIT_MB = 300
START, END = "2021-01-01", "2021-12-31"  # every dose below is given in 2021
WRITERS_SAMPLE = min(DOSES, 100_000)

RECIPIENTS_SQL = """
INSERT INTO recipients_recipient (
    first_name, middle_name, last_name, date_of_birth, sex, races, ethnicity, email, phone,
    street, street_2, city, state, zip_code, county_id, language, occupation, comorbidity,
    screening_answers, source, created_at, updated_at)
SELECT
    (ARRAY['Ana', 'José', 'Mary', 'Kwame', 'Lin', 'Zoë', 'Omar', 'Priya'])[1 + g %% 8],
    CASE WHEN g %% 3 = 0 THEN 'Marie' ELSE '' END,
    (ARRAY['García', 'Núñez', 'Smith', 'Okafor', 'Chen', 'Müller', 'Haddad', 'Patel'])[1 + g / 8 %% 8],
    DATE '1930-01-01' + (g * 37 %% 30000),
    (ARRAY['F', 'M', 'U'])[1 + g %% 3],
    (ARRAY['["2106-3"]', '["2054-5"]', '["2028-9", "2106-3"]', '["UNK"]', '["1002-5"]'])[1 + g %% 5]::jsonb,
    (ARRAY['2135-2', '2186-5', 'UNK', 'POL'])[1 + g %% 4],
    'person' || g || '@example.org',
    '(919) 555-' || lpad((g %% 10000)::text, 4, '0'),
    g || ' Hillsborough St',
    CASE WHEN g %% 4 = 0 THEN 'Apt ' || g %% 300 ELSE '' END,
    'Raleigh', 'NC', '276' || lpad((g %% 100)::text, 2, '0'),
    (%(counties)s::varchar[])[1 + g %% cardinality(%(counties)s::varchar[])],
    CASE WHEN g %% 3 = 0 THEN 'es' ELSE 'en' END,
    '', (ARRAY['YES', 'NO', 'UNK'])[1 + g %% 3], '{}', 'self', now(), now()
FROM generate_series(1, %(recipients)s) AS g
"""

# Dose d (1 or 2) of recipient r, 21 days apart, from January to June 2021. One second dose in a
# hundred is a refusal (no lot, no dose number); one record in two hundred was corrected; one
# person in fifty was back-filled from a paper form (with its form number).
RECORDS_SQL = """
INSERT INTO administration_administrationrecord (
    recipient_id, location_id, product_id, lot_id, dose_number, administered_at, route, site,
    volume_ml, vaccinator_id, screening_answers, refused, refusal_reason, product_exception,
    source, form_number, status, status_reason, version, recorded_by_id,
    created_at, changed_at)
SELECT
    r.id,
    (%(locations)s::bigint[])[1 + r.id %% cardinality(%(locations)s::bigint[])],
    CASE WHEN r.id %% 2 = 0 THEN %(pfizer)s ELSE %(moderna)s END,
    CASE WHEN refused THEN NULL
         WHEN r.id %% 2 = 0 THEN (%(pfizer_lots)s::bigint[])[1 + (r.id / 2 + d) %% 10]
         ELSE (%(moderna_lots)s::bigint[])[1 + (r.id / 2 + d) %% 10] END,
    CASE WHEN refused THEN NULL ELSE d END,
    TIMESTAMPTZ '2021-01-04 08:00:00-05' + (r.id %% 150) * INTERVAL '1 day'
        + (r.id * 7 %% 36000) * INTERVAL '1 second' + (d - 1) * INTERVAL '21 days',
    CASE WHEN refused THEN '' ELSE 'C28161' END,
    CASE WHEN refused THEN '' WHEN r.id %% 2 = 0 THEN 'LD' ELSE 'RD' END,
    CASE WHEN refused THEN NULL WHEN r.id %% 2 = 0 THEN 0.30 ELSE 0.50 END,
    (%(users)s::bigint[])[1 + r.id %% cardinality(%(users)s::bigint[])],
    '{}', refused, CASE WHEN refused THEN '03' ELSE '' END, '',
    CASE WHEN r.id %% 50 = 3 THEN 'paper' ELSE 'online' END,
    CASE WHEN r.id %% 50 = 3 THEN 'P' || lpad(r.id::text || d, 10, '0') END,
    CASE WHEN corrected THEN 'corrected' ELSE 'recorded' END,
    CASE WHEN corrected THEN 'Lot number misread' ELSE '' END,
    CASE WHEN corrected THEN 2 ELSE 1 END,
    (%(users)s::bigint[])[1 + r.id %% cardinality(%(users)s::bigint[])],
    now(), now()
FROM recipients_recipient AS r
CROSS JOIN generate_series(1, 2) AS d
CROSS JOIN LATERAL (
    SELECT d = 2 AND r.id %% 100 = 0 AS refused, d = 1 AND r.id %% 200 = 1 AS corrected
) AS kind
ORDER BY r.id, d
LIMIT %(doses)s
"""


def fill(doses: int) -> None:
    """The people, places, lots and vaccinators the records point to, then the records."""
    from django.db import connection

    from cvms.models import User
    from enrollment.models import County, Location, Organization
    from inventory.models import Lot, Product

    organization = Organization.objects.create(
        name="Wake County Health", kind="provider", status="approved", pin="NCA650001"
    )
    counties = list(County.objects.order_by("fips").values_list("fips", flat=True)[:5])
    locations = [
        Location.objects.create(
            organization=organization,
            name=f"Clinic {n}",
            county_id=counties[n % len(counties)],
            is_active=True,
            address=f"{n}00 New Bern Ave",
            city="Raleigh",
            zip_code="27601",
        ).pk
        for n in range(1, 5)
    ]
    users = [
        User.objects.create(email=f"nurse{n}@example.org", first_name="Nina", last_name=f"Nurse{n}").pk
        for n in range(1, 9)
    ]
    pfizer = Product.objects.get(ndc="59267-1000-01")  # two doses, 21 days apart
    moderna = Product.objects.get(ndc="80777-0273-10")

    def lots(product, prefix):
        return [
            Lot.objects.create(product=product, number=f"{prefix}{n:04d}", expires_on="2021-12-31").pk
            for n in range(10)
        ]

    params = {
        "counties": counties,
        "recipients": (doses + 1) // 2,
        "locations": locations,
        "users": users,
        "pfizer": pfizer.pk,
        "moderna": moderna.pk,
        "pfizer_lots": lots(pfizer, "EL"),
        "moderna_lots": lots(moderna, "MO"),
        "doses": doses,
    }
    with connection.cursor() as cursor:
        cursor.execute(RECIPIENTS_SQL, params)
        cursor.execute(RECORDS_SQL, params)
        cursor.execute("VACUUM ANALYZE recipients_recipient")
        cursor.execute("VACUUM ANALYZE administration_administrationrecord")


def run_child(name: str, args: list[str], env: dict) -> tuple[str, float, float]:
    """Run `manage.py name args` in a child process; its output, seconds and peak memory (MB)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        child = subprocess.Popen(  # noqa: S603 - our own manage.py, with our arguments
            [sys.executable, str(ROOT / "manage.py"), name, *args], env=env, stdout=out, stderr=err
        )
        # wait4 gives this child's own rusage (RUSAGE_CHILDREN would be the peak of all children).
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if child.returncode != 0:
            raise RuntimeError(f"{name} failed ({child.returncode}):\n{err.read()}")
        return out.read().strip(), seconds, usage.ru_maxrss / 1024  # kilobytes on Linux


def synthetic_doses(count: int):
    from administration.reporting.rows import DoseReport

    start = datetime(2021, 1, 4, 13, tzinfo=UTC)
    for n in range(count):
        yield DoseReport(
            event_id=f"CVMS-{n}",
            administered_at=start + timedelta(seconds=n * 7),
            cvx="208",
            ndc="59267-1000-01",
            mvx="PFR",
            manufacturer="Pfizer, Inc",
            product_name="Pfizer-BioNTech COVID-19 Vaccine",
            lot_number=f"EL{n % 10:04d}",
            lot_expiration=date(2021, 12, 31),
            route="C28161",
            site="LD" if n % 2 else "RD",
            volume_ml=Decimal("0.3"),
            dose_number=str(n % 2 + 1),
            series_complete="YES" if n % 2 else "NO",
            recipient_id=f"CVMS-R{n // 2}",
            first_name=f"First{n}",
            last_name=f"Last{n}",
            birth_date=date(1940 + n % 60, n % 12 + 1, n % 28 + 1),
            sex="FMU"[n % 3],
            street=f"{n} Hillsborough St",
            city="Raleigh",
            county_fips="37183",
            state="NC",
            zip_code="27601",
            phone="9195550100",
            races=("2106-3",),
            ethnicity="2186-5",
            responsible_org="Wake County Health",
            organization_id="NCA650001",
            admin_name="Clinic 1",
            admin_county_fips="37183",
            admin_state="NC",
            admin_zip="27601",
            vaccinator_id="CVMS-U1",
            vaccinator_last_name="Nurse1",
            vaccinator_first_name="Nina",
        )


def writers_alone(count: int) -> None:
    """The CVRS and HL7 writers fed with synthetic rows: the floor the real path is compared to."""
    from administration.reporting import cvrs, hl7

    for name, lines in (
        ("cvrs writer", lambda: cvrs.cvrs_lines(synthetic_doses(count))),
        (
            "hl7 writer",
            lambda: hl7.vxu_batch_lines(synthetic_doses(count), batch_id="B", now=datetime.now(UTC)),
        ),
    ):
        started = time.perf_counter()
        with tempfile.TemporaryFile("w", encoding="utf-8", newline="") as out:
            for line in lines():
                out.write(line)
        seconds = time.perf_counter() - started
        print(
            f"{name} alone (synthetic rows, no database): {count:,} in {seconds:,.1f} s "
            f"({count / seconds:,.0f} rows/s)"
        )


def main() -> int:
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("skipped: set DATABASE_URL=postgres://... (the exports stream from PostgreSQL's cursors)")
        return 0
    url = urlsplit(os.environ["DATABASE_URL"])
    bench_name = f"bench_{connection.settings_dict['NAME']}"
    connection.settings_dict["TEST"]["NAME"] = bench_name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        result = run(urlunsplit(url._replace(path=f"/{bench_name}")))
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)
    writers_alone(WRITERS_SAMPLE)
    return result


def run(database_url: str) -> int:
    from django.db import connection

    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} cores)")
    started = time.perf_counter()
    fill(DOSES)
    seconds = time.perf_counter() - started
    people = (DOSES + 1) // 2
    print(f"filled {DOSES:,} dose records for {people:,} people in {seconds:,.1f} s (INSERT ... SELECT)")
    connection.close()  # the children have the database to themselves

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cvms.settings",  # production settings: DEBUG off, as deployed
        "DATABASE_URL": database_url,
        "SECRET_KEY": os.environ.get("SECRET_KEY", "bench-only-not-secret"),
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
    }
    failed = False
    with tempfile.TemporaryDirectory() as tmp:
        for name, args, unit in (
            ("export_cvrs", ["--start", START, "--end", END], "records"),
            ("export_hl7", [], "messages"),
        ):
            path = Path(tmp) / f"{name}.out"
            out, seconds, peak_mb = run_child(name, [*args, "-o", str(path)], env)
            written = int(out.split()[0])  # "N records written to ..."
            size_mb = path.stat().st_size / 1e6
            path.unlink()
            over = peak_mb >= LIMIT_MB
            wrong = written != DOSES
            failed |= over or wrong
            verdict = "OVER THE LIMIT" if over else "ok"
            print(
                f"{name}: {written:,} {unit}{' (EXPECTED ' + f'{DOSES:,})' if wrong else ''}, "
                f"{size_mb:,.0f} MB in {seconds:,.1f} s ({written / seconds:,.0f} rows/s); "
                f"peak memory {peak_mb:,.1f} MB (limit {LIMIT_MB} MB): {verdict}"
            )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM administration_administrationrecord AS r "
            "JOIN administration_hl7sent AS s ON s.record_id = r.id AND s.version = r.version"
        )
        (sent,) = cursor.fetchone()
    if sent != DOSES:
        print(f"export_hl7 marked {sent:,} records sent, expected {DOSES:,}")
        failed = True
    print(f"load average at end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
