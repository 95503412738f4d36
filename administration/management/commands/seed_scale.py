"""Fill a PostgreSQL database with a state's worth of consistent data, fast.

    manage.py seed_scale --recipients 1000000 --doses 2000000 --locations 300

For benchmarks and for trying pages at scale: never on a database with real people. The small
things (organizations, locations, lots, vaccinators, clinics, and the enrollment applications: a
few thousand, in bulk, about a second for 2,000) go through the ORM; the large ones
(people, dose records, the ledger, stock balances, roster rows) are generated inside PostgreSQL
by set-based SQL (`INSERT ... SELECT ... FROM generate_series`): nothing crosses the wire, which is
faster than a COPY fed from Python (COPY's rate, about 70,000 rows/s here, is the floor this
beats), and every row passes the tables' own constraints and triggers.

The data holds the invariants the application keeps:
- each dose given (not a refusal) has its `administered` movement of -1 in the ledger, with the
  record's event id as reference, at the location and lot of the record;
- each (location, lot) that gave doses received them first (one `received` movement), with some
  doses left and a few wasted (so the wastage page has months to show);
- `Stock.on_hand` equals the sum of its ledger, and is never negative;
- one dose number per person; half the people's products are two-dose products;
- each enrollment application holds what its status needs (administration/management/
  seed_applications.py).
"""

import time
import uuid
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.utils import timezone

from administration.management.seed_applications import FIRST_NAMES, LAST_NAMES, seed_applications
from cvms.models import User
from enrollment.models import County, Location, Organization, PriorityGroup
from inventory.models import Lot, Product
from recipients.models import normalized

LOTS_PER_PRODUCT = 10
# Two-dose products of the catalogue (migration-loaded reference data).
PRODUCT_NDCS = ["59267-1000-01", "80777-0273-10"]

RECIPIENTS_SQL = """
INSERT INTO recipients_recipient (
    first_name, middle_name, last_name, date_of_birth, sex, races, ethnicity, email, phone,
    street, street_2, city, state, zip_code, county_id, language, occupation, comorbidity,
    screening_answers, source, priority_group_id, created_at, updated_at, name_key, email_key, phone_key)
SELECT
    (%(first)s::text[])[1 + g %% cardinality(%(first)s::text[])],
    CASE WHEN g %% 3 = 0 THEN 'Marie' ELSE '' END,
    (%(last)s::text[])[1 + (g / 7) %% cardinality(%(last)s::text[])]
        || CASE WHEN g %% 5 = 0 THEN '-' || (g %% 997)::text ELSE '' END,
    DATE '1930-01-01' + (g * 37 %% 30000),
    (ARRAY['F', 'M', 'U'])[1 + g %% 3],
    (ARRAY['["2106-3"]', '["2054-5"]', '["2028-9", "2106-3"]', '["UNK"]', '["1002-5"]'])[1 + g %% 5]::jsonb,
    (ARRAY['2135-2', '2186-5', 'UNK', 'POL'])[1 + g %% 4],
    'person' || (%(base)s + g) || '@example.org',
    '(919) 555-' || lpad((g %% 10000)::text, 4, '0'),
    g || ' Hillsborough St',
    CASE WHEN g %% 4 = 0 THEN 'Apt ' || g %% 300 ELSE '' END,
    'Raleigh', 'NC', '276' || lpad((g %% 100)::text, 2, '0'),
    (%(counties)s::varchar[])[1 + g %% cardinality(%(counties)s::varchar[])],
    CASE WHEN g %% 3 = 0 THEN 'es' ELSE 'en' END,
    '', (ARRAY['YES', 'NO', 'UNK'])[1 + g %% 3], '{}', 'self',
    (%(groups)s::bigint[])[1 + g %% greatest(cardinality(%(groups)s::bigint[]), 1)],
    -- Registered over the year, a few days before the first dose (the pipeline's weeks).
    now() - INTERVAL '387 days' + (g %% 360) * INTERVAL '1 day', now(),
    -- The duplicate finder's keys, as Recipient.save() would set them (recipients.models).
    (%(last_key)s::text[])[1 + (g / 7) %% cardinality(%(last_key)s::text[])]
        || CASE WHEN g %% 5 = 0 THEN (g %% 997)::text ELSE '' END
        || '|' || (%(first_key)s::text[])[1 + g %% cardinality(%(first_key)s::text[])],
    'person' || (%(base)s + g) || '@example.org',
    '919555' || lpad((g %% 10000)::text, 4, '0')
FROM generate_series(1, %(recipients)s) AS g
"""

