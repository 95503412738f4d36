"""Services of the dose records: record a dose or a refusal, correct it, void it, adverse events.

Whether a dose is valid for the person is the clinical evaluator's answer
(`administration.clinical.dose_check`, given the person's other doses and the series rules): a dose
it finds not valid (out of sequence, too early, for a person too young or too old, at a volume
other than the product's dose, of a product that can't complete the series) is refused with its
message, unless the vaccinator gives a documented reason; then the dose is kept, marked not valid
(`valid`, `invalid_findings`, `invalid_reason`), and the registry files report it as invalid.

Recording takes the person's row lock first (so two vaccinators can't record the same dose at
once; the unique constraint is the last guard), then moves stock through inventory's ledger in
the same transaction: the dose and its `administered` movement commit or roll back together.
The transaction is kept short (issue 18): what needs no lock is read before it, the balance is
taken at the end by a conditional UPDATE (no read of it, no lock wait but the row's own), and the
audit rows of the dose and of its movement go in one INSERT.

Over 450 lines: a dose record's whole life (recorded, refused, voided, corrected, adverse
events) under one order of locks (the person, then the record or appointment, then stock).
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from administration.clinical import DoseEvaluation, DoseGiven, SeriesRule, dose_check
from administration.enums import (
    OPEN_FOR_RECORDING,
    VFC_ELIGIBLE,
    AppointmentStatus,
    FundingSource,
    RecordSource,
    RecordStatus,
    RefusalReason,
    Severity,
    VfcEligibility,
)
from administration.models import AdministrationRecord, AdverseEvent, Appointment
from administration.reporting.rows import COVID_19_CVX
from administration.selectors.clinical import dose_of, series_rules
from administration.services import reservations
from administration.services.roster import roster_follow
from cvms.audit import audit, audits_together
from cvms.locking import lock_one
from cvms.models import Membership, User
from cvms.roles import Role
from employers.models import Invitee
from enrollment.models import Location
from inventory.interface import (
    InsufficientStock,
    InventoryError,
    stock_administer,
    stock_on_hand,
    stock_return,
    stock_rows_lock,
)
from inventory.models import Lot, Product
from recipients.models import Recipient, age_on

# Vaccines for Children covers people through 18 years: from 19, a person is not VFC eligible.
VFC_AGE_LIMIT = 19


class RecordingError(Exception):
    """A dose that can't be recorded; the message says why, for the vaccinator."""


class DuplicateDose(RecordingError):
    pass


class ProductMismatch(RecordingError):
    pass


class DoseNotValid(RecordingError):
    """The evaluator finds the dose not valid for the person, and no reason was given."""

    def __init__(self, evaluation: DoseEvaluation):
        self.evaluation = evaluation
        super().__init__(
            evaluation.message
            + " "
            + _(
                "To record it all the same, give the documented reason: the dose is then kept, "
                "marked not valid, and reported to the registry as invalid."
            )
        )


@dataclass(frozen=True)
class DoseDetails:
    product: Product
    lot: Lot | None  # None: a historical dose (given elsewhere)
    dose_number: int | None  # None: a historical dose, numbered by the evaluator
    administered_at: datetime
    route: str = ""
    site: str = ""
    volume_ml: Decimal | None = None
    screening_answers: dict | None = None
    product_exception: str = ""  # the allowed exception the vaccinator confirmed, if any
    vfc_eligibility: str = ""  # HL7 0064; blank: the default by age (see funding_defaults)
    funding_source: str = ""  # blank: the default by product and eligibility
    vis_barcode: str = ""  # the VIS given, as scanned (document and edition)
    vis_edition: date | None = None
    vis_given_on: date | None = None  # blank with a VIS: the day of the dose
    identity_checked: bool = False
    # Why the vaccinator gives a dose the evaluator finds not valid (blank: the dose must be valid).
    invalid_reason: str = ""
    historical: bool = False  # given elsewhere, recorded from the person's own records


def funding_defaults(
    *, product: Product, date_of_birth: date, given_on: date, eligibility: str = ""
) -> tuple[str, str]:
    """The dose's VFC eligibility and funding source when the vaccinator didn't say otherwise.

    Eligibility: from 19 a person is not VFC eligible (V01); a child's category depends on their
    insurance, which only the vaccinator can ask, so it stays blank (unknown) here. Funding:
    COVID-19 vaccine was bought by the federal government for everyone; another vaccine given
    to a VFC-eligible child is VFC (federal) stock; otherwise it was bought privately.
    """
    if not eligibility and age_on(date_of_birth, given_on) >= VFC_AGE_LIMIT:
        eligibility = VfcEligibility.NOT_ELIGIBLE
    if product.cvx in COVID_19_CVX or eligibility in VFC_ELIGIBLE:
        return eligibility, FundingSource.FEDERAL
    return eligibility, FundingSource.PRIVATE if eligibility else ""


