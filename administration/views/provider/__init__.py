"""The provider portal's pages: clinics, recording doses, dose records, back-fill, offline forms.

Mixins that several of these modules use live here, so that no page module imports another.
"""

from django.shortcuts import get_object_or_404

from administration.models import Clinic


class ClinicScopedMixin:
    """The clinic named in the URL, among those of the locations the person may work at
    (`request.locations`, set by the gate): another organization's, or another location's for a
    vaccinator, is a 404."""

    def get_clinic(self) -> Clinic:
        return get_object_or_404(
            Clinic.objects.select_related("location__county", "product"),
            pk=self.kwargs["clinic_pk"],
            location__in=self.request.locations,
        )
