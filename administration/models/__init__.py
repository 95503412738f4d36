"""The administration app's models, by domain: clinics and booking, dose records, registry files.

Django finds an app's models by importing this package, so every model is imported here.
"""

from administration.models.clinics import Appointment, Clinic, DoseReservation, Slot
from administration.models.files import ExportJob, OfflineForm
from administration.models.records import AdministrationRecord, AdverseEvent
from administration.models.registry import CvrsFile, Hl7Batch, Hl7Message, Hl7Sent

__all__ = [
    "AdministrationRecord",
    "AdverseEvent",
    "Appointment",
    "Clinic",
    "CvrsFile",
    "DoseReservation",
    "ExportJob",
    "Hl7Batch",
    "Hl7Message",
    "Hl7Sent",
    "OfflineForm",
    "Slot",
]