# Dose d (1 or 2) of the n-th new person, 21 days apart, over the last year up to yesterday (so
# that the dashboards' default four weeks hold a state's recent doses). One second dose in
# a hundred is a refusal (no lot, no dose number). The location follows the person, the lot the
# location and the dose, so that each (location, lot) pair's doses are known to the ledger below.
RECORDS_SQL = """
INSERT INTO administration_administrationrecord (
    recipient_id, location_id, product_id, lot_id, dose_number, administered_at, route, site,
    volume_ml, vaccinator_id, screening_answers, refused, refusal_reason, product_exception,
    source, form_number, status, status_reason, version, recorded_by_id,
    created_at, changed_at)
SELECT
    p.id,
    (%(locations)s::bigint[])[1 + p.n %% cardinality(%(locations)s::bigint[])],
    (%(products)s::bigint[])[1 + p.n %% 2],
    CASE WHEN refused THEN NULL
         ELSE (%(lots)s::bigint[])[
             1 + (p.n %% 2) * %(lots_per_product)s + (p.n / 2 + d) %% %(lots_per_product)s]
    END,
    CASE WHEN refused THEN NULL ELSE d END,
    now() - INTERVAL '382 days' + (p.n %% 360) * INTERVAL '1 day'
        + (p.n * 7 %% 36000) * INTERVAL '1 second' + (d - 1) * INTERVAL '21 days',
    CASE WHEN refused THEN '' ELSE 'C28161' END,
    CASE WHEN refused THEN '' WHEN p.n %% 2 = 0 THEN 'LD' ELSE 'RD' END,
    CASE WHEN refused THEN NULL WHEN p.n %% 2 = 0 THEN 0.30 ELSE 0.50 END,
    (%(users)s::bigint[])[1 + p.n %% cardinality(%(users)s::bigint[])],
    '{}', refused, CASE WHEN refused THEN '03' ELSE '' END, '',
    'online', NULL, 'recorded', '', 1,
    (%(users)s::bigint[])[1 + p.n %% cardinality(%(users)s::bigint[])],
    now(), now()
FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM recipients_recipient WHERE id > %(after)s) AS p
CROSS JOIN generate_series(1, 2) AS d
CROSS JOIN LATERAL (SELECT d = 2 AND p.n %% 100 = 0 AS refused) AS kind
ORDER BY p.id, d
LIMIT %(doses)s
"""

# The ledger: what each (location, lot) received (its doses given, a few wasted, and some left),
# each dose given, and the wastage; then the balances as the sum of the ledger.
LEDGER_SQL = [
    """
    CREATE TEMPORARY TABLE seed_given AS
    SELECT location_id, lot_id, count(*) AS given, min(administered_at) AS first_at
    FROM administration_administrationrecord
    WHERE id > %(after_record)s AND NOT refused
    GROUP BY location_id, lot_id
    """,
    """
    INSERT INTO inventory_stockmovement (location_id, lot_id, kind, quantity, reason, note, reference, at)
    SELECT location_id, lot_id, 'received', given + (given + 49) / 50 + 50, '', '', 'seed_scale',
           first_at - INTERVAL '1 day'
    FROM seed_given
    """,
    """
    INSERT INTO inventory_stockmovement (location_id, lot_id, kind, quantity, reason, note, reference, at)
    SELECT location_id, lot_id, 'administered', -1, '', '', 'CVMS-' || id, administered_at
    FROM administration_administrationrecord
    WHERE id > %(after_record)s AND NOT refused
    ORDER BY id
    """,
    """
    INSERT INTO inventory_stockmovement (location_id, lot_id, kind, quantity, reason, note, reference, at)
    SELECT s.location_id, s.lot_id, 'wasted', -1,
           (ARRAY['broken_vial', 'temperature_excursion', 'drawn_not_administered', 'other'])[1 + w %% 4],
           '', 'seed_scale', s.first_at + w * INTERVAL '3 days'
    FROM seed_given AS s CROSS JOIN LATERAL generate_series(1, (s.given + 49) / 50) AS w
    """,
    """
    INSERT INTO inventory_stock (location_id, lot_id, on_hand)
    SELECT m.location_id, m.lot_id, sum(m.quantity)
    FROM seed_given AS s
    JOIN inventory_stockmovement AS m ON m.location_id = s.location_id AND m.lot_id = s.lot_id
    GROUP BY m.location_id, m.lot_id
    ON CONFLICT (location_id, lot_id) DO UPDATE SET on_hand = EXCLUDED.on_hand
    """,
    "DROP TABLE seed_given",
]

