"""CPU per request of a booking and of a dose recording, in-process (issue 18): what a change to
either costs or saves, measured without the noise of a loaded machine's wall clock.

    DATABASE_URL=postgres://… python bench/profile_posts.py [booking|recording|both] [--n 300]
        [--profile] [--statements] [--keep]

Its own database (`<DATABASE_URL's name>_prof`, made again unless --keep), the production
settings with DEBUG off (bench.settings), the pages posted through Django's test client in one
warmed-up process (the first 50 posts not counted), as the bench's load generator posts them.
Beside them the authenticated no-op page (GET, bench/urls.py), the floor any request
pays. For each: the process's CPU per request (Python, psycopg's client side included), the
PostgreSQL backend's CPU per request (/proc, this machine's server), and the statements per
request. The outbox publishes to CELERY_BROKER_URL's Redis, as a web process does (purged
at the end: use a Redis database of your own). --profile: cProfile of the counted posts, the
top functions by their own and cumulative time. --statements: the statements by their total
wall time (PostgreSQL's time and the round trip)."""

import cProfile
import os
import pstats
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.harness import child_env, manage, recreate_database

WARM = 50


def _backend_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(name: str, posts: list, *, profile: bool) -> None:
    """`posts`: (cookie, path, data) to post in turn; the first WARM warm the process. One
    client, so one handler and one middleware chain, as in a web process; each post carries
    its person's session cookie."""
    from django.db import connection
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")

    statements = 0
    by_statement: dict[str, list[float]] = {}

    def count(execute, sql, params, many, context):
        nonlocal statements
        statements += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            by_statement.setdefault(sql[:150], []).append(time.perf_counter() - started)

    def send(cookie, path, data):
        """A POST (a redirect when it worked), or a GET of the no-op page (data None: 200)."""
        if data is None:
            return client.get(path, HTTP_COOKIE=cookie).status_code == 200
        return client.post(path, data, HTTP_COOKIE=cookie).status_code == 302

    for cookie, path, data in posts[:WARM]:
        assert send(cookie, path, data), "a warm-up request was refused"
    counted = posts[WARM:]
    connection.ensure_connection()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    profiler = cProfile.Profile() if profile else None
    refused = 0
    pg_before, cpu_before, wall_before = _backend_cpu(pid), time.process_time(), time.perf_counter()
    with connection.execute_wrapper(count):
        if profiler:
            profiler.enable()
        for cookie, path, data in counted:
            refused += not send(cookie, path, data)
        if profiler:
            profiler.disable()
    cpu, wall = time.process_time() - cpu_before, time.perf_counter() - wall_before
    time.sleep(0.2)
    pg = _backend_cpu(pid) - pg_before
    n = len(counted)
    print(
        f"{name}: {n} posts ({refused} refused), Python {1000 * cpu / n:.2f} ms CPU a post, "
        f"PostgreSQL {1000 * pg / n:.2f} ms CPU a post, {statements / n:.1f} statements a post, "
        f"wall {1000 * wall / n:.2f} ms a post{' (profiled)' if profiler else ''}"
    )
    if "--statements" in sys.argv:
        print("statements by their total wall time over the counted posts (ms, count, text):")
        for sql, times in sorted(by_statement.items(), key=lambda item: -sum(item[1]))[:25]:
            print(f"  {1000 * sum(times):8.1f} {len(times):5d}  {sql}")
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


def noop_gets(n: int) -> list:
    """The authenticated no-op page (bench/urls.py), a state official's: the floor of a request."""
    from django.urls import reverse

    from bench.harness import signed_in
    from cvms.roles import Role
    from tests.factories import UserFactory

    official = UserFactory(roles=[Role.STATE_OFFICIAL], email=f"official-{os.getpid()}@bench.example.org")
    cookie = signed_in(official)
    return [(cookie, reverse("bench_noop"), None)] * (n + WARM)


def booking_posts(n: int) -> list:
    from django.urls import reverse

    from administration.models import Slot
    from bench.booking import booking_setup

    clinics, cookies = booking_setup(clinics=4, people=n + WARM)
    slots = list(Slot.objects.filter(clinic__in=clinics).order_by("pk").values_list("clinic_id", "pk"))
    posts = []
    for number, cookie in enumerate(cookies):
        clinic_pk, slot_pk = slots[number % len(slots)]
        path = reverse("me:administration.clinic", kwargs={"clinic_pk": clinic_pk})
        posts.append((cookie, path, {"slot": slot_pk}))
    return posts


def recording_posts(n: int) -> list:
    from bench import recording

    sites = recording.recording_setup()
    posts = []
    for number in range(n + WARM):
        site = sites[number % len(sites)]
        path, data = recording.dose_form(site, site.next_appointment(), number)
        posts.append((site.cookies[number % len(site.cookies)], path, data))
    return posts


def main() -> int:
    what = sys.argv[1] if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else "both"
    n = int(sys.argv[sys.argv.index("--n") + 1]) if "--n" in sys.argv else 300
    url = urlsplit(os.environ["DATABASE_URL"])
    database_url = urlunsplit(url._replace(path=f"{url.path}_prof"))
    env = child_env(database_url)
    if "--keep" not in sys.argv:
        recreate_database(database_url)
        manage(env, "migrate", "--no-input", "-v0")
    os.environ.update(env)
    import django

    django.setup()
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The outbox publishes to the broker of CELERY_BROKER_URL as a web process does; nobody
    # reads them here, and they are purged at the end.
    from cvms.celery import app

    profile = "--profile" in sys.argv
    measure("no-op page", noop_gets(n), profile=False)
    if what in ("booking", "both"):
        measure("booking", booking_posts(n), profile=profile)
    if what in ("recording", "both"):
        measure("recording", recording_posts(min(n, 1000)), profile=profile)
    app.control.purge()
    return 0


if __name__ == "__main__":
    sys.exit(main())
