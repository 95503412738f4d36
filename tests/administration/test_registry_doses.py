"""What each dose tells the registry about itself (issue 16): its VFC eligibility and funding
source, captured at recording with defaults by age and product; the VIS the person was given;
a minor's responsible party (NK1); a historical dose for what it is."""

import io
from datetime import date, timedelta

import hl7
import pytest
from django.urls import reverse
from django.utils import timezone

from administration.models import AdministrationRecord
from administration.services import files as exports
from administration.services import recording
from cvms.roles import Role
from inventory import selectors as inventory_selectors
from tests.administration.conformance import split_batch, strict_batch
from tests.administration.factories import (
    HistoricalRecordFactory,
    appointment_at,
    clinic_with_stock,
    works_at,
)
from tests.administration.test_recording import _details
from tests.inventory.factories import LotFactory, ProductFactory, stock
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db

FLU = {"name": "Fluzone High-Dose", "cvx": "135", "cvx_description": "Influenza, high-dose, trivalent, PF"}


@pytest.fixture
def vaccinator(personas):
    return personas.home[Role.VACCINATOR]


def _child(**fields):
    today = timezone.localdate()
    return RecipientFactory(date_of_birth=today.replace(year=today.year - 12), **fields)


def _record(recipient, *, product=None, **details):
    location, lot = stock(lot=LotFactory(**({"product": product} if product else {})))
    base = _details(lot)
    return recording.dose_record(
        recipient=recipient,
        location=location,
        details=recording.DoseDetails(**{**base.__dict__, **details}),
        by=RecipientFactory().user,
    )


def _hl7_messages() -> dict[str, hl7.Message]:
    """The VXU messages of every standing record, by event id (each parsed strictly first)."""
    out = io.StringIO()
    exports.hl7_write(out, since_last=False)
    strict_batch(out.getvalue())
    messages = [hl7.parse(part) for part in split_batch(out.getvalue())[1]]
    return {str(m.segment("ORC")[3][0][0]): m for m in messages}


def _observations(message) -> dict[str, str]:
    return {str(obx[3][0][0]): str(obx[5]) for obx in message.segments("OBX")}


# --- VFC eligibility and funding source ----------------------------------------------------------


def test_an_adults_covid_19_dose_is_not_vfc_eligible_and_federally_funded_by_default():
    record = _record(RecipientFactory(date_of_birth=date(1950, 3, 4)))
    assert (record.vfc_eligibility, record.funding_source) == ("V01", "VXC1")


def test_a_childs_eligibility_is_kept_as_recorded_and_sent():
    record = _record(_child(), product=ProductFactory(**FLU), vfc_eligibility="V03")

    assert (record.vfc_eligibility, record.funding_source) == ("V03", "VXC1")  # VFC stock
    message = _hl7_messages()[record.event_id]
    assert _observations(message)["64994-7"].startswith("V03^VFC eligible - Uninsured^HL70064")
    assert _observations(message)["30963-3"] == "VXC1^Federal funds^CDCPHINVS"


def test_an_adults_influenza_dose_is_privately_funded_by_default():
    record = _record(RecipientFactory(date_of_birth=date(1950, 3, 4)), product=ProductFactory(**FLU))
    assert (record.vfc_eligibility, record.funding_source) == ("V01", "PHC70")


def test_a_childs_eligibility_is_not_guessed_and_not_sent_when_nobody_asked():
    record = _record(_child())
    assert (record.vfc_eligibility, record.funding_source) == ("", "VXC1")
    assert "64994-7" not in _observations(_hl7_messages()[record.event_id])


