"""What employers contributes to the core's rules (hook points: cvms/hooks.py)."""

from datetime import datetime

from employers.services.invitations import invitations_sweep
from employers.services.jobs import roster_jobs_sweep


def background_sweep(*, now: datetime) -> dict[str, int]:
    """Invitations and roster jobs that a dead worker or a lost task left undone."""
    return {**invitations_sweep(now=now), **roster_jobs_sweep(now=now)}
