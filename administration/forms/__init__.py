"""Forms by domain: clinics, booking, records, backfill, files (and the shared widgets)."""
