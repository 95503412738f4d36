"""`make bench`: every benchmark of issue 18 in one run, each figure beside the limit measured in
the same run, printed as one table and written to bench/results/latest.json.

One process that owns its server, its load and its table; each benchmark is a module of its own
(bench/booking.py, recording.py, pages.py, dashboards.py, exports.py, forms.py,
invitations.py, roster.py, pg_restart.py) returning its rows, on the shared
harness of bench/harness.py (Row, Gunicorn, Load, signed-in sessions).

    DATABASE_URL=postgres://... CELERY_BROKER_URL=redis://... make bench [QUICK=1]

Makes its own database (`<name>_bench`, dropped and made again each run), migrates it and fills
it with `manage.py seed_scale` (1,000,000 people, 2,000,000 doses and 2,000 enrollment
applications; QUICK: 20,000, 40,000 and 40), then starts gunicorn (production settings, DEBUG
off, 4 sync workers) with one more URL (`bench/urls.py`: an authenticated page that does
nothing) and drives it from this process over loopback (threads, keep-alive connections,
sessions made as a login makes them).

Rows (the limit is measured beside each, on this machine, in this run):
- the authenticated no-op page: the ceiling of any page;
- the state's pages at 8 users: p95 against the no-op page's p95 at 8 users (target within 3x);
- the booking rush over many slots, one hot slot, and a sell-out race, over HTTP: their rate
  against the no-op page's at the same concurrency, and PostgreSQL's time per booking. Afterwards
  the database must hold no overbooked slot, every slot's count must equal its appointments and
  every location's reserved doses its booked ones; a broken invariant fails the run (exit 1);
- the CVRS and HL7 exports (`manage.py export_cvrs` / `export_hl7`, child processes) against
  PostgreSQL's `COPY (the export's own query) TO STDOUT`; peak memory of the CVRS export;
- dose recording over HTTP, 32 vaccinators across 8 locations and 16 lots (bench/recording.py)
  against the no-op page at 32 clients; afterwards every balance must equal its ledger and the
  doses recorded the ledger's doses administered, or the run fails (exit 1);
- offline forms (one PDF job of blank forms; prefilled ones in the note) against WeasyPrint on
  a trivial page;
- invitations (bench/invitations.py): 100,000 (QUICK: 10,000) through real Celery workers, one
  per queue as docker-compose.yml runs them, into an SMTP sink, against raw smtplib into the same
  sink; a 1-row upload made meanwhile must be imported within 10 s; every invitee must get
  exactly one e-mail (else the run fails);
- the roster import (bench/employers_roster_import.py) against a COPY into the roster table;
- PostgreSQL restarted during a write load (bench/pg_restart.py, a private cluster of its own):
  the share of bookings that failed, how soon it serves again, the invariants afterwards;
- the state's dashboards (bench/dashboards.py): the summaries' full build, then each dashboard at
  8 users beside the raw SQL of its aggregate, against 50 ms and the no-op page's p95;
"""

import json
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
RESULTS = ROOT / "bench" / "results" / "latest.json"

from bench import booking, dashboards, exports, forms, invitations, pages, pg_restart, recording, roster  # noqa: E402
from bench.harness import (  # noqa: E402
    QUICK,
    SCALE,
    Gunicorn,
    Row,
    bench_database_url,
    child_env,
    manage,
    recreate_database,
    signed_in,
)

