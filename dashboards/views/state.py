"""The state's dashboards: doses, coverage and equity, supply, the pipeline (charts with their
tables and CSV), adverse events, and reporting lag with its reminders. Only state officials
reach them (the portal's gate)."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import ListView, TemplateView, View

from administration.models import AdverseEvent
from cvms.access import StatePortalView
from cvms.inputs import ids_of
from cvms.rows import choice_labels, esc, local_date, or_dash, rows_html
from cvms.spreadsheets import csv_download
from dashboards import selectors, services, tables
from dashboards.forms import AdverseEventFiltersForm, FiltersForm, LagForm
from dashboards.tables import CHARTS, PAGES

TABS = [
    ("doses", PAGES["doses"][0], "state:dashboards.doses"),
    ("coverage", PAGES["coverage"][0], "state:dashboards.coverage"),
    ("supply", PAGES["supply"][0], "state:dashboards.supply"),
    ("pipeline", PAGES["pipeline"][0], "state:dashboards.pipeline"),
    ("adverse-events", gettext_lazy("Adverse events"), "state:dashboards.adverse_events"),
    ("lag", gettext_lazy("Reporting lag"), "state:dashboards.lag"),
]
ROWS_SHOWN = 30
LAG_PAGE_SIZE = 100


def dashboard_context(page: str, form, filters, *, version: str) -> dict:
    """The dashboards' own tabs, and the filters' query string carried from one to the next."""
    return {
        "form": form,
        "filters_form": filters_form(form, filters, version=version),
        "filters": filters,
        "query": filters.query_string(),
        "tabs": TABS,
        "current_page": page,
    }


class DashboardPageView(StatePortalView, TemplateView):
    template_name = "dashboards/state_page.html"

    def get_context_data(self, **kwargs):
        form = FiltersForm(self.request.GET or None)
        return super().get_context_data(**kwargs) | {
            "title": PAGES[self.page][0],
            "body": page_body(self.page, form, form.filters()),
        }


def page_body(page: str, form, filters, *, version: str | None = None) -> SafeString:
    """A dashboard's tabs, filters and charts: the same for every official asking for the same
    figures, so drawn once per summaries' version, page, language and filters, and read back in
    one look-up (the page around it is the account's own)."""
    version = version or tables.summaries_version()
    title, slugs = PAGES[page]

    def draw() -> str:
        return render_to_string(
            "dashboards/_state_body.html",
            dashboard_context(page, form, filters, version=version)
            | {"title": title, "sections": [chart_section(slug, filters) for slug in slugs]},
        )

    if form.is_bound and form.errors:
        return mark_safe(draw())  # our own template, its values escaped there
    key = f"dashboards:page:{version}:{translation.get_language()}:{page}:{_asked(form, filters)}"
    return mark_safe(cache.get_or_set(key, draw, tables.CACHE_SECONDS))


def _asked(form, filters) -> str:
    """What a drawing depends on: the filters in force (the default range moves at midnight)
    and the query string as typed (the form shows it back)."""
    return f"{filters.query_string()}|{form.data.urlencode() if form.is_bound else ''}"


def default_pages_draw() -> int:
    """Draw every dashboard as it first opens (the last four weeks, nothing filtered), in each
    language, into the shared cache: run by the worker after a refresh that changed the
    summaries, so that no official waits for the first drawing. Returns the pages drawn."""
    version = tables.summaries_version()
    drawn = 0
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            for page in PAGES:
                form = FiltersForm(None)
                page_body(page, form, form.filters(), version=version)
                drawn += 1
    return drawn


def filters_form(form, filters, *, version: str) -> SafeString:
    """The filters' form: its selects list the 100 counties, the catalogue and the groups; a
    form without errors is drawn once per query string (and summaries' version, so that a new
    product appears as soon as it has doses)."""

    def draw() -> str:
        return render_to_string("dashboards/_filters.html", {"form": form, "filters": filters})

    if form.is_bound and form.errors:
        return mark_safe(draw())  # our own template, its values escaped there
    key = f"dashboards:filters:{version}:{translation.get_language()}:{_asked(form, filters)}"
    return mark_safe(cache.get_or_set(key, draw, tables.CACHE_SECONDS))


def chart_section(slug: str, filters) -> SafeString:
    """A chart with its table and its CSV link. The page's body around it is kept in the cache;
    the section is written here rather than by a template (a dashboard drawn for new filters has
    up to eleven, and the template was a quarter of the drawing)."""
    found = CHARTS[slug](filters)
    download = _('Download CSV<span class="visually-hidden">: %(title)s</span>') % {"title": esc(found.title)}
    csv_url = f"{reverse('state:dashboards.chart.csv', args=[slug])}?{esc(filters.query_string())}"
    note = f'<p class="small text-body-secondary">{esc(found.note)}</p>' if found.note else ""
    return mark_safe(  # every value escaped here; the charts are SafeStrings of dashboards/charts.py
        f'<section class="card mb-4" aria-labelledby="chart-{slug}" id="{slug}"><div class="card-body">'
        '<div class="d-flex flex-wrap justify-content-between align-items-baseline gap-2">'
        f'<h2 class="h5" id="chart-{slug}">{esc(found.title)}</h2>'
        f'<a class="btn btn-sm btn-outline-secondary" data-chart-csv="{slug}" href="{csv_url}">{download}</a>'
        f'</div>{note}<div class="row g-3">{_figures_html(found)}{_table_html(found)}</div></div></section>'
    )


def _figures_html(found: tables.Table) -> str:
    """The chart, or the charts side by side (the coverage map beside the SVI map)."""
    if not found.wide:
        return f'<div class="col-lg-7">{found.chart}</div>'
    return "".join(
        f'<figure class="col-md-6 mb-0">{chart}<figcaption class="small text-body-secondary">'
        f"{esc(caption)}</figcaption></figure>"
        for caption, chart in [(found.chart_caption, found.chart), *found.beside]
    )


def _table_html(found: tables.Table) -> str:
    """The chart's figures as a table, its first ROWS_SHOWN rows (the CSV has them all)."""
    head, *figure_columns = found.columns
    headings = f'<th scope="col">{esc(head)}</th>' + "".join(
        f'<th scope="col" class="text-end">{esc(column)}</th>' for column in figure_columns
    )
    more = ""
    if len(found.rows) > ROWS_SHOWN:
        shown = _("The first %(shown)s of %(total)s rows; the CSV has them all.") % {
            "shown": ROWS_SHOWN,
            "total": len(found.rows),
        }
        more = f'<p class="small text-body-secondary">{esc(shown)}</p>'
    return (
        f'<div class="{"col-12" if found.wide else "col-lg-5"}"><div class="table-responsive">'
        '<table class="table table-sm table-striped small mb-1">'
        f'<caption class="visually-hidden">{esc(found.title)}</caption><thead><tr>{headings}</tr></thead>'
        f"<tbody>{tables.rows_html(found, ROWS_SHOWN)}</tbody></table></div>{more}</div>"
    )


class DosesView(DashboardPageView):
    page = "doses"


class CoverageView(DashboardPageView):
    page = "coverage"


class SupplyView(DashboardPageView):
    page = "supply"


class PipelineView(DashboardPageView):
    page = "pipeline"


class ChartCsvView(StatePortalView, View):
    """One chart's table as CSV, with the same filters as the page it sits on."""

    def get(self, request, chart: str):
        if chart not in CHARTS:
            raise Http404
        found = tables.table(chart, FiltersForm(request.GET or None).filters())
        return csv_download(f"{chart}-{timezone.localdate():%Y%m%d}.csv", found.columns, found.rows)


class AdverseEventListView(StatePortalView, ListView):
    template_name = "dashboards/state_adverse_events.html"
    context_object_name = "events"
    paginate_by = 50
    page = "adverse-events"

    def form(self):
        if not hasattr(self, "_form"):
            self._form = AdverseEventFiltersForm(self.request.GET or None)
        return self._form

    def severity(self) -> str:
        form = self.form()
        return form.cleaned_data.get("severity", "") if form.is_valid() else ""

    def get_queryset(self):
        return selectors.adverse_events(self.form().filters(), severity=self.severity())

    def paginate_queryset(self, queryset, page_size):
        # The page's rows as plain values (what a row shows, below): fifty events built as four
        # model instances each cost more than the query.
        return super().paginate_queryset(queryset.values_list(*ROW_COLUMNS), page_size)

    def get_context_data(self, **kwargs):
        form = self.form()
        filters = form.filters()
        query = filters.query_string() + (f"&severity={self.severity()}" if self.severity() else "")
        context = super().get_context_data(**kwargs)
        row = _adverse_event_row(
            severities=choice_labels(AdverseEvent, "severity"),
            not_reported=_("not reported"),
            spanish=translation.get_language() == "es",
        )
        context["event_rows"] = rows_html(context["events"], row)
        return (
            context
            | dashboard_context(self.page, form, filters, version=tables.summaries_version())
            | {"query": query}
        )


ROW_COLUMNS = (
    "onset_at", "severity", "description", "reported_to_vaers", "vaers_number", "record__product__name",
    "record__dose_number", "record__location__name", "record__location__county__name",
    "record__location__county__name_es",
)  # fmt: skip


def _adverse_event_row(*, severities: dict, not_reported: str, spanish: bool):
    """A row of the adverse events' list from its ROW_COLUMNS, written here (cvms/rows.py: fifty
    rows of eight cells were most of the page's time)."""
    not_reported = f'<span class="text-body-secondary">{esc(not_reported)}</span>'

    def row(values: tuple) -> str:
        onset_at, severity, description, reported, vaers_number, product, dose_number, location = values[:8]
        county_en, county_es = values[8:]
        if len(description) > 120:
            description = Truncator(description).chars(120)
        return (
            f'<tr><td><time datetime="{local_date(onset_at, "c")}">'
            f"{local_date(onset_at, 'Y-m-d H:i')}</time></td>"
            f"<td>{esc(severities.get(severity, severity))}</td><td>{esc(description)}</td>"
            f"<td>{esc(vaers_number) if reported else not_reported}</td>"
            f"<td>{esc(product)}</td><td>{or_dash(dose_number)}</td><td>{esc(location)}</td>"
            f"<td>{esc(county_es if spanish and county_es else county_en)}</td></tr>"
        )

    return row


class AdverseEventCsvView(AdverseEventListView):
    HEADER = [
        "onset", "severity", "description", "reported to VAERS", "VAERS number", "product", "dose number",
        "dose given", "location", "county",
    ]  # fmt: skip

    def get(self, request):
        rows = (
            (
                timezone.localtime(event.onset_at).isoformat(timespec="minutes"),
                event.get_severity_display(),
                event.description,
                "yes" if event.reported_to_vaers else "no",
                event.vaers_number,
                event.record.product.name,
                event.record.dose_number,
                timezone.localtime(event.record.administered_at).date().isoformat(),
                event.record.location.name,
                event.record.location.county.name,
            )
            for event in self.get_queryset().iterator(chunk_size=2000)
        )
        return csv_download(f"adverse-events-{timezone.localdate():%Y%m%d}.csv", self.HEADER, rows)


def lag_filters(form, *, version: str) -> SafeString:
    """The reporting lag's filters (a select of the 100 counties, slow to draw with Django's
    widgets): drawn once per query string, as the dashboards' filters are."""

    def draw() -> str:
        return render_to_string("dashboards/_lag_filters.html", {"form": form})

    if form.is_bound and form.errors:
        return mark_safe(draw())  # our own template, its values escaped there
    query = form.data.urlencode() if form.is_bound else ""
    key = f"dashboards:lag-filters:{version}:{translation.get_language()}:{query}"
    return mark_safe(cache.get_or_set(key, draw, tables.CACHE_SECONDS))


class ReportingLagView(StatePortalView, TemplateView):
    """Per location: doses delivered against doses recorded, and when it last reported;
    the lagging ones are ticked and reminded in one step."""

    template_name = "dashboards/state_lag.html"

    def form(self, data=None):
        form = LagForm(data if data is not None else (self.request.GET or None))
        if form.is_valid():
            return form, form.cleaned_data["county"], form.cleaned_data["silent_days"]
        return form, None, LagForm.base_fields["silent_days"].initial

    def get_context_data(self, **kwargs):
        form, county, silent_days = self.form()
        version = tables.summaries_version()
        today = timezone.localdate()  # in the key: who is silent moves on at midnight
        key = (
            f"dashboards:lag:{version}:{translation.get_language()}:{today}:"
            f"{county.pk if county else ''}:{silent_days}"
        )
        lags, lagging = cache.get_or_set(
            key, lambda: selectors.reporting_lag(county=county, silent_days=silent_days), tables.CACHE_SECONDS
        )
        # A state has thousands of locations: a page of them at a time, the lagging ones (never
        # reported, then silent longest) first.
        page = Paginator(lags, LAG_PAGE_SIZE).get_page(self.request.GET.get("page"))
        lagging_ids = set(lagging)

        def draw() -> str:
            rows = [(lag, lag.days_silent(today), lag.location.pk in lagging_ids) for lag in page]
            return render_to_string("dashboards/_lag_rows.html", {"rows": rows})

        # The rows are drawn once per page of the list (100 rows of ten cells were most of a
        # request's time once the list came from the cache); the day is in the key for "days
        # silent".
        rows_html = cache.get_or_set(f"{key}:{page.number}", draw, tables.CACHE_SECONDS)
        return super().get_context_data(**kwargs) | {
            "form": form,
            "filters_html": lag_filters(form, version=version),
            "rows_html": mark_safe(rows_html),  # our own template, its values escaped there
            "page_obj": page,
            "lagging_count": len(lagging),
            "tabs": TABS,
            "current_page": "lag",
            "query": "",
        }

    def post(self, request):
        _form, county, silent_days = self.form(request.POST)
        chosen = ids_of(request.POST.getlist("location"))
        _lags, lagging = selectors.reporting_lag(county=county, silent_days=silent_days)
        try:
            sent = services.lag_reminders_send(
                location_ids=chosen or [], lagging_ids=lagging, by=request.user, request=request
            )
        except services.NothingToRemind as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("%(count)s reminders sent.") % {"count": sent})
        query = urlencode({"county": county.pk if county else "", "silent_days": silent_days})
        return redirect(f"{reverse('state:dashboards.lag')}?{query}")
