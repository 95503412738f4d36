"""manage.py commands of the administration app."""
