"""The state's dashboards over 2,000,000 doses and 1,000,000 people: p95 at 8 concurrent users,
beside a raw SQL query of the same aggregate.

    DATABASE_URL=postgres://... .venv/bin/python bench/state_dashboards.py
    BENCH_DOSES=200000 BENCH_PEOPLE=100000 ... for a quick run

Creates its own database (bench_<name>, migrated; dropped at the end) and fills it with set-based
SQL (INSERT ... SELECT ... FROM generate_series): BENCH_PEOPLE people in the 100 counties and the
priority groups; their first doses over the last 155 days, second doses 21 days later (two-dose
products) and some boosters, up to BENCH_DOSES records at 300 locations, each dose out of stock through
an `administered` ledger line. Then builds the summary tables (`summaries_refresh(full=True)`,
timed), and measures, with 8 processes each signed in as a state official (Django's test client:
the view, the gate, the queries and the template, without the HTTP server), every dashboard page
and two charts' CSV over the default range (the last four weeks), each 20 times per process. For
comparison, the same 8 processes run raw SQL: the aggregate over the summary table the page
reads, and the same aggregate over the dose records themselves (what a page would cost without
the summaries). Prints p50 and p95 in milliseconds, and the target (50 ms p95).

Skips (exit 0) when DATABASE_URL is not PostgreSQL.
"""

import multiprocessing
import os
import statistics
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cvms.settings_test")

DOSES = int(os.environ.get("BENCH_DOSES", "2000000"))
PEOPLE = int(os.environ.get("BENCH_PEOPLE", "1000000"))
USERS = int(os.environ.get("BENCH_USERS", "8"))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "20"))
TARGET_MS = 50
LOCATIONS = 300

RECIPIENTS_SQL = """
INSERT INTO recipients_recipient (
    first_name, middle_name, last_name, date_of_birth, sex, races, ethnicity, email, phone,
    street, street_2, city, state, zip_code, county_id, language, occupation, comorbidity,
    screening_answers, source, priority_group_id, created_at, updated_at)
SELECT
    'Ana', '', 'Person' || g, DATE '1930-01-01' + (g * 37 %% 30000),
    (ARRAY['F', 'M', 'U'])[1 + g %% 3],
    (ARRAY['["2106-3"]', '["2054-5"]', '["2028-9"]', '["UNK"]', '["1002-5"]'])[1 + g %% 5]::jsonb,
    (ARRAY['2135-2', '2186-5', 'UNK', '2186-5'])[1 + g %% 4],
    'person' || g || '@example.org', '919-555-0100', g || ' Main St', '', 'Raleigh', 'NC', '27601',
    (%(counties)s::varchar[])[1 + g %% cardinality(%(counties)s::varchar[])],
    'en', '', 'UNK', '{}', 'self',
    (%(groups)s::bigint[])[1 + g %% cardinality(%(groups)s::bigint[])],
    now() - (g %% 170 + 5) * INTERVAL '1 day', now()
FROM generate_series(1, %(people)s) AS g
"""

# Dose d of person r: the first on one of the last 155 days, the second 21 days later (two-dose
# products: nine people in ten), and for one person in five of those a booster 60 days after the
# second, when that day has come.
RECORDS_SQL = """
INSERT INTO administration_administrationrecord (
    recipient_id, location_id, product_id, lot_id, dose_number, administered_at, route, site,
    vaccinator_id, screening_answers, refused, refusal_reason, product_exception, source, status,
    status_reason, version, hl7_sent_version, recorded_by_id, created_at, changed_at)
SELECT
    r.id, (%(locations)s::bigint[])[1 + r.id %% cardinality(%(locations)s::bigint[])],
    p.product, (p.lots)[1 + (r.id + d) %% 10], d, given.at,
    'C28161', 'LD', %(user)s, '{}', false, '', '', 'online', 'recorded', '', 1, 0, %(user)s, now(), now()
FROM recipients_recipient AS r
CROSS JOIN LATERAL (
    SELECT CASE WHEN r.id %% 10 = 0 THEN %(janssen)s WHEN r.id %% 2 = 1 THEN %(pfizer)s
                ELSE %(moderna)s END AS product,
           CASE WHEN r.id %% 10 = 0 THEN %(janssen_lots)s::bigint[]
                WHEN r.id %% 2 = 1 THEN %(pfizer_lots)s::bigint[]
                ELSE %(moderna_lots)s::bigint[] END AS lots,
           CASE WHEN r.id %% 10 = 0 THEN 1 WHEN r.id %% 5 = 1 THEN 3 ELSE 2 END AS doses
) AS p
CROSS JOIN generate_series(1, 3) AS d
CROSS JOIN LATERAL (
    SELECT date_trunc('day', now()) - (160 - r.id %% 155) * INTERVAL '1 day'
        + (CASE d WHEN 1 THEN 0 WHEN 2 THEN 21 ELSE 81 END) * INTERVAL '1 day'
        + (8 * 3600 + r.id * 7 %% 32000) * INTERVAL '1 second' AS at
) AS given
WHERE d <= p.doses AND given.at < now()
ORDER BY r.id, d
LIMIT %(doses)s
"""

