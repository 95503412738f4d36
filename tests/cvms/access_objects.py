"""Objects that core URLs point at (see tests/access_matrix.py)."""

from cvms.roles import Portal


def home_organization(personas, portal):
    side = "home_provider" if portal == Portal.PROVIDER else "home_employer"
    return personas.organizations[side].pk


BUILDERS = {"organization_pk": home_organization}