def test_the_dose_form_asks_a_childs_vfc_eligibility(client, personas, vaccinator):
    clinic, _lot = clinic_with_stock(organization=personas.organizations["home_provider"])
    appointment = appointment_at(clinic, recipient=_child())
    works_at(vaccinator, clinic.location)
    client.force_login(vaccinator)
    url = reverse(
        "provider:administration.dose.record",
        kwargs={"clinic_pk": clinic.pk, "appointment_pk": appointment.pk},
    )
    stock_row = inventory_selectors.lots_usable(location=clinic.location, product=clinic.product).get()
    data = {
        "stock": stock_row.pk,
        "dose_number": 1,
        "administered_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "route": "C28161",
        "site": "LD",
        "volume_ml": "0.3",
    }

    refused = client.post(url, data)
    assert refused.status_code == 200 and "vfc_eligibility" in refused.context["form"].errors
    assert not AdministrationRecord.objects.exists()

    client.post(
        url,
        data
        | {"vfc_eligibility": "V02", "vis_barcode": "253088698300026411121116", "identity_checked": "on"},
    )
    record = AdministrationRecord.objects.get()
    assert (record.vfc_eligibility, record.funding_source, record.identity_checked) == ("V02", "VXC1", True)
    assert (record.vis_barcode, record.vis_given_on) == ("253088698300026411121116", timezone.localdate())


# --- The vaccine information statement -------------------------------------------------------------


def test_a_vis_scanned_at_the_dose_is_sent_as_document_type_and_date_given():
    record = _record(RecipientFactory(), vis_barcode="253088698300026411121116")

    message = _hl7_messages()[record.event_id]

    vis = [obx for obx in message.segments("OBX") if str(obx[3][0][0]) in {"69764-9", "29769-7"}]
    assert [(str(obx[3][0][0]), str(obx[5]), str(obx[4])) for obx in vis] == [
        ("69764-9", "253088698300026411121116^^cdcgs1vis", "6"),
        ("29769-7", timezone.localdate().strftime("%Y%m%d"), "6"),
    ]


def test_a_vis_known_by_its_edition_date_is_sent_with_its_vaccine_group():
    record = _record(RecipientFactory(), vis_edition=date(2021, 8, 23), vis_given_on=timezone.localdate())

    observations = _observations(_hl7_messages()[record.event_id])

    assert observations["30956-7"] == "213^^CVX"  # COVID-19 vaccines
    assert observations["29768-9"] == "20210823"
    assert "69764-9" not in observations


def test_a_vis_barcode_that_is_not_digits_is_refused_by_the_form():
    from administration.forms.records import DoseForm

    form = DoseForm(
        {"vis_barcode": "VIS COVID"}, stocks=inventory_selectors.lots_usable(location=None, product=None)
    )
    form.is_valid()
    assert "vis_barcode" in form.errors


# --- A minor's responsible party ------------------------------------------------------------------


def test_a_minors_dose_is_sent_with_the_guardian_recorded_at_registration_as_nk1():
    child = _child(guardian_first_name="Rosa", guardian_last_name="Núñez", guardian_relationship="MTH")
    record = _record(child, vfc_eligibility="V02")

    message = _hl7_messages()[record.event_id]

    assert str(message.segment("NK1")) == "NK1|1|Núñez^Rosa^^^^^L|MTH^Mother^HL70063"


# --- Historical doses -----------------------------------------------------------------------------


def test_a_historical_dose_says_so_and_carries_no_funding():
    record = HistoricalRecordFactory()

    message = _hl7_messages()[record.event_id]

    assert str(message.segment("RXA")[9]).startswith("01^")
    assert (str(message.segment("RXA")[6]), str(message.segment("RXA")[15])) == ("999", "")
    assert not {"64994-7", "30963-3"} & set(_observations(message))


def test_a_historical_dose_is_in_the_cvrs_file_of_the_day_it_was_given():
    from tests.administration.conformance import cvrs_row_problems, cvrs_rows

    record = HistoricalRecordFactory(administered_at=timezone.now() - timedelta(days=3))
    day = timezone.localdate(record.administered_at)
    out = io.StringIO()
    exports.cvrs_write(out, start=day, end=day, extract_type=exports.cvrs.ExtractType.DEIDENTIFIED)

    (row,) = cvrs_rows(out.getvalue())
    assert (row["vax_event_id"], row["lot_number"], cvrs_row_problems(row)) == (record.event_id, "", [])