# One dose in 500 is followed by an adverse event (the state's list and its filters): most mild,
# one in ten severe and reported to VAERS with its number.
ADVERSE_EVENTS_SQL = """
INSERT INTO administration_adverseevent (
    record_id, onset_at, description, severity, reported_to_vaers, vaers_number, recorded_by_id, created_at)
SELECT id, administered_at + interval '6 hours', 'Sore arm and a low fever the next morning',
       CASE WHEN id %% 10 = 0 THEN 'severe' WHEN id %% 3 = 0 THEN 'moderate' ELSE 'mild' END,
       id %% 10 = 0, CASE WHEN id %% 10 = 0 THEN 'S' || id ELSE '' END, recorded_by_id,
       administered_at + interval '8 hours'
FROM administration_administrationrecord
WHERE id > %(after_record)s AND id %% 500 = 0 AND NOT refused
"""

# One person in five is on an employer's roster, already registered (the roster page's join).
ROSTER_SQL = """
INSERT INTO employers_invitee (
    organization_id, first_name, last_name, email, phone, date_of_birth, occupation, language,
    status, recipient_id, created_at, updated_at)
SELECT %(employer)s, first_name, last_name, lower(email), phone, date_of_birth, '', language,
       'registered', id, now(), now()
FROM recipients_recipient WHERE id > %(after)s AND id %% 5 = 0
ON CONFLICT DO NOTHING
"""


# An enrollment rush: one application for every 500 people (2,000 at a million).
RECIPIENTS_PER_APPLICATION = 500


class Command(BaseCommand):
    help = "Fill the database with many people, dose records and a consistent ledger (benchmarks)."

    def add_arguments(self, parser):
        parser.add_argument("--recipients", type=int, default=10_000)
        parser.add_argument("--doses", type=int, default=20_000)
        parser.add_argument("--locations", type=int, default=50)
        parser.add_argument(
            "--applications",
            type=int,
            default=None,
            help=f"Enrollment applications (default: one per {RECIPIENTS_PER_APPLICATION} recipients).",
        )

    def handle(self, *args, recipients, doses, locations, applications, **options):
        if connection.vendor != "postgresql":
            raise CommandError("seed_scale needs PostgreSQL (DATABASE_URL=postgres://...).")
        if recipients < 1 or locations < 1 or doses < 0:
            raise CommandError("--recipients and --locations must be at least 1, --doses at least 0.")
        if doses > 2 * recipients:
            raise CommandError("At most two doses per person: --doses can't exceed 2 × --recipients.")
        if applications is None:
            applications = recipients // RECIPIENTS_PER_APPLICATION
        if applications < 0:
            raise CommandError("--applications must be at least 0.")
        started = time.perf_counter()
        with transaction.atomic():
            counts = seed(recipients=recipients, doses=doses, locations=locations, applications=applications)
        # VACUUM (the visibility map, for index-only scans) can't run inside a transaction, as in
        # the tests; ANALYZE (the planner's statistics) can.
        maintenance = "ANALYZE" if connection.in_atomic_block else "VACUUM ANALYZE"
        with connection.cursor() as cursor:
            for table in (
                "recipients_recipient",
                "administration_administrationrecord",
                "inventory_stockmovement",
                "inventory_stock",
                "employers_invitee",
                "administration_adverseevent",
                "enrollment_enrollmentapplication",
                "enrollment_applicationlocation",
                "cvms_user",  # the applicants: thousands where there were a few people
            ):
                cursor.execute(f"{maintenance} {table}")
        self.stdout.write(
            f"{counts['recipients']:,} people, {counts['doses']:,} dose records, "
            f"{counts['movements']:,} ledger lines at {locations:,} locations, "
            f"{counts['applications']:,} enrollment applications ({counts['waiting']:,} waiting for review) "
            f"in {time.perf_counter() - started:,.1f} s"
        )


