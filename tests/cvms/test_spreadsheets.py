import csv
import io

from cvms.spreadsheets import csv_download, safe_cell


def test_text_that_a_spreadsheet_would_run_gets_an_apostrophe():
    for formula in ("=1+1", "+1 919 555 0100", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"):
        assert safe_cell(formula) == "'" + formula


def test_plain_text_and_numbers_pass_unchanged():
    assert [safe_cell(value) for value in ("José Núñez", -1, 2.5, None)] == ["José Núñez", -1, 2.5, None]


def test_csv_download_streams_safe_rows_that_excel_reads_as_utf8():
    response = csv_download("people.csv", ["name", "note"], iter([["Zoë", "=HYPERLINK(1)"], ["Ana", -3]]))

    body = b"".join(response.streaming_content)
    assert body.startswith("\ufeff".encode())
    assert response["Content-Disposition"] == 'attachment; filename="people.csv"'
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert rows == [["name", "note"], ["Zoë", "'=HYPERLINK(1)"], ["Ana", "-3"]]
