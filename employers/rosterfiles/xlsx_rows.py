"""Reading an Excel roster as a stream of (line, cells), with openpyxl in read-only mode."""

from django.utils.translation import gettext as _

from employers.rosterfiles.errors import RosterFileError


def xlsx_rows(file):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged workbook
        raise RosterFileError(_("The Excel workbook can't be read: it may be damaged.")) from error
    sheet = workbook.worksheets[0]
    total = sheet.max_row or 0
    state = {"line": 0}

    def progress() -> float:
        return min(state["line"] / total, 1.0) if total else 0.0

    def rows():
        try:
            for line, cells in enumerate(sheet.iter_rows(values_only=True), start=1):
                state["line"] = line
                yield line, list(cells)
        finally:
            workbook.close()

    return rows(), progress