def seed(*, recipients: int, doses: int, locations: int, applications: int = 0) -> dict:
    """Add the rows (to whatever the database holds already) and return how many of each."""
    run = uuid.uuid4().hex[:10]  # names and numbers unique to this run
    counties = list(County.objects.order_by("fips").values_list("fips", flat=True))
    if not counties:
        raise CommandError("No counties: run the migrations first.")
    providers = Organization.objects.bulk_create(
        Organization(name=f"Scale Health {run}-{n}", kind="provider", status="approved")
        for n in range(max(1, locations // 10))
    )
    employer = Organization.objects.create(name=f"Scale Employer {run}", kind="employer", status="approved")
    location_ids = [
        location.pk
        for location in Location.objects.bulk_create(
            Location(
                organization=providers[n % len(providers)],
                name=f"Scale Clinic {run}-{n}",
                county_id=counties[n % len(counties)],
                is_active=True,
                address=f"{n} New Bern Ave",
                city="Raleigh",
                zip_code="27601",
            )
            for n in range(locations)
        )
    ]
    users = [
        user.pk
        for user in User.objects.bulk_create(
            User(email=f"scale-nurse{n}-{run}@example.org", first_name="Nina", last_name=f"Nurse{n}")
            for n in range(8)
        )
    ]
    products = [Product.objects.get(ndc=ndc) for ndc in PRODUCT_NDCS]
    expires = timezone.localdate() + timedelta(days=730)
    lots = [
        lot.pk
        for lot in Lot.objects.bulk_create(
            Lot(product=product, number=f"S{run}{p}{n:02d}", expires_on=expires)
            for p, product in enumerate(products)
            for n in range(LOTS_PER_PRODUCT)
        )
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SELECT coalesce(max(id), 0) FROM recipients_recipient")
        (after,) = cursor.fetchone()
        cursor.execute("SELECT coalesce(max(id), 0) FROM administration_administrationrecord")
        (after_record,) = cursor.fetchone()
        cursor.execute("SELECT count(*) FROM inventory_stockmovement")
        (movements_before,) = cursor.fetchone()
        params = {
            "first": FIRST_NAMES,
            "last": LAST_NAMES,
            "first_key": [normalized(name) for name in FIRST_NAMES],
            "last_key": [normalized(name) for name in LAST_NAMES],
            "base": after,
            "counties": counties,
            # The dashboards break doses down by priority group (none when no group exists).
            "groups": list(PriorityGroup.objects.order_by("pk").values_list("pk", flat=True)),
            "recipients": recipients,
            "after": after,
            "after_record": after_record,
            "locations": location_ids,
            "products": [product.pk for product in products],
            "lots": lots,
            "lots_per_product": LOTS_PER_PRODUCT,
            "users": users,
            "doses": doses,
            "employer": employer.pk,
        }
        cursor.execute(RECIPIENTS_SQL, params)
        cursor.execute(RECORDS_SQL, params)
        for statement in LEDGER_SQL:
            cursor.execute(statement, params)
        cursor.execute(ROSTER_SQL, params)
        cursor.execute(ADVERSE_EVENTS_SQL, params)
        cursor.execute("SELECT count(*) FROM inventory_stockmovement")
        (movements_after,) = cursor.fetchone()
    waiting = seed_applications(count=applications, run=run, counties=counties)
    return {
        "recipients": recipients,
        "doses": doses,
        "movements": movements_after - movements_before,
        "applications": applications,
        "waiting": waiting,
    }