def _funding_fields(*, recipient: Recipient, details: DoseDetails) -> dict:
    """What a record keeps of the dose's funding, VIS and identity check (defaults filled in)."""
    given_on = timezone.localdate(details.administered_at)
    eligibility, source = funding_defaults(
        product=details.product,
        date_of_birth=recipient.date_of_birth,
        given_on=given_on,
        eligibility=details.vfc_eligibility,
    )
    has_vis = bool(details.vis_barcode.strip() or details.vis_edition)
    return {
        "vfc_eligibility": eligibility,
        "funding_source": details.funding_source or source,
        "vis_barcode": details.vis_barcode.strip(),
        "vis_edition": details.vis_edition,
        "vis_given_on": (details.vis_given_on or given_on) if has_vis else None,
        "identity_checked": details.identity_checked,
    }


def _standing_doses(recipient: Recipient):
    return AdministrationRecord.objects.filter(recipient=recipient, refused=False).exclude(
        status=RecordStatus.VOIDED
    )


def _check_lot(*, location: Location, details: DoseDetails) -> None:
    """The lot is of the product, not expired, and has a dose on hand here."""
    _check_lot_product(details=details)
    if stock_on_hand(location=location, lot=details.lot) < 1:
        raise _no_doses(location=location, lot=details.lot)


def _check_lot_product(*, details: DoseDetails) -> None:
    """The lot is of the product and not expired on the day of the dose (no query)."""
    lot = details.lot
    if lot.product_id != details.product.pk:
        raise RecordingError(
            _("Lot %(lot)s is not a lot of %(product)s.")
            % {"lot": lot.number, "product": details.product.name}
        )
    if lot.expires_on < timezone.localdate(details.administered_at):
        raise RecordingError(
            _("Lot %(lot)s expired on %(date)s and can't be used.")
            % {"lot": lot.number, "date": lot.expires_on}
        )


def _no_doses(*, location: Location, lot: Lot) -> RecordingError:
    return RecordingError(
        _("Lot %(lot)s has no doses on hand at %(location)s.")
        % {"lot": lot.number, "location": location.name}
    )


def check_series(
    *,
    recipient: Recipient,
    details: DoseDetails,
    exclude_pk: int | None = None,
    rules: dict[int, SeriesRule] | None = None,
) -> DoseEvaluation:
    """The evaluator's verdict on the dose, given the person's other doses: refused when not
    valid unless a reason is given; the same dose twice, or another product than dose 1's without
    the allowed exception, are refused whatever the verdict. One read of the person's doses (and
    three of the series rules, unless the caller read them before its transaction)."""
    doses = [record for record in _standing_doses(recipient).order_by("pk") if record.pk != exclude_pk]
    number = details.dose_number
    if number is not None and any(dose.dose_number == number and dose.valid for dose in doses):
        raise DuplicateDose(
            _("Dose %(n)s is already on %(name)s's record.") % {"n": number, "name": recipient.full_name}
        )
    first = next((dose for dose in doses if dose.dose_number == 1 and dose.valid), None)
    if (
        number is not None
        and number > 1
        and first is not None
        and first.product_id != details.product.pk
        and not details.product_exception.strip()
    ):
        raise ProductMismatch(
            _(
                "Dose 1 was %(first)s. Give the same product, or confirm the allowed exception "
                "(e.g. the first product is not available) to record %(product)s."
            )
            % {"first": first.product.name, "product": details.product.name}
        )
    evaluation = dose_check(
        date_of_birth=recipient.date_of_birth,
        doses=[dose_of(dose) for dose in doses],
        rules=rules if rules is not None else series_rules(),
        candidate=DoseGiven(
            given_on=timezone.localdate(details.administered_at),
            product_id=details.product.pk,
            volume_ml=details.volume_ml,
            dose_number=number,
            historical=details.historical,
        ),
    )
    if not evaluation.valid and not details.invalid_reason.strip():
        raise DoseNotValid(evaluation)
    return evaluation


def validity_fields(evaluation: DoseEvaluation, details: DoseDetails) -> dict:
    """What a record keeps of the evaluator's verdict."""
    if evaluation.valid:
        return {"valid": True, "invalid_findings": "", "invalid_reason": ""}
    return {
        "valid": False,
        "invalid_findings": ",".join(evaluation.codes)[:200],
        "invalid_reason": details.invalid_reason.strip(),
    }


