"""The repository stands on its own: no tracked file points at the workspace folder beside it.

The suite once read its reference files from a folder next to the clone, so a clone alone could
not pass `make test`. The files the tests read are now in tests/fixtures/; this guard keeps any
new file from reaching out again. CI also proves it by running the suite in a fresh clone.
"""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Spelled in two parts, so that this file doesn't name the folder it looks for.
OUTSIDE = (b"shared" + b"/reference", b".." + b"/shared")
# docs/ may tell the story of where things came from.
ALLOWED = ("docs/",)


def _tracked_files() -> list[str]:
    if shutil.which("git") is None:
        pytest.skip("git is missing")
    listing = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=False)
    if listing.returncode != 0:
        pytest.skip(f"not a git checkout: {listing.stderr.decode().strip()}")
    return [name for name in listing.stdout.decode().split("\0") if name]


def test_no_tracked_file_outside_docs_names_a_folder_beside_the_repository():
    offenders = [
        f"{name}: {pattern.decode()}"
        for name in _tracked_files()
        if not name.startswith(ALLOWED) and (ROOT / name).is_file()
        for pattern in OUTSIDE
        if pattern in (ROOT / name).read_bytes()
    ]

    assert offenders == []
