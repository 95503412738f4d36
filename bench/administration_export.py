"""Exporting 1,000,000 doses through the CVRS and HL7 writers keeps peak memory under 300 MB.

Each export runs in a child process that builds synthetic `DoseReport`s one at a time (as the
database cursor does in production), streams the file to a temporary file, and reports its peak
resident memory (`ru_maxrss`). Run by `make bench`; DOSES=10000 for a quick look.
"""

import multiprocessing
import os
import resource
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

DOSES = int(os.environ.get("DOSES", "1000000"))
LIMIT_MB = 300


def synthetic_doses(count: int):
    from administration.reporting.rows import DoseReport

    start = datetime(2021, 1, 1, 8, tzinfo=UTC)
    for n in range(count):
        yield DoseReport(
            event_id=f"CVMS-{n}",
            administered_at=start + timedelta(seconds=n * 7),
            cvx="208",
            ndc="59267-1000-01",
            mvx="PFR",
            manufacturer="Pfizer, Inc",
            product_name="Pfizer-BioNTech COVID-19 Vaccine",
            lot_number=f"EL{n % 9000:04d}",
            lot_expiration=date(2021, 6, 30),
            route="C28161",
            site="LD" if n % 2 else "RD",
            volume_ml=Decimal("0.3"),
            dose_number=str(n % 2 + 1),
            series_complete="YES" if n % 2 else "NO",
            recipient_id=f"R-{n // 2}",
            first_name=f"First{n}",
            last_name=f"Last{n}",
            birth_date=date(1940 + n % 60, n % 12 + 1, n % 28 + 1),
            sex="FMU"[n % 3],
            street=f"{n} Main St",
            city="Raleigh",
            county_fips="37183",
            state="NC",
            zip_code="27601",
            races=("2106-3",),
            ethnicity="2186-5",
            responsible_org="Wake Health",
            organization_id="NCA650001",
            admin_name="Raleigh Clinic",
            admin_type="19",
            admin_county_fips="37183",
            admin_state="NC",
            admin_zip="27601",
            vaccinator_last_name="Nurse",
            vaccinator_first_name="Nina",
        )


def export(kind: str, count: int, queue) -> None:
    from administration.reporting import cvrs, hl7

    started = time.perf_counter()
    if kind == "cvrs":
        lines = cvrs.cvrs_lines(synthetic_doses(count))
    else:
        lines = hl7.vxu_batch_lines(synthetic_doses(count), batch_id="BENCH", now=datetime.now(UTC))
    size = 0
    with tempfile.TemporaryFile("w", encoding="utf-8", newline="") as out:
        for line in lines:
            out.write(line)
        size = out.tell()
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    queue.put((peak_kb / 1024, time.perf_counter() - started, size))


def main() -> int:
    context = multiprocessing.get_context("spawn")  # a fresh interpreter: its peak is the export's
    failed = False
    for kind in ("cvrs", "hl7"):
        queue = context.Queue()
        child = context.Process(target=export, args=(kind, DOSES, queue))
        child.start()
        peak_mb, seconds, size = queue.get()
        child.join()
        verdict = "ok" if peak_mb < LIMIT_MB else "OVER THE LIMIT"
        failed |= peak_mb >= LIMIT_MB
        print(
            f"{kind}: {DOSES:,} doses, {size / 1e6:,.0f} MB written in {seconds:,.1f} s "
            f"({DOSES / seconds:,.0f} doses/s); peak memory {peak_mb:,.1f} MB "
            f"(limit {LIMIT_MB} MB): {verdict}"
        )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
