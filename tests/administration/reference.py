"""Where shared/reference/ is: beside the clone (CI) or beside the worktrees (development)."""

from pathlib import Path


def reference_path(name: str) -> Path:
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "shared" / "reference" / name
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"shared/reference/{name} is not beside this repository.")