LEDGER_SQL = [
    # Each location received each lot it gives from, ahead of the first dose.
    """
    INSERT INTO inventory_stockmovement
        (location_id, lot_id, kind, quantity, reason, note, reference, at, by_id)
    SELECT location_id, lot_id, 'received', count(*) + 100, '', '', 'bench',
           min(administered_at) - INTERVAL '1 day', %(user)s
    FROM administration_administrationrecord GROUP BY location_id, lot_id
    """,
    """
    INSERT INTO inventory_stockmovement
        (location_id, lot_id, kind, quantity, reason, note, reference, at, by_id)
    SELECT location_id, lot_id, 'administered', -1, '', '', 'administration.record:' || id,
           administered_at, %(user)s
    FROM administration_administrationrecord
    """,
    """
    INSERT INTO inventory_stockmovement
        (location_id, lot_id, kind, quantity, reason, note, reference, at, by_id)
    SELECT location_id, lot_id, 'wasted', -3, 'broken_vial', '', 'bench', max(administered_at), %(user)s
    FROM administration_administrationrecord GROUP BY location_id, lot_id
    """,
    """
    INSERT INTO inventory_stock (location_id, lot_id, on_hand)
    SELECT location_id, lot_id, sum(quantity) FROM inventory_stockmovement GROUP BY location_id, lot_id
    """,
]

# The raw aggregates, each beside the page that shows it: over the summary table, and over the
# records (what the page would cost without the summaries). %(start)s, %(end)s: the range.
RAW = {
    "doses per day": (
        "SELECT day, value, sum(doses) FROM dashboards_doseday WHERE dimension = 'dose' "
        "AND day BETWEEN %(start)s AND %(end)s GROUP BY day, value",
        "SELECT (administered_at AT TIME ZONE 'America/New_York')::date AS day, dose_number, count(*) "
        "FROM administration_administrationrecord WHERE refused = false AND status <> 'voided' "
        "AND historical = false AND administered_at >= %(start)s::date "
        "AND administered_at < %(end)s::date + 1 "
        "GROUP BY 1, 2",
    ),
    "coverage by county": (
        "SELECT county_id, value, sum(doses) FROM dashboards_doseday WHERE dimension = 'milestone' "
        "AND day <= %(end)s GROUP BY county_id, value",
        "SELECT coalesce(r.county_id, l.county_id), a.dose_number = 1, count(*) "
        "FROM administration_administrationrecord a JOIN recipients_recipient r ON r.id = a.recipient_id "
        "JOIN enrollment_location l ON l.id = a.location_id JOIN inventory_product p ON p.id = a.product_id "
        "WHERE a.refused = false AND a.status <> 'voided' "
        "AND (a.dose_number = 1 OR a.dose_number = p.series_doses) "
        "AND a.administered_at < %(end)s::date + 1 GROUP BY 1, 2",
    ),
}

PAGES = [
    # The floor: the state's home page (the gate, the menu, the layout, one count).
    ("state home page (floor)", "/state/"),
    ("doses page", "/state/dashboards/"),
    ("coverage page", "/state/dashboards/coverage/"),
    ("supply page", "/state/dashboards/supply/"),
    ("pipeline page", "/state/dashboards/pipeline/"),
    ("adverse events", "/state/dashboards/adverse-events/"),
    ("reporting lag", "/state/dashboards/reporting-lag/"),
    ("CSV doses-day", "/state/dashboards/charts/doses-day.csv"),
    ("CSV doses-county", "/state/dashboards/charts/doses-county.csv?county=37183"),
]


def fill() -> int:
    from django.db import connection

    from cvms.models import User
    from enrollment.models import County, Location, Organization, PriorityGroup
    from inventory.models import Lot, Product

    organization = Organization.objects.create(
        name="Bench Health", kind="provider", status="approved", pin="NCA650001"
    )
    counties = list(County.objects.order_by("fips").values_list("fips", flat=True))
    locations = Location.objects.bulk_create(
        [
            Location(
                organization=organization,
                name=f"Clinic {n}",
                county_id=counties[n % len(counties)],
                is_active=True,
            )
            for n in range(LOCATIONS)
        ]
    )
    user = User.objects.create(email="nurse@example.org", first_name="Nina", last_name="Nurse")
    products = {
        "pfizer": Product.objects.get(ndc="59267-1000-01"),
        "moderna": Product.objects.get(ndc="80777-0273-10"),
        "janssen": Product.objects.filter(cvx="212", series_doses=1).first()
        or Product.objects.create(name="Janssen (bench)", cvx="212", ndc="59676-0580-05", series_doses=1),
    }
    params = {
        "counties": counties,
        "groups": list(PriorityGroup.objects.values_list("pk", flat=True)),
        "people": PEOPLE,
        "locations": [location.pk for location in locations],
        "user": user.pk,
        "doses": DOSES,
        **{name: product.pk for name, product in products.items()},
        **{
            f"{name}_lots": [
                Lot.objects.create(
                    product=product, number=f"{name[:3].upper()}{n:04d}", expires_on="2099-12-31"
                ).pk
                for n in range(10)
            ]
            for name, product in products.items()
        },
    }
    with connection.cursor() as cursor:
        cursor.execute(RECIPIENTS_SQL, params)
        cursor.execute(RECORDS_SQL, params)
        for sql in LEDGER_SQL:
            cursor.execute(sql, params)
        for table in (
            "recipients_recipient",
            "administration_administrationrecord",
            "inventory_stockmovement",
        ):
            cursor.execute(f"VACUUM ANALYZE {table}")
        cursor.execute("SELECT count(*) FROM administration_administrationrecord")
        return cursor.fetchone()[0]


