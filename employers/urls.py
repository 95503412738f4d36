"""URLs of the employers app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
