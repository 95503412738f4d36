"""A module past 450 lines is a sign that a flow wants its own file (docs/architecture.md): each
that stays longer says why at its top, in a sentence starting "Over 450 lines:"."""

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LIMIT = 450
REASON = "over 450 lines:"
TOP_LINES = 30


def project_python_files() -> list[Path]:
    """The project's Python files: what git tracks, or every file of the tree outside git."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        listed = [
            p.relative_to(ROOT).as_posix()
            for p in ROOT.rglob("*.py")
            if not any(part.startswith(".") for part in p.relative_to(ROOT).parts)
        ]
    return [ROOT / name for name in listed if (ROOT / name).is_file()]


def _says_why(lines: list[str]) -> bool:
    return any(REASON in line.lower() for line in lines[:TOP_LINES])


def test_every_file_over_450_lines_says_why_at_its_top():
    unexplained = []
    for path in project_python_files():
        lines = path.read_text(encoding="utf-8").splitlines()
        if len(lines) > LIMIT and not _says_why(lines):
            unexplained.append(f"{path.relative_to(ROOT)} ({len(lines)} lines)")

    assert not unexplained, (
        "Files over 450 lines without an 'Over 450 lines: ...' reason at the top:\n" + "\n".join(unexplained)
    )


def test_the_check_tells_a_reason_from_none():
    long_file = ['"""A module."""'] + ["x = 1"] * 500

    assert not _says_why(long_file)
    assert _says_why(['"""A module.', "", "Over 450 lines: one table.", '"""', *long_file])
