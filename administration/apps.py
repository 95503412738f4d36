"""The administration app's configuration, and the hook that tells inventory how many appointments
are booked ahead."""

from django.apps import AppConfig


class AdministrationConfig(AppConfig):
    name = "administration"

    def ready(self):
        from administration import checks  # noqa: F401 - registers the deploy checks

        # Inventory sits below administration and can't import it: tell it how to count the
        # appointments booked ahead (its allocation form shows them).
        from administration.selectors.booking import booked_ahead
        from inventory.interface import set_booked_appointments_source

        set_booked_appointments_source(booked_ahead)
