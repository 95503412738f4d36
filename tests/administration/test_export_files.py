"""Registry files that never half-succeed (issue 16): a file appears at its path only when it is
whole, and a record the file can't carry as recorded is reported, not a crash."""

import contextlib
import io
import resource
import signal

import pytest
from django.core.management import call_command
from django.utils import timezone

from administration.models import Hl7Sent
from administration.reporting import cvrs
from tests.administration.factories import AdministrationRecordFactory, earlier_today
from tests.administration.test_cvrs import _parse
from tests.recipients.factories import RecipientFactory

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def _file_size_limit(size: int):
    """Files this process writes can't grow past `size` bytes: a write past it fails with EFBIG,
    as on a full disk, wherever the export has got to (SIGXFSZ ignored, so it's an OSError)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
    previous = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        signal.signal(signal.SIGXFSZ, previous)


def _today() -> str:
    return timezone.localdate().isoformat()


def _export_cvrs(output, *extra) -> str:
    out = io.StringIO()
    call_command("export_cvrs", "--start", _today(), "--end", _today(), "-o", str(output), *extra, stdout=out)
    return out.getvalue()


def test_export_cvrs_cut_short_leaves_no_file_at_the_output_path(tmp_path):
    AdministrationRecordFactory.create_batch(3, administered_at=earlier_today(minutes=5))
    output = tmp_path / "20210201_01_NCA.txt"

    with _file_size_limit(len(cvrs.cvrs_header()) + 200), pytest.raises(OSError):
        _export_cvrs(output)

    assert list(tmp_path.iterdir()) == []  # neither a cut-short file nor the temporary one


def test_export_cvrs_cut_short_leaves_the_previous_file_as_it_was(tmp_path):
    AdministrationRecordFactory.create_batch(3, administered_at=earlier_today(minutes=5))
    output = tmp_path / "20210201_01_NCA.txt"
    output.write_text("the file sent yesterday\n", encoding="utf-8")

    with _file_size_limit(len(cvrs.cvrs_header()) + 200), pytest.raises(OSError):
        _export_cvrs(output)

    assert output.read_text(encoding="utf-8") == "the file sent yesterday\n"


def test_export_hl7_cut_short_leaves_no_file_and_marks_nothing_sent(tmp_path):
    AdministrationRecordFactory.create_batch(3, administered_at=earlier_today(minutes=5))
    output = tmp_path / "batch.hl7"

    with _file_size_limit(1000), pytest.raises(OSError):
        call_command("export_hl7", "-o", str(output), "--since-last", stdout=io.StringIO())

    assert list(tmp_path.iterdir()) == []
    assert not Hl7Sent.objects.exists()


def test_export_cvrs_carries_a_foreign_address_with_its_state_and_zip_empty_and_lists_it(tmp_path):
    ottawa = RecipientFactory(
        street="1 Sussex Dr", city="Ottawa", state="ON", zip_code="K1M 1M4", county_id=None
    )
    record = AdministrationRecordFactory(recipient=ottawa, administered_at=earlier_today(minutes=5))
    output = tmp_path / "out.txt"

    said = _export_cvrs(output, "--identified")

    (row,) = _parse(output.read_text(encoding="utf-8"))
    assert (row["vax_event_id"], row["recip_address_city"]) == (record.event_id, "Ottawa")
    assert (row["recip_address_state"], row["recip_address_zip"], row["recip_address_county"]) == ("", "", "")
    assert said.splitlines()[0] == f"1 records written to {output}"
    assert f"- {record.event_id}: recip_address_state 'ON'" in said
    assert "recip_address_zip 'K1M 1M4'" in said


def test_export_cvrs_leaves_out_a_record_missing_a_required_value_and_says_which(tmp_path):
    good = AdministrationRecordFactory(administered_at=earlier_today(minutes=5))
    bad = AdministrationRecordFactory(administered_at=earlier_today(minutes=4))
    bad.location.organization.__class__.objects.filter(pk=bad.location.organization_id).update(name=" ")
    output = tmp_path / "out.txt"

    said = _export_cvrs(output)

    assert [row["vax_event_id"] for row in _parse(output.read_text(encoding="utf-8"))] == [good.event_id]
    assert f"- {bad.event_id}: responsible_org is required" in said


def test_export_cvrs_is_deidentified_unless_asked_otherwise(tmp_path):
    AdministrationRecordFactory(administered_at=earlier_today(minutes=5))
    output = tmp_path / "out.txt"

    _export_cvrs(output)
    (row,) = _parse(output.read_text(encoding="utf-8"))

    assert (row["ext_type"], row["recip_last_name"], row["recip_address_street"]) == (
        "D",
        "Redacted",
        "Redacted",
    )
