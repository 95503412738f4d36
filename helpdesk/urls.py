"""URLs of the helpdesk app, one list per portal (composed in cvms/urls.py)."""

portals: dict = {}