def _official_session() -> str:
    from django.conf import settings

    from cvms.roles import Role
    from tests.clients import SignInClient
    from tests.factories import UserFactory

    client = SignInClient()
    client.force_login(UserFactory(roles=[Role.STATE_OFFICIAL], email="official@bench.example.org"))
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def _pages_worker(cookie: str, queue) -> None:
    from django.conf import settings
    from django.test import Client

    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = cookie
    timings = {}
    for _round in range(ROUNDS):
        for name, url in PAGES:
            started = time.perf_counter()
            response = client.get(url)
            if response.streaming:
                b"".join(response.streaming_content)
            assert response.status_code == 200, (url, response.status_code)
            timings.setdefault(name, []).append((time.perf_counter() - started) * 1000)
    queue.put(timings)


def _raw_worker(params: dict, queue) -> None:
    from django.db import connection

    timings = {}
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        for _round in range(ROUNDS):
            for name, (summary_sql, records_sql) in RAW.items():
                for kind, sql in (("summary", summary_sql), ("records", records_sql)):
                    started = time.perf_counter()
                    cursor.execute(sql, params)
                    cursor.fetchall()
                    timings.setdefault(f"{name} ({kind})", []).append((time.perf_counter() - started) * 1000)
    queue.put(timings)


def _concurrently(target, *args) -> dict[str, list[float]]:
    """Run `target` in USERS forked processes at once; their timings, merged."""
    from django.db import connections

    connections.close_all()  # each process opens its own
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    processes = [context.Process(target=target, args=(*args, queue)) for _n in range(USERS)]
    for process in processes:
        process.start()
    merged: dict[str, list[float]] = {}
    for _process in processes:
        for name, values in queue.get().items():
            merged.setdefault(name, []).extend(values)
    for process in processes:
        process.join()
        if process.exitcode:
            raise RuntimeError(f"a worker failed ({process.exitcode})")
    return merged


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[18] if len(values) >= 20 else max(values)


def _report(timings: dict[str, list[float]], *, verdict: bool) -> bool:
    within = True
    for name, values in timings.items():
        p95 = _p95(values)
        within &= p95 <= TARGET_MS
        mark = ("ok" if p95 <= TARGET_MS else "over") if verdict else ""
        print(f"  {name:<34} p50 {statistics.median(values):8.1f} ms   p95 {p95:8.1f} ms  {mark}")
    return within


def run() -> int:
    from django.utils import timezone

    from dashboards.services import summaries_refresh

    print(f"load average at start: {' '.join(f'{n:.2f}' for n in os.getloadavg())} ({os.cpu_count()} cores)")
    started = time.perf_counter()
    doses = fill()
    print(f"filled {doses:,} dose records for {PEOPLE:,} people in {time.perf_counter() - started:,.1f} s")
    started = time.perf_counter()
    result = summaries_refresh(full=True)
    print(f"summary tables built in {time.perf_counter() - started:,.1f} s ({result['rows']:,} rows)")
    cookie = _official_session()
    today = timezone.localdate()
    params = {"start": today - timezone.timedelta(27), "end": today}

    print(f"{USERS} concurrent users, {ROUNDS} requests each per page (target: p95 ≤ {TARGET_MS} ms):")
    within = _report(_concurrently(_pages_worker, cookie), verdict=True)
    print(f"raw SQL of the same aggregates, {USERS} concurrent connections:")
    _report(_concurrently(_raw_worker, params), verdict=False)
    print(f"load average at end: {' '.join(f'{n:.2f}' for n in os.getloadavg())}")
    print("every page within the target" if within else "some pages are over the target (see above)")
    return 0


def main() -> int:
    django.setup()
    from django.db import connection

    if connection.vendor != "postgresql":
        print("skipped: set DATABASE_URL=postgres://...")
        return 0
    bench_name = f"bench_{connection.settings_dict['NAME']}_dashboards"
    connection.settings_dict["TEST"]["NAME"] = bench_name
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        return run()
    finally:
        from django.db import connections

        connections.close_all()
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    sys.exit(main())
