"""Rules that change data, by domain: clinics, booking, notifications, recording, backfill, files."""
