"""URLs of the administration app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