def _appointment_locked(appointment: Appointment) -> Appointment:
    # The appointment's row alone, after the person's: a clinic being cancelled holds the clinic's
    # row and asks for its appointments', so locking the clinic here could deadlock with it.
    return lock_one(Appointment.objects.select_related("slot__clinic"), pk=appointment.pk)


def _appointment_here(appointment: Appointment, *, recipient: Recipient, location: Location) -> Appointment:
    """The appointment, locked, refused unless it is this person's at this location."""
    appointment = _appointment_locked(appointment)
    if appointment.recipient_id != recipient.pk or appointment.slot.clinic.location_id != location.pk:
        raise RecordingError(_("This appointment is not this person's at this location."))
    return appointment


def _appointment_open(appointment: Appointment, *, recipient: Recipient, location: Location) -> Appointment:
    """The appointment, locked, if a dose or a refusal may be recorded against it: this person's,
    at this location, and not closed yet (vaccinated, refused, no-show or cancelled)."""
    appointment = _appointment_here(appointment, recipient=recipient, location=location)
    if appointment.status not in OPEN_FOR_RECORDING:
        raise RecordingError(
            _("This appointment is closed: %(status)s.") % {"status": appointment.get_status_display()}
        )
    return appointment


def _appointment_close(appointment: Appointment, status: AppointmentStatus) -> None:
    """The visit ends: the appointment is vaccinated or refused (the caller holds its lock). A
    person recorded without checking in first was still counted among the booked: their dose
    reserved at the location is given back (the ledger has just taken it out of stock)."""
    Appointment.objects.filter(pk=appointment.pk).update(status=status, changed_at=timezone.now())
    if appointment.status == AppointmentStatus.BOOKED:
        reservations.appointment_gives_back(appointment)
    appointment.status = status


def dose_record(
    *,
    recipient: Recipient,
    location: Location,
    details: DoseDetails,
    by: User,
    appointment: Appointment | None = None,
    source: str = RecordSource.ONLINE,
    form_number: str | None = None,
    vaccinator: User | None = None,
    request=None,
) -> AdministrationRecord:
    """Record a dose given at `location`, take it out of stock, and complete the appointment.

    What needs no lock is read and checked first (the time, the lot, the series rules); then one
    short transaction writes the record, its ledger line and the balance's decrement, closes the
    appointment, and writes both audit rows in one INSERT (`audits_together`). The balance, which
    every vaccinator giving this lot here shares, is taken by a conditional UPDATE near the end,
    so its row stays locked only until the commit; an empty lot is refused there."""
    if details.administered_at > timezone.now() + timedelta(minutes=5):
        raise RecordingError(_("A dose can't be recorded in the future."))
    _check_lot_product(details=details)
    rules = series_rules()
    with transaction.atomic(), audits_together():
        # One recording at a time for the person; whether they are on a roster, in the same read.
        on_roster = Exists(Invitee.objects.filter(recipient_id=OuterRef("pk")))
        return _dose_write(
            recipient=lock_one(Recipient.objects.annotate(on_roster=on_roster), pk=recipient.pk),
            location=location,
            details=details,
            by=by,
            appointment=appointment,
            rules=rules,
            fields={
                "source": source,
                "form_number": form_number,
                "vaccinator": vaccinator or by,
                "recorded_by": by,
            },
            request=request,
        )


def _dose_write(
    *, recipient, location, details, by, appointment, rules, fields, request
) -> AdministrationRecord:
    """`dose_record`'s transaction, the person's row locked: then the appointment, then stock
    (the order of docs/architecture.md, "Locks")."""
    evaluation = check_series(recipient=recipient, details=details, rules=rules)
    if appointment is not None:
        appointment = _appointment_open(appointment, recipient=recipient, location=location)
        _appointment_close(appointment, AppointmentStatus.VACCINATED)
    try:
        record = AdministrationRecord.objects.create(
            recipient=recipient,
            location=location,
            appointment=appointment,
            product=details.product,
            lot=details.lot,
            dose_number=details.dose_number,
            administered_at=details.administered_at,
            route=details.route,
            site=details.site,
            volume_ml=details.volume_ml,
            screening_answers=details.screening_answers or {},
            product_exception=details.product_exception.strip(),
            **fields,
            **_funding_fields(recipient=recipient, details=details),
            **validity_fields(evaluation, details),
        )
    except IntegrityError as clash:  # a concurrent recording of the same dose won
        raise DuplicateDose(
            _("Dose %(n)s is already on this person's record.") % {"n": details.dose_number}
        ) from clash
    audit(
        action="administration.dose.recorded",
        by=by,
        target=record,
        request=request,
        data={
            "recipient": recipient.pk,
            "lot": details.lot.number,
            "dose": details.dose_number,
            "source": fields["source"],
            "valid": evaluation.valid,
            "findings": list(evaluation.codes),
        },
    )
    if recipient.on_roster:  # their roster entries show the dose (a fact of this transaction)
        roster_follow(recipient, by=by)
    try:
        stock_administer(
            location=location, lot=details.lot, by=by, reference=record.event_id, at=details.administered_at
        )
    except InsufficientStock as empty:
        raise _no_doses(location=location, lot=details.lot) from empty
    except InventoryError as refused:
        raise RecordingError(str(refused)) from refused
    return record


