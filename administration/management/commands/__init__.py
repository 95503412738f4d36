"""The registry exports as manage.py commands (export_cvrs, export_hl7)."""
