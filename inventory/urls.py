"""URLs of the inventory app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