def _locked(record: AdministrationRecord) -> AdministrationRecord:
    # The record's row alone (`of=("self",)`): the lot is a nullable join (refusals have none),
    # which FOR UPDATE can't lock.
    return lock_one(
        AdministrationRecord.objects.select_related("location", "lot", "product", "recipient"), pk=record.pk
    )


@transaction.atomic
def dose_void(*, record: AdministrationRecord, reason: str, by: User, request=None) -> AdministrationRecord:
    """Void a record entered in error: kept, marked voided, and its dose put back in stock."""
    if not reason.strip():
        raise RecordingError(_("Give the reason for voiding this record."))
    record = _locked(record)
    if record.status == RecordStatus.VOIDED:
        raise RecordingError(_("This record is already voided."))
    if not record.refused and record.lot_id is not None:  # a historical dose took no stock here
        stock_return(location=record.location, lot=record.lot, by=by, reason="", reference=record.event_id)
    AdministrationRecord.objects.filter(pk=record.pk).update(
        status=RecordStatus.VOIDED,
        status_reason=reason.strip(),
        version=record.version + 1,
        changed_at=timezone.now(),
    )
    record.refresh_from_db()
    audit(
        action="administration.dose.voided",
        by=by,
        target=record,
        request=request,
        data={"reason": reason.strip()},
    )
    return record


@transaction.atomic
def refusal_record(
    *,
    recipient: Recipient,
    location: Location,
    product: Product,
    refused_at: datetime,
    reason: str,
    by: User,
    appointment: Appointment | None = None,
    source: str = RecordSource.ONLINE,
    form_number: str | None = None,
    vaccinator: User | None = None,
    request=None,
) -> AdministrationRecord:
    """Record that `recipient` declined `product` (reported as a refusal: no lot, no stock moved)."""
    if reason not in RefusalReason.values:
        raise RecordingError(_("Choose the reason for the refusal."))
    if refused_at > timezone.now() + timedelta(minutes=5):
        raise RecordingError(_("A refusal can't be recorded in the future."))
    if appointment is not None:
        appointment = _appointment_open(appointment, recipient=recipient, location=location)
    record = AdministrationRecord.objects.create(
        recipient=recipient,
        location=location,
        appointment=appointment,
        product=product,
        administered_at=refused_at,
        refused=True,
        refusal_reason=reason,
        vaccinator=vaccinator or by,
        source=source,
        form_number=form_number,
        recorded_by=by,
    )
    if appointment is not None:
        _appointment_close(appointment, AppointmentStatus.REFUSED)
    audit(
        action="administration.refusal.recorded",
        by=by,
        target=record,
        request=request,
        data={"recipient": recipient.pk, "product": product.cvx, "reason": reason, "source": source},
    )
    roster_follow(recipient, by=by)
    return record


def _is_provider_admin(user: User, location: Location) -> bool:
    return Membership.objects.filter(
        user=user, organization_id=location.organization_id, role=Role.PROVIDER_ADMIN
    ).exists()


def _snapshot(record: AdministrationRecord) -> dict:
    return {
        "location": record.location_id,
        "lot": record.lot.number if record.lot else None,
        "dose": record.dose_number,
        "at": record.administered_at.isoformat(),
        "route": record.route,
        "site": record.site,
        "volume_ml": str(record.volume_ml) if record.volume_ml is not None else None,
        "vfc_eligibility": record.vfc_eligibility,
        "funding_source": record.funding_source,
        "vis": [record.vis_barcode, str(record.vis_edition or ""), str(record.vis_given_on or "")],
        "valid": record.valid,
        "invalid_findings": record.invalid_findings,
    }


