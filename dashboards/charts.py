"""Charts drawn on the server as SVG: they need no script, pass the strict Content-Security-
Policy (no inline style: colours are CSS classes of static/dashboards/dashboards.css), print,
and go into PDFs. Each chart has a <title> and sits beside the table of its figures, which is
what a screen reader reads.

Everything here is geometry over a few dozen aggregated figures, never over records.
"""

from collections.abc import Sequence
from datetime import date

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from dashboards.geo import Map

SERIES = 6  # colour classes chart-s0 … chart-s5
LEVELS = 5  # colour classes map-l0 … map-l4


def _svg(width: int, height: int, title: str, body: SafeString) -> SafeString:
    return format_html(
        '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-label="{}" '
        'xmlns="http://www.w3.org/2000/svg"><title>{}</title>{}</svg>',
        width,
        height,
        title,
        title,
        body,
    )


def _nice_ceiling(value: float) -> float:
    """The round number at or above `value` that the axis ends at (1, 2 or 5 × a power of 10)."""
    if value <= 0:
        return 1
    power = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 5, 10):
        if value <= step * power:
            return step * power
    return 10 * power


def horizontal_bars(rows: Sequence[tuple[str, float]], *, title: str, limit: int = 25) -> SafeString:
    """One bar per row (a county, a provider, an age band …), longest scale first."""
    rows = list(rows)[:limit]
    label_width, bar_width, row_height = 220, 480, 22
    height = max(1, len(rows)) * row_height + 10
    top = _nice_ceiling(max((value for _label, value in rows), default=0))
    bars = format_html_join(
        "",
        '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
        '<rect class="chart-s0" x="{}" y="{}" width="{}" height="{}"><title>{}: {}</title></rect>'
        '<text class="chart-value" x="{}" y="{}">{}</text>',
        (
            (
                label_width - 6,
                index * row_height + 16,
                label[:32],
                label_width,
                index * row_height + 5,
                _px(bar_width * value / top),
                row_height - 6,
                label,
                _figure(value),
                _px(label_width + bar_width * value / top + 4),
                index * row_height + 16,
                _figure(value),
            )
            for index, (label, value) in enumerate(rows)
        ),
    )
    return _svg(label_width + bar_width + 60, height, title, bars)


def stacked_columns(
    columns: Sequence[tuple[date | str, Sequence[float]]],
    *,
    series: Sequence[str],
    title: str,
    stacked: bool = True,
) -> SafeString:
    """One column per day or week, stacked by series (dose 1, dose 2 …), with a legend; side
    by side when the series aren't parts of a whole (the pipeline's stages)."""
    width, height, left, bottom, legend = 760, 260, 50, 30, 24
    plot_height = height - bottom - legend
    heights = [sum(values) if stacked else max(values, default=0) for _key, values in columns]
    top = _nice_ceiling(max(heights, default=0))
    step = (width - left) / max(1, len(columns))
    parts = [
        format_html(
            '<line class="chart-axis" x1="{}" y1="{}" x2="{}" y2="{}"/>'
            '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>'
            '<text class="chart-label" x="{}" y="{}" text-anchor="end">0</text>',
            left,
            legend + plot_height,
            width,
            legend + plot_height,
            left - 4,
            legend + 10,
            _figure(top),
            left - 4,
            legend + plot_height,
        )
    ]
    label_every = max(1, len(columns) // 8)
    for index, (key, values) in enumerate(columns):
        x = left + index * step
        y = legend + plot_height
        width_each = step * 0.8 / (1 if stacked else max(1, len(series)))
        for number, value in enumerate(values):
            if not value:
                continue
            bar = plot_height * value / top
            if stacked:
                y -= bar
                bar_x, bar_y = x + step * 0.1, y
            else:
                bar_x, bar_y = x + step * 0.1 + number * width_each, legend + plot_height - bar
            parts.append(
                format_html(
                    '<rect class="chart-s{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{} · {}: {}</title></rect>",
                    number % SERIES,
                    _px(bar_x),
                    _px(bar_y),
                    _px(width_each),
                    _px(bar),
                    _key_label(key),
                    series[number],
                    _figure(value),
                )
            )
        if index % label_every == 0:
            parts.append(
                format_html(
                    '<text class="chart-label" x="{}" y="{}">{}</text>', _px(x), height - 10, _key_label(key)
                )
            )
    parts += [
        format_html(
            '<rect class="chart-s{}" x="{}" y="4" width="12" height="12"/>'
            '<text class="chart-label" x="{}" y="14">{}</text>',
            number % SERIES,
            left + number * 120,
            left + number * 120 + 16,
            name,
        )
        for number, name in enumerate(series)
    ]
    return _svg(width, height, title, mark_safe("".join(parts)))  # each part escaped above


def choropleth(shapes: Map, levels: dict[str, int], labels: dict[str, str], *, title: str) -> SafeString:
    """The county map, each county shaded by its level (0 … LEVELS-1; none: no data)."""
    body = format_html_join(
        "",
        '<path class="map-county {}" d="{}"><title>{}</title></path>',
        (
            (
                f"map-l{levels[county.fips]}" if county.fips in levels else "map-none",
                county.path,
                labels.get(county.fips, county.name),
            )
            for county in shapes.counties
        ),
    )
    return _svg(shapes.width, shapes.height, title, body)


def quantile_levels(values: dict[str, float], *, levels: int = LEVELS) -> dict[str, int]:
    """Each key's level among the values, by rank (so that each level holds about as many)."""
    ranked = sorted(values, key=lambda key: values[key])
    return {key: min(levels - 1, index * levels // max(1, len(ranked))) for index, key in enumerate(ranked)}


def _px(value: float) -> str:
    return f"{value:.1f}"


def _key_label(key) -> str:
    return key.strftime("%m-%d") if isinstance(key, date) else str(key)


def _figure(value: float) -> str:
    """A bar's figure as the reader's language writes numbers (1,234.5 in English, 1.234,5 in
    Spanish)."""
    return number_format(value, 0 if float(value).is_integer() else 1, force_grouping=True)
