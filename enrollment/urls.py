"""URLs of the enrollment app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