@transaction.atomic
def dose_correct(
    *,
    record: AdministrationRecord,
    details: DoseDetails,
    reason: str,
    by: User,
    location: Location | None = None,
    request=None,
) -> AdministrationRecord:
    """Correct a recorded dose (a provider administrator, with a reason). When the lot or the
    location changes, the dose goes back to the old lot's stock and out of the new one's, in this
    transaction. The record's version goes up, so the HL7 export sends it again as an update."""
    if not reason.strip():
        raise RecordingError(_("Give the reason for the correction."))
    recipient = lock_one(Recipient.objects, pk=record.recipient_id)  # as dose_record
    record = _locked(record)
    location = location or record.location
    if (
        not _is_provider_admin(by, record.location)
        or location.organization_id != record.location.organization_id
    ):
        raise RecordingError(_("Only a provider administrator of this organization can correct a record."))
    if record.status == RecordStatus.VOIDED:
        raise RecordingError(_("A voided record can't be corrected."))
    if record.refused:
        raise RecordingError(_("A refusal can't be corrected: void it and record it again."))
    if details.administered_at > timezone.now() + timedelta(minutes=5):
        raise RecordingError(_("A dose can't be recorded in the future."))
    moved = details.lot.pk != record.lot_id or location.pk != record.location_id
    if moved:
        _check_lot(location=location, details=details)
    evaluation = check_series(recipient=recipient, details=details, exclude_pk=record.pk)
    before = _snapshot(record)
    if moved:
        try:
            # Both balances at once, in one order: two corrections swapping lots A and B at the
            # same moment would otherwise each hold one and wait for the other (a deadlock).
            stock_rows_lock(pairs=[(record.location, record.lot), (location, details.lot)])
            stock_return(
                location=record.location,
                lot=record.lot,
                by=by,
                reason=reason.strip(),
                reference=record.event_id,
            )
            stock_administer(
                location=location,
                lot=details.lot,
                by=by,
                reference=record.event_id,
                at=details.administered_at,
            )
        except InventoryError as refused:
            raise RecordingError(str(refused)) from refused
    try:
        with transaction.atomic():
            AdministrationRecord.objects.filter(pk=record.pk).update(
                location=location,
                product=details.product,
                lot=details.lot,
                dose_number=details.dose_number,
                administered_at=details.administered_at,
                route=details.route,
                site=details.site,
                volume_ml=details.volume_ml,
                product_exception=details.product_exception.strip(),
                **_funding_fields(recipient=recipient, details=details),
                **validity_fields(evaluation, details),
                status=RecordStatus.CORRECTED,
                status_reason=reason.strip(),
                version=record.version + 1,
                changed_at=timezone.now(),
            )
    except IntegrityError as clash:
        raise DuplicateDose(
            _("Dose %(n)s is already on this person's record.") % {"n": details.dose_number}
        ) from clash
    record.refresh_from_db()
    audit(
        action="administration.dose.corrected",
        by=by,
        target=record,
        request=request,
        data={"reason": reason.strip(), "before": before, "after": _snapshot(record)},
    )
    return record


@transaction.atomic
def adverse_event_record(
    *,
    record: AdministrationRecord,
    onset_at: datetime,
    description: str,
    severity: str,
    reported_to_vaers: bool,
    vaers_number: str = "",
    by: User,
    request=None,
) -> AdverseEvent:
    """An adverse event seen after a dose, recorded against it."""
    if record.refused:
        raise RecordingError(_("An adverse event is recorded against a dose given, not a refusal."))
    if severity not in Severity.values:
        raise RecordingError(_("Choose the severity."))
    if not description.strip():
        raise RecordingError(_("Describe the adverse event."))
    if onset_at < record.administered_at - timedelta(minutes=1):
        raise RecordingError(_("The onset can't be before the dose was given."))
    if onset_at > timezone.now() + timedelta(minutes=5):
        raise RecordingError(_("The onset can't be in the future."))
    if reported_to_vaers and not vaers_number.strip():
        raise RecordingError(_("Give the VAERS report number."))
    event = AdverseEvent.objects.create(
        record=record,
        onset_at=onset_at,
        description=description.strip(),
        severity=severity,
        reported_to_vaers=reported_to_vaers,
        vaers_number=vaers_number.strip() if reported_to_vaers else "",
        recorded_by=by,
    )
    audit(
        action="administration.adverse_event.recorded",
        by=by,
        target=event,
        request=request,
        data={"record": record.pk, "severity": severity, "vaers": event.vaers_number},
    )
    return event
