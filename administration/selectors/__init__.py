"""Reads reused by several views and services, by domain: booking, clinics, records, reporting."""
