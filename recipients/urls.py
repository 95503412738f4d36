"""URLs of the recipients app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
