"""What kind of file a roster is: refused when too large, of the wrong type, or not what its name
claims; and an Excel workbook refused, before anything unpacks it, when it would unpack into
more than a roster needs (a zip bomb)."""

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from employers.enums import FileFormat
from employers.rosterfiles.errors import RosterFileError

SNIFF_BYTES = 64 * 1024
# A workbook has a dozen parts; thousands are a trick (each costs memory to list and open).
MAX_ARCHIVE_ENTRIES = 1000
# Below this, a part's compression ratio doesn't matter: it can't hurt however it unpacks.
RATIO_CHECKED_FROM = 1024 * 1024


def detect_format(file, name: str, *, max_bytes: int) -> FileFormat:
    """Refuse a file that is too large, of the wrong type, or not what its name claims."""
    size = getattr(file, "size", None)
    if size is None:
        file.seek(0, io.SEEK_END)
        size = file.tell()
    if size > max_bytes:
        raise RosterFileError(
            _(
                "The file is %(size)s MB; the largest roster accepted is %(limit)s MB. "
                "Split it into smaller files."
            )
            % {"size": round(size / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)}
        )
    if size == 0:
        raise RosterFileError(_("The file is empty."))
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    file.seek(0)
    head = file.read(SNIFF_BYTES)
    file.seek(0)
    is_zip = head.startswith(b"PK\x03\x04")
    if extension == "xlsx":
        if not is_zip or not _is_workbook(file):
            raise RosterFileError(_("The file is named .xlsx but is not an Excel workbook."))
        check_workbook_archive(file)
        return FileFormat.XLSX
    if extension in ("csv", "txt"):
        if is_zip or b"\x00" in head:
            raise RosterFileError(
                _("The file is named .%(ext)s but is not a text file. Save the roster as CSV or XLSX.")
                % {"ext": extension}
            )
        return FileFormat.CSV
    raise RosterFileError(
        _("Rosters must be CSV or Excel (.xlsx) files; “%(name)s” is neither.") % {"name": name}
    )


def _is_workbook(file) -> bool:
    try:
        with zipfile.ZipFile(file) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        file.seek(0)


def check_workbook_archive(file) -> None:
    """Refuse a workbook that would unpack into more than a roster needs, reading only the zip's
    directory (nothing is unpacked here). The sizes the directory declares bound what Python's
    zipfile (and so openpyxl) will ever unpack: a part that unpacks to more fails its CRC check.
    Limits: EMPLOYERS_ROSTER_MAX_UNCOMPRESSED_BYTES in all, EMPLOYERS_ROSTER_MAX_RATIO per part."""
    max_bytes = settings.EMPLOYERS_ROSTER_MAX_UNCOMPRESSED_BYTES
    max_ratio = settings.EMPLOYERS_ROSTER_MAX_RATIO
    try:
        with zipfile.ZipFile(file) as archive:
            parts = archive.infolist()
    except zipfile.BadZipFile as error:
        raise RosterFileError(_("The Excel workbook can't be read: it may be damaged.")) from error
    finally:
        file.seek(0)
    if len(parts) > MAX_ARCHIVE_ENTRIES:
        raise RosterFileError(
            _(
                "The workbook has %(count)s parts; a roster has a few dozen at most. "
                "Save it again as .xlsx or CSV."
            )
            % {"count": len(parts)}
        )
    # The ratio first: it tells a zip bomb from a workbook that is merely large.
    for part in parts:
        if part.file_size >= RATIO_CHECKED_FROM and part.file_size > max_ratio * max(part.compress_size, 1):
            raise RosterFileError(
                _(
                    "The workbook is packed more tightly than a spreadsheet can be (a part unpacks to "
                    "%(ratio)s times its size; at most %(limit)s is accepted). Save it again as .xlsx or CSV."
                )
                % {"ratio": part.file_size // max(part.compress_size, 1), "limit": max_ratio}
            )
    unpacked = sum(part.file_size for part in parts)
    if unpacked > max_bytes:
        raise RosterFileError(
            _(
                "The workbook would take %(size)s MB once unpacked; the largest accepted is %(limit)s MB. "
                "Split it into smaller files, or save it as CSV."
            )
            % {"size": round(unpacked / 1024 / 1024, 1), "limit": round(max_bytes / 1024 / 1024, 1)}
        )
