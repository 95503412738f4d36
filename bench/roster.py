"""The roster import (bench/employers_roster_import.py) against a COPY into the roster table."""

import os
import re
import subprocess
import sys

from bench.harness import QUICK, ROOT, Row


def roster_rows() -> list:
    sizes = ["10000"] if QUICK else ["10000", "100000"]
    env = {**os.environ, "BENCH_REPEATS": "1" if QUICK else "3"}
    out = subprocess.run(  # noqa: S603
        [sys.executable, str(ROOT / "bench" / "employers_roster_import.py"), *sizes],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = []
    for size, block in zip(
        sizes, re.split(r"\n(?=\d[\d,]* rows \()", out.strip())[-len(sizes) :], strict=True
    ):
        ratios = [float(r) for r in re.findall(r"([\d.]+)x", block.split("each run:")[1].split(")")[0])]
        worst = max(ratios)
        rows.append(
            Row(
                f"roster import, {int(size):,} rows",
                worst,
                "x the COPY into the roster",
                1.0,
                worst,
                "every run within 2x",
                worst <= 2,
                "runs: " + ", ".join(f"{r:.2f}x" for r in ratios),
            )
        )
    return rows
