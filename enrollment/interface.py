"""What the apps above enrollment (inventory, employers, recipients, administration, helpdesk) may
call: the functions and errors of enrollment that other apps use, gathered from where they live.
An app above imports `enrollment.interface` and nothing else of enrollment, apart from
`enrollment.models` and `enrollment.enums`, which are shared as they are (fields, querysets,
choices). import-linter holds the apps above to it (pyproject.toml).

The apps above scope a vaccinator's pages to the locations where they work (`locations_for`) and
fill a county from a ZIP code (`counties_for_zip`); their filters list counties with
`county_options`. `manage.py seed_scale` (administration) makes enrollment applications as a
submission leaves them: the readiness items answered (`readiness_items_for`), the answers kept
with the submission (`application_answers`).
"""

from enrollment.selectors import (
    application_answers,
    counties_for_zip,
    county_options,
    locations_for,
    readiness_items_for,
)

__all__ = [
    "application_answers",
    "counties_for_zip",
    "county_options",
    "locations_for",
    "readiness_items_for",
]