# Why a target is not met on this machine, and what would meet it: added to the note of each row
# (by the start of its name) whose `met` is false. What profiling found (bench/README.md, issue 18).
WHY_NOT = {
    "state page": "Not met: at light load a page's p95 follows its CPU time. A list page now spends "
    "about 9-13 ms of CPU in-process (cProfile, a full page of rows) against 3.5-4.5 ms for the "
    "no-op page: its rows are written in Python (cvms/rows.py) and its filters' options read as "
    "rows; what remains is the layout (about 2 ms: the menu, the portal switcher's query, the "
    "account menu), the filter form (1-1.5 ms for 100 counties and 55 products), the ORM building "
    "4-6 more queries than the no-op page (bounded and indexed: tests/cvms/test_page_costs.py), "
    "and an audit row per page of people. On 2 cores shared with PostgreSQL, the load generator "
    "and (this session) other engineers' work, p95 is mostly queueing. Would meet it: web "
    "processes on cores of their own; next trims: the portal switcher's memberships read with the "
    "gate's own query, the counties' options drawn once per process and language.",
    "booking": "Not met: in one warmed-up process (bench/profile_posts.py, DEBUG off) a booking "
    "costs about 20 ms of Python and 2.5 ms of PostgreSQL CPU in 15 statements, against 7 ms and "
    "0.6 ms (4 statements) for the no-op page: Django's fixed cost of a request (middleware, "
    "session, the gate) is a third of a booking, the rest the ORM building and reading its "
    "statements and the forecaster; so on the same cores a booking runs at about a third of the "
    "no-op page's rate at best, less here where gunicorn, PostgreSQL and the load generator share "
    "2 cores. The database side is counters by conditional UPDATE, no location lock, statements "
    "prepared on the web's connections; the series rules are read once per process. Would meet "
    "it: web processes on cores of their own (docs/scaling.md), where the database's 2.5-3 ms a "
    "booking serves over 300 bookings/s a core.",
    "dose recording": "Not met: in one warmed-up process (bench/profile_posts.py) a recording costs "
    "about 25 ms of Python and 3 ms of PostgreSQL CPU in 17 statements, against 7 ms and 0.6 ms "
    "for the no-op page: the gate's provider membership and locations, the dose form and its "
    "lots, the evaluator and one short transaction (the person, the appointment, the record, "
    "the ledger line, the balance's decrement, the audit rows); at best about 0.27 of the no-op "
    "page's rate on the same 2 shared cores. Would meet it: the clinic and the appointment in "
    "one read, the provider's locations from the gate's membership (one statement each), and "
    "more cores for the web processes.",
    "dashboards:": "Not met: this row draws what the cache hasn't seen (a new county each "
    "request; the adverse events' list reads the records): every chart's aggregate from the "
    "summaries, a few ms each at 2,000,000 doses, plus its SVG and table, many times the no-op "
    "page's CPU on 2 cores shared with PostgreSQL and the load generator. A page once drawn (the "
    "defaults, drawn by the worker after each refresh; any filter asked once since the summaries "
    "last changed) is read back in one look-up of the shared cache. Would meet it: one grouped "
    "query per page instead of one per chart, the adverse events' dose day kept on the event, web "
    "processes on cores of their own.",
    "export_cvrs": "Not met on this size: the command's start (Django and its apps) is a fixed cost "
    "beside a COPY of a few thousand rows; the rate after the start is in this note. At 1,000,000 "
    "doses the start spreads out.",
    "export_hl7": "Not met: after the command's start (a fixed cost beside 40,000 messages) each "
    "message costs PostgreSQL about 28 us of CPU to build (every segment's expressions, PID and "
    "RXA the largest) and Python about 12 us alongside (OBX numbers, MSH-10), against about 7 us a "
    "row for the COPY of the bare query. Marking sent is no longer an UPDATE of every record "
    "(about 45 us each): the messages' rows COPied and narrow sent marks inserted, about 16 us of "
    "PostgreSQL's CPU a record. At 1,000,000 doses under a load of 9-11: 8,000-9,400 messages/s, "
    "0.12-0.15 of COPY (4,800/s before; marking 37-49 s instead of 143 s). Would meet it: the "
    "messages built by two COPYs of half the records each on cores of their own, and the "
    "messages' rows without a second check of keys the export has just read.",
    "invitations": "Not met: the workers, the sink, PostgreSQL and the raw-smtplib limit share 2 "
    "cores; each invitation's 'sent' mark is its own statement so that a killed worker never "
    "sends an e-mail twice. Would meet it: invitation workers on cores of their own.",
    "roster import": "Not met in every run: at 10,000 rows the import's round trips (about 40) and "
    "its job's start are a fixed cost beside one COPY, and land at 1.75-2.3x with the machine's "
    "load. Would meet it: fewer round trips (the session settings sent with the lock query).",
}


def explained(rows: list) -> list:
    """Each row not met with the reason from WHY_NOT appended to its note."""
    for row in rows:
        reason = next((text for start, text in WHY_NOT.items() if row["name"].startswith(start)), "")
        if row["met"] is False and reason:
            row["note"] = f"{row['note']}. {reason}" if row["note"] else reason
    return rows


# --- The run -----------------------------------------------------------------------------------


