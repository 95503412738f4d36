"""What the dashboards' URLs point at (see tests/access_matrix.py): a chart, by its slug, which
every state official may download (the state's figures belong to no organization)."""

from cvms.roles import Role
from tests.access_matrix import Owned

STATE_OFFICIALS = frozenset({(Role.STATE_OFFICIAL, "home"), (Role.STATE_OFFICIAL, "other")})

BUILDERS = {"chart": lambda personas, portal: Owned("doses-day", STATE_OFFICIALS)}
