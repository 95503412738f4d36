"""The dashboards' charts, each with its table: the page draws a `Table`'s chart beside its
rows, and the CSV download writes the same rows, so the figures can't disagree.

`CHARTS` names every chart by its slug (the CSV's URL); `PAGES` says which charts each state
dashboard shows. A builder takes the `Filters` and runs a fixed number of grouped queries.

Over 450 lines: one registry of every chart of the state's dashboards, each builder a few lines
beside the others of its dashboard; split it by dashboard if more charts come.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.cache import cache
from django.utils import translation
from django.utils.formats import localize, number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cvms import rows as markup
from dashboards import charts, selectors
from dashboards.enums import DoseDimension, Milestone, PipelineStage, SupplyKind
from dashboards.geo import county_facts, county_map
from dashboards.models import SummaryWatermark
from dashboards.selectors import Filters
from enrollment.models import County, Location, PriorityGroup
from inventory.enums import WasteReason
from inventory.models import Product
from recipients.enums import Ethnicity, Race, Sex

# A county is flagged when its SVI percentile is at least this and its coverage is below the
# state's: vulnerable and under-served.
VULNERABLE_SVI = 0.75
UNKNOWN = gettext_lazy("Unknown")


@dataclass
class Table:
    slug: str
    title: str
    columns: list[str]
    rows: list[tuple]
    chart: SafeString | None = None
    # More charts drawn beside the first, each with its caption (the coverage map beside the SVI
    # map); a table with such figures is drawn below them, full width.
    beside: list[tuple[str, SafeString]] = field(default_factory=list)
    chart_caption: str = ""
    note: str = ""

    @property
    def wide(self) -> bool:
        return bool(self.beside)


def _county_names() -> dict[str, str]:
    return {county.pk: county.display_name for county in County.objects.all()}


def _names(model, ids) -> dict:
    ids = [pk for pk in ids if pk is not None]
    if model is PriorityGroup:
        return {
            group.pk: f"{group.code}: {group.display_label}" for group in model.objects.filter(pk__in=ids)
        }
    return dict(model.objects.filter(pk__in=ids).values_list("pk", "name"))


def _percent(part: float, whole: float, digits: int = 1) -> float | None:
    return round(100 * part / whole, digits) if whole else None


# --- Doses ---------------------------------------------------------------------------------------


def _dose_numbers(by_time: dict) -> list[str]:
    return sorted({number for doses in by_time.values() for number in doses}, key=int)


def _doses_over_time(slug: str, title: str, by_time: dict, first_column: str) -> Table:
    numbers = _dose_numbers(by_time) or ["1"]
    series = [_("Dose %(number)s") % {"number": number} for number in numbers]
    columns = [(key, [doses.get(number, 0) for number in numbers]) for key, doses in by_time.items()]
    return Table(
        slug=slug,
        title=title,
        columns=[first_column, *series, _("Total")],
        rows=[(key.isoformat(), *values, sum(values)) for key, values in columns],
        chart=charts.stacked_columns(columns, series=series, title=title),
    )


def doses_per_day(filters: Filters) -> Table:
    return _doses_over_time("doses-day", _("Doses given per day"), selectors.doses_by_day(filters), _("Day"))


def doses_per_week(filters: Filters) -> Table:
    return _doses_over_time(
        "doses-week", _("Doses given per week"), selectors.doses_by_week(filters), _("Week starting")
    )


def _bars(slug: str, title: str, heading: str, rows: list[tuple[str, int]], note: str = "") -> Table:
    return Table(
        slug=slug,
        title=title,
        columns=[heading, _("Doses")],
        rows=rows,
        chart=charts.horizontal_bars(rows, title=title),
        note=note,
    )


def _by_dimension(
    slug: str, title: str, heading: str, dimension: DoseDimension, labels: Callable
) -> Callable:
    def build(filters: Filters) -> Table:
        rows = selectors.doses_by(filters, dimension)
        names = labels([value for value, _doses in rows])
        return _bars(slug, title, heading, [(names.get(value, value), doses) for value, doses in rows])

    return build


def _choice_labels(choices) -> Callable:
    return lambda values: {value: str(label) for value, label in choices.choices}


def _location_labels(values) -> dict:
    return {str(pk): name for pk, name in _names(Location, [int(value) for value in values]).items()}


def _by_key(slug: str, title: str, heading: str, key: str, model) -> Callable:
    def build(filters: Filters) -> Table:
        rows = selectors.doses_by_key(filters, key)
        names = _county_names() if model is County else _names(model, [pk for pk, _doses in rows])
        return _bars(slug, title, heading, [(names.get(pk, str(UNKNOWN)), doses) for pk, doses in rows])

    return build


# --- Coverage and equity -------------------------------------------------------------------------


def coverage_by_county(filters: Filters) -> Table:
    title = _("People vaccinated by county, against population")
    people = selectors.people_by_county(filters)
    facts = county_facts()
    counties = list(County.objects.all())
    population = sum(county.population for county in counties)
    state_first = sum(counts[Milestone.FIRST] for counts in people.values())
    state_ratio = state_first / population if population else 0
    rows, shares = [], {}
    for county in counties:
        counts = people.get(county.pk, {Milestone.FIRST: 0, Milestone.COMPLETED: 0})
        first, completed = counts[Milestone.FIRST], counts[Milestone.COMPLETED]
        share = _percent(first, county.population, 2)
        if first:
            shares[county.pk] = first / county.population
        svi = facts[county.pk].svi if county.pk in facts else None
        below_state = county.population and first / county.population < state_ratio
        flagged = svi is not None and svi >= VULNERABLE_SVI and bool(below_state)
        rows.append(
            (
                county.display_name,
                county.population,
                first,
                share,
                completed,
                _percent(completed, county.population, 2),
                svi,
                _("yes") if flagged else "",
            )
        )
    rows.sort(key=lambda row: (-(row[6] or 0) if row[7] else 1, row[0]))
    shapes = county_map()
    labels = {
        county.pk: f"{county.display_name}: {number_format(_percent(shares.get(county.pk, 0), 1, 2), 2)} %"
        for county in counties
    }
    names = {county.pk: county.display_name for county in counties}
    svi_labels = {
        fips: f"{names.get(fips, fact.name)}: SVI {number_format(fact.svi, 2)}"
        for fips, fact in facts.items()
    }
    return Table(
        slug="coverage-county",
        title=title,
        columns=[
            _("County"),
            _("Population"),
            _("At least one dose"),
            _("% at least one dose"),
            _("Completed series"),
            _("% completed"),
            _("SVI percentile"),
            _("Vulnerable and under-served"),
        ],
        rows=rows,
        chart=charts.choropleth(
            shapes, charts.quantile_levels(shares), labels, title=_("Share of people with at least one dose")
        ),
        chart_caption=_("Share of people with at least one dose (darker: higher; grey: none yet)"),
        beside=[
            (
                _("Social Vulnerability Index (darker: more vulnerable)"),
                charts.choropleth(
                    shapes,
                    {
                        fips: min(charts.LEVELS - 1, int(fact.svi * charts.LEVELS))
                        for fips, fact in facts.items()
                    },
                    svi_labels,
                    title=_("Social Vulnerability Index"),
                ),
            )
        ],
        note=_(
            "Coverage counts every dose up to the end of the range. Flagged: SVI percentile of "
            "%(svi)s or more and a share below the state's (%(share)s %%)."
        )
        % {"svi": number_format(VULNERABLE_SVI, 2), "share": number_format(100 * state_ratio, 2)},
    )


def is_minority(race: str, ethnicity: str) -> bool | None:
    """As the SVI counts its minority population: everyone but white, non-Hispanic people
    (None when race or ethnicity is unknown)."""
    if ethnicity == Ethnicity.HISPANIC:
        return True
    if race in (Race.UNKNOWN, Race.POLICY) or ethnicity in (Ethnicity.UNKNOWN, Ethnicity.POLICY):
        return None
    return race != Race.WHITE


def equity_by_county(filters: Filters) -> Table:
    title = _("Minority share of people vaccinated, against the county's population")
    by_county = selectors.first_doses_by_race_ethnicity(filters)
    facts = county_facts()
    rows, gaps = [], []
    for fips, name in _county_names().items():
        known = minority = 0
        for key, people in by_county.get(fips, {}).items():
            race, _sep, ethnicity = key.partition("|")
            answer = is_minority(race, ethnicity)
            if answer is not None:
                known += people
                minority += people if answer else 0
        population_share = round(100 * facts[fips].minority_share, 1) if fips in facts else None
        vaccinated_share = _percent(minority, known)
        gap = (
            round(vaccinated_share - population_share, 1)
            if None not in (vaccinated_share, population_share)
            else None
        )
        rows.append((name, population_share, known, vaccinated_share, gap))
        if gap is not None:
            gaps.append((name, gap))
    rows.sort(key=lambda row: (row[4] is None, row[4] if row[4] is not None else 0, row[0]))
    gaps.sort(key=lambda item: item[1])
    return Table(
        slug="equity-county",
        title=title,
        columns=[
            _("County"),
            _("% minority, population"),
            _("People vaccinated (race and ethnicity known)"),
            _("% minority, vaccinated"),
            _("Difference (points)"),
        ],
        rows=rows,
        chart=charts.horizontal_bars(
            [(name, -gap) for name, gap in gaps if gap < 0],
            title=_("Counties where minorities lag (points behind)"),
        ),
        note=_("Minority: everyone but white, non-Hispanic people, as the SVI counts them."),
    )


def equity_by_race(filters: Filters) -> Table:
    title = _("People vaccinated by race and ethnicity")
    totals: dict[str, int] = {}
    for counts in selectors.first_doses_by_race_ethnicity(filters).values():
        for key, people in counts.items():
            totals[key] = totals.get(key, 0) + people
    races, ethnicities = dict(Race.choices), dict(Ethnicity.choices)
    rows = []
    for key, people in sorted(totals.items(), key=lambda item: -item[1]):
        race, _sep, ethnicity = key.partition("|")
        rows.append((f"{races.get(race, race)} · {ethnicities.get(ethnicity, ethnicity)}", people))
    return _bars("equity-race", title, _("Race · ethnicity"), rows)


# --- Supply --------------------------------------------------------------------------------------


def _supply(slug: str, title: str, heading: str, key: str, model) -> Callable:
    def build(filters: Filters) -> Table:
        figures = selectors.supply(filters, key)
        names = _county_names() if model is County else _names(model, list(figures))
        rows = []
        for pk, kinds in figures.items():
            rows.append(
                (
                    names.get(pk, str(UNKNOWN)),
                    kinds[SupplyKind.ALLOCATED],
                    kinds[SupplyKind.DELIVERED],
                    kinds["on_hand"],
                    kinds[SupplyKind.ADMINISTERED],
                    kinds[SupplyKind.WASTED],
                    selectors.days_of_supply(kinds["on_hand"], kinds["rate"]),
                )
            )
        rows.sort(key=lambda row: (-row[3], row[0]))
        return Table(
            slug=slug,
            title=title,
            columns=[
                heading,
                _("Allocated"),
                _("Delivered"),
                _("On hand now"),
                _("Administered"),
                _("Wasted"),
                _("Days of supply"),
            ],
            rows=rows,
            chart=charts.horizontal_bars([(row[0], row[3]) for row in rows], title=_("Doses on hand now")),
            note=_("Days of supply: doses on hand now at the rate of the last %(days)s days.")
            % {"days": selectors.RATE_DAYS},
        )

    return build


def wastage_by_reason(filters: Filters) -> Table:
    reasons = dict(WasteReason.choices)
    rows = [
        (str(reasons.get(reason, reason or UNKNOWN)), doses)
        for reason, doses in selectors.wastage(filters, "reason")
    ]
    return _bars("wastage-reason", _("Doses wasted by reason"), _("Reason"), rows)


def wastage_by_provider(filters: Filters) -> Table:
    rows = selectors.wastage(filters, "location_id")
    names = _names(Location, [pk for pk, _doses in rows])
    return _bars(
        "wastage-provider",
        _("Doses wasted by provider location"),
        _("Location"),
        [(names.get(pk, str(UNKNOWN)), doses) for pk, doses in rows],
    )


# --- Pipeline ------------------------------------------------------------------------------------


def _pipeline(slug: str, title: str, heading: str, key: str, model) -> Callable:
    def build(filters: Filters) -> Table:
        counts = selectors.pipeline(filters, key)
        names = _county_names() if model is County else _names(model, list(counts))
        stages = PipelineStage.values
        rows = sorted(
            (
                (names.get(pk, str(UNKNOWN)), *[stage_counts[stage] for stage in stages])
                for pk, stage_counts in counts.items()
            ),
            key=lambda row: (-row[1], row[0]),
        )
        series = [str(label) for label in PipelineStage.labels]
        return Table(
            slug=slug,
            title=title,
            columns=[heading, *series],
            rows=rows,
            chart=charts.stacked_columns(
                [(row[0][:14], row[1:]) for row in rows[:12]], series=series, title=title, stacked=False
            ),
            note=_("People who reached each stage within the range. Invitations have no county."),
        )

    return build


CHARTS: dict[str, Callable[[Filters], Table]] = {
    "doses-day": doses_per_day,
    "doses-week": doses_per_week,
    "doses-dose": _by_dimension(
        "doses-dose",
        gettext_lazy("Doses by dose number"),
        gettext_lazy("Dose"),
        DoseDimension.DOSE,
        lambda values: {value: _("Dose %(number)s") % {"number": value} for value in values},
    ),
    "doses-product": _by_key(
        "doses-product", gettext_lazy("Doses by product"), gettext_lazy("Product"), "product_id", Product
    ),
    "doses-county": _by_key(
        "doses-county", gettext_lazy("Doses by county"), gettext_lazy("County"), "county_id", County
    ),
    "doses-provider": _by_dimension(
        "doses-provider",
        gettext_lazy("Doses by provider location"),
        gettext_lazy("Location"),
        DoseDimension.LOCATION,
        _location_labels,
    ),
    "doses-group": _by_key(
        "doses-group",
        gettext_lazy("Doses by priority group"),
        gettext_lazy("Priority group"),
        "priority_group_id",
        PriorityGroup,
    ),
    "doses-age": _by_dimension(
        "doses-age",
        gettext_lazy("Doses by age band"),
        gettext_lazy("Age"),
        DoseDimension.AGE,
        lambda values: {},
    ),
    "doses-sex": _by_dimension(
        "doses-sex", gettext_lazy("Doses by sex"), gettext_lazy("Sex"), DoseDimension.SEX, _choice_labels(Sex)
    ),
    "doses-race": _by_dimension(
        "doses-race",
        gettext_lazy("Doses by race"),
        gettext_lazy("Race"),
        DoseDimension.RACE,
        _choice_labels(Race),
    ),
    "doses-ethnicity": _by_dimension(
        "doses-ethnicity",
        gettext_lazy("Doses by ethnicity"),
        gettext_lazy("Ethnicity"),
        DoseDimension.ETHNICITY,
        _choice_labels(Ethnicity),
    ),
    "coverage-county": coverage_by_county,
    "equity-county": equity_by_county,
    "equity-race": equity_by_race,
    "supply-county": _supply(
        "supply-county", gettext_lazy("Supply by county"), gettext_lazy("County"), "county_id", County
    ),
    "supply-provider": _supply(
        "supply-provider",
        gettext_lazy("Supply by provider location"),
        gettext_lazy("Location"),
        "location_id",
        Location,
    ),
    "wastage-reason": wastage_by_reason,
    "wastage-provider": wastage_by_provider,
    "pipeline-group": _pipeline(
        "pipeline-group",
        gettext_lazy("Pipeline by priority group"),
        gettext_lazy("Priority group"),
        "priority_group_id",
        PriorityGroup,
    ),
    "pipeline-county": _pipeline(
        "pipeline-county", gettext_lazy("Pipeline by county"), gettext_lazy("County"), "county_id", County
    ),
}

PAGES: dict[str, tuple[str, list[str]]] = {
    "doses": (
        gettext_lazy("Doses administered"),
        [
            "doses-day",
            "doses-week",
            "doses-dose",
            "doses-product",
            "doses-county",
            "doses-provider",
            "doses-group",
            "doses-age",
            "doses-sex",
            "doses-race",
            "doses-ethnicity",
        ],
    ),
    "coverage": (gettext_lazy("Coverage and equity"), ["coverage-county", "equity-county", "equity-race"]),
    "supply": (
        gettext_lazy("Supply and wastage"),
        ["supply-county", "supply-provider", "wastage-reason", "wastage-provider"],
    ),
    "pipeline": (gettext_lazy("Pipeline"), ["pipeline-group", "pipeline-county"]),
}


# A chart's table is kept in the cache until the summaries change: the key holds the time a
# refresh last rebuilt something (one small query), so a change is seen at once, and between
# changes every reader of the same chart and filters shares one computation.
CACHE_SECONDS = 15 * 60


def summaries_version() -> str:
    changed = SummaryWatermark.objects.values_list("changed_at", flat=True).first()
    return changed.isoformat() if changed else "none"


def rows_html(found: Table, shown: int) -> SafeString:
    """The first `shown` rows of a table's body, written here rather than by a template loop (a
    county chart's table is a few hundred cells, drawn on every new filter): the first cell a
    row heading, the others figures (— for none), localized as the template would."""
    if not found.rows:
        return format_html(
            '<tr><td colspan="{}">{}</td></tr>', len(found.columns), _("Nothing in this range.")
        )
    return markup.rows_html(found.rows[:shown], _table_row)


def _table_row(row: tuple) -> str:
    head, *figures = row
    cells = "".join(
        f'<td class="text-end">{"—" if cell is None else markup.esc(localize(cell))}</td>' for cell in figures
    )
    return f'<tr><th scope="row" class="fw-normal">{markup.esc(localize(head))}</th>{cells}</tr>'


def table(slug: str, filters: Filters, *, version: str | None = None) -> Table:
    """The chart `slug` for `filters`, from the cache when the summaries haven't changed."""
    version = version or summaries_version()
    key = f"dashboards:{version}:{translation.get_language()}:{slug}:{filters.query_string()}"
    found = cache.get(key)
    if found is None:
        found = CHARTS[slug](filters)
        cache.set(key, found, CACHE_SECONDS)
    return found