def table(rows: list) -> str:
    def cell(value):
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "NO"
        return f"{value:,}" if isinstance(value, int | float) else str(value)

    lines = [
        "| benchmark | figure | limit (same run) | ratio | target | met | notes |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        figure = f"{cell(row['figure'])} {row['unit']}"
        lines.append(
            f"| {row['name']} | {figure} | {cell(row['limit'])} | {cell(row['ratio'])} | {row['target']} | "
            f"{cell(row['met'])} | {row['note']} |"
        )
    return "\n".join(lines)


# `make bench ONLY=booking,pages`: only these benchmarks (the seed and the no-op page always run).
ONLY = {name for name in os.environ.get("BENCH_ONLY", "").split(",") if name}


# BENCH_KEEP=1: reuse the bench database as the last run left it (migrated again, not seeded
# again): to measure a change again on a big seed without waiting for it. Never for the table.
KEEP = os.environ.get("BENCH_KEEP", "") not in ("", "0")


def wanted(name: str) -> bool:
    return not ONLY or name in ONLY


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        print("make bench needs DATABASE_URL=postgres://... (and CELERY_BROKER_URL=redis://...)")
        return 1
    original_url = os.environ["DATABASE_URL"]
    database_url = bench_database_url()
    env = child_env(database_url)
    load_start = os.getloadavg()
    if not KEEP:
        recreate_database(database_url)
    manage(env, "migrate", "--no-input", "-v0")
    manage(env, "collectstatic", "--no-input", "-v0")  # production serves the hashed files
    rows = []
    if not KEEP:
        out, seconds, _ = manage(env, "seed_scale", *(f"--{k}={v}" for k, v in SCALE.items()))
        print(out)
        rows.append(
            Row(
                f"seed_scale, {SCALE['recipients']:,} people and {SCALE['doses']:,} doses",
                round(seconds),
                "s",
                target="minutes",
                met=seconds < 20 * 60,
                note="generated inside PostgreSQL, constraints checked",
            )
        )

    os.environ.update({k: v for k, v in env.items() if k != "DATABASE_URL"})
    os.environ["DATABASE_URL"] = database_url
    import django

    django.setup()
    from django.conf import settings

    # The bench's people sign in by session (`signed_in`), never by password: a cheap hash in
    # this process only, or making 3,000 accounts would take minutes of PBKDF2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    from cvms.roles import Role
    from tests.factories import UserFactory

    # Only when booking is measured: on a kept database (BENCH_KEEP) its factories' numbers
    # collide with the last run's (a provider's PIN is unique).
    clinics, cookies = (
        booking.booking_setup(clinics=booking.BOOKING_CLINICS, people=booking.BOOKING_PEOPLE)
        if wanted("booking")
        else ([], [])
    )
    sites = recording.recording_setup() if wanted("recording") else []
    # Signed in last: a state official's session times out (cvms.middleware) like a real one.
    official_cookie = signed_in(
        UserFactory(roles=[Role.STATE_OFFICIAL], email=f"official-{os.getpid()}@bench.example.org")
    )
    with Gunicorn(env):
        noop, limits = pages.noop_rows(official_cookie)
        rows += noop
        if wanted("pages"):
            rows += pages.state_page_rows(official_cookie, limits[8])
        if wanted("booking"):
            rows += booking.booking_rows(clinics, cookies, limits[64])
        if wanted("recording"):
            rows += recording.recording_rows(sites, official_cookie)
        if wanted("dashboards"):
            rows += dashboards.dashboard_rows(official_cookie, limits[8])
    if wanted("exports"):
        rows += exports.export_rows(env)
    if wanted("forms"):
        rows.append(forms.forms_row())
    if wanted("invitations"):
        rows += invitations.invitation_rows(database_url)
    os.environ["DATABASE_URL"] = original_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "cvms.settings_test"
    if wanted("roster"):
        rows += roster.roster_rows()
    if wanted("restart"):
        rows += pg_restart.restart_rows()

    rows = explained(rows)
    if not ONLY and not KEEP:  # a partial run prints its rows but leaves the last whole table in place
        RESULTS.parent.mkdir(exist_ok=True)
        RESULTS.write_text(json.dumps(rows, indent=2, ensure_ascii=False) + "\n")
    load_end = os.getloadavg()
    print(table(rows))
    print(
        f"\n{'QUICK' if QUICK else 'full'} run, {os.cpu_count()} cores, load average "
        f"{load_start[0]:.1f} at start, {load_end[0]:.1f} at end; "
        + ("" if ONLY else f"; written to {RESULTS.relative_to(ROOT)}")
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
