"""Reading roster files: what kind of file it is (`formats`), its rows (`sheets`, over `csv_rows`
and `xlsx_rows`), which column is which (`columns`), and each row checked (`checks`).

Nothing here touches the database; `employers.services.staging` feeds the checked rows to it.
Files are read as streams (csv over a text wrapper, openpyxl in read-only mode), so memory stays
flat however long the roster is.
"""
