"""The ceiling (the authenticated no-op page) and the state's pages at 8 users against it."""

from bench.harness import Load, Row, get

STATE_PAGES = [
    "state:dashboard",
    "state:inventory.stock",
    "state:inventory.wastage",
    "state:recipients.list",
    "state:administration.exports",
    # The state's other lists that grow with the data. seed_scale fills the organizations (a
    # provider per ten locations) and the enrollment applications (one per 500 people, most
    # waiting for review); duplicates, merges, allocations and the audit trail hold what the run
    # itself adds. Their sorts have indexes, their counts stop at LIST_COUNT_LIMIT
    # (cvms/pagination.py), and tests/cvms/test_page_costs.py holds their queries constant as
    # they grow.
    "state:recipients.duplicates",
    "state:recipients.merges",
    "state:enrollment.organizations",
    "state:enrollment.review",
    "state:inventory.allocations",
    "state:audit",
]


def noop_rows(cookie: str) -> tuple[list, dict]:
    from django.urls import reverse

    path = reverse("bench_noop")
    limits = {}
    for clients in (8, 64):
        load = Load(get(path, cookie), clients=clients).run()
        assert set(load.statuses) == {200}, set(load.statuses)
        limits[clients] = load
    rows = [
        Row(
            "authenticated no-op page, 8 clients",
            round(limits[8].rate),
            "requests/s",
            note=f"p95 {limits[8].p95_ms:.0f} ms",
        ),
        Row(
            "authenticated no-op page, 64 clients",
            round(limits[64].rate),
            "requests/s",
            note=f"p95 {limits[64].p95_ms:.0f} ms",
        ),
    ]
    return rows, limits


def state_page_rows(cookie: str, noop8: Load) -> list:
    from django.urls import reverse

    rows = []
    for name in STATE_PAGES:
        load = Load(get(reverse(name), cookie), clients=8).run()
        bad = [status for status in load.statuses if status != 200]
        ratio = load.p95_ms / noop8.p95_ms
        rows.append(
            Row(
                f"state page {name.split(':')[1]}, 8 users",
                round(load.p95_ms, 1),
                "ms p95",
                round(noop8.p95_ms, 1),
                round(ratio, 2),
                "within 3x of the no-op page's p95",
                ratio <= 3 and not bad,
                f"{load.rate:.0f} pages/s" + (f"; {len(bad)} answers not 200" if bad else ""),
            )
        )
    return rows
