"""Server-rendered SVG charts: the world choropleth, bar charts and stacked bars.

Why server-side and pure Python: the platform must work offline, without JavaScript and under
a Content Security Policy that forbids inline scripts and styles. Every chart is therefore a
static SVG string whose colours come from ``class`` attributes styled in ``static/css/site.css``;
every piece of text put into it is escaped, so the result may be passed to ``mark_safe``. Each
chart also gets a data table in the templates: the SVG is the picture, the table is the data.

The geometry is Natural Earth 1:110m as TopoJSON, vendored from the npm package world-atlas 2.0.2
(``static/vendor/world-atlas/``). It is decoded and projected (Equal Earth) once per process and
cached, since it never changes while the process runs.
"""

import hashlib
import json
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path

from projects.geo import country_by_numeric

TOPOJSON_FILE = (
    Path(__file__).resolve().parent.parent
    / "static"
    / "vendor"
    / "world-atlas"
    / "countries-110m.json"
)

WIDTH = 960
HEIGHT = 500
MAP_HEIGHT = 430  # the rest of the viewBox holds the legend
MARGIN = 6
CLASS_COUNT = 6
NODATA_CLASS = "nodata"

# Features of Natural Earth without an ISO 3166-1 numeric id. ISO 3166-1 (and so the rest of the
# platform) counts Somaliland as part of Somalia and Northern Cyprus as part of Cyprus: their
# shapes join those countries' paths. Kosovo has no ISO code; "XK" is the user-assigned code the
# EU and most data providers use, so a value for "XK" colours it and nothing else does.
UNIDENTIFIED_FEATURES = {
    "Somaliland": ("SO", None),
    "N. Cyprus": ("CY", None),
    "Kosovo": ("XK", "Kosovo"),
}

# Antarctica is left out of the drawing: it would take a tenth of the picture and hold no data.
EXCLUDED = frozenset({"AQ"})


# --- TopoJSON decoding -------------------------------------------------------------------------


def _decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """Absolute (longitude, latitude) points of every arc (quantized and delta-encoded)."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform is None:
            arcs.append([(float(p[0]), float(p[1])) for p in arc])
            continue
        (sx, sy), (tx, ty) = transform["scale"], transform["translate"]
        x = y = 0
        points = []
        for dx, dy, *_ in arc:
            x += dx
            y += dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def _ring(indexes: list[int], arcs: list[list[tuple[float, float]]]) -> list[tuple[float, float]]:
    """Stitch arcs into a ring; a negative index ~i means arc i reversed."""
    points: list[tuple[float, float]] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        # Consecutive arcs share their joining point.
        points.extend(arc[1:] if points else arc)
    return points


def decode_countries(topology: dict) -> list[dict]:
    """GeoJSON-like features of the ``countries`` object: id, name and a list of polygons.

    Each polygon is a list of rings (the first the exterior, the others holes), each ring a list of
    (longitude, latitude) points. Polygon and MultiPolygon are both returned as a polygon list.
    """
    arcs = _decode_arcs(topology)
    features = []
    for geometry in topology["objects"]["countries"]["geometries"]:
        kind = geometry.get("type")
        if kind == "Polygon":
            polygons = [geometry["arcs"]]
        elif kind == "MultiPolygon":
            polygons = geometry["arcs"]
        else:  # a null geometry has nothing to draw
            polygons = []
        features.append(
            {
                "id": geometry.get("id"),
                "name": geometry.get("properties", {}).get("name", ""),
                "polygons": [[_ring(ring, arcs) for ring in polygon] for polygon in polygons],
            }
        )
    return features


@lru_cache(maxsize=1)
def load_topology() -> dict:
    with TOPOJSON_FILE.open(encoding="utf-8") as handle:
        return json.load(handle)


# --- Projection --------------------------------------------------------------------------------

_A1, _A2, _A3, _A4 = 1.340264, -0.081106, 0.000893, 0.003796
_M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    """Equal Earth projection (Šavrič, Patterson, Jenny 2018), unit sphere, y pointing north.

    Equal-area, so a country's share of the picture matches its share of the land: the honest
    choice for a choropleth.
    """
    lam = math.radians(longitude)
    theta = math.asin(_M * math.sin(math.radians(latitude)))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (_M * (_A1 + 3 * _A2 * t2 + t6 * (7 * _A3 + 9 * _A4 * t2)))
    y = theta * (_A1 + _A2 * t2 + t6 * (_A3 + _A4 * t2))
    return x, y


def _clip(ring: list[tuple[float, float]], *, keep_below: bool) -> list[tuple[float, float]]:
    """Sutherland-Hodgman clip of a ring against the line longitude = 180 (one side kept)."""

    def inside(point: tuple[float, float]) -> bool:
        return point[0] <= 180 if keep_below else point[0] >= 180

    clipped: list[tuple[float, float]] = []
    for index, current in enumerate(ring):
        previous = ring[index - 1]
        if inside(current) != inside(previous):
            t = (180 - previous[0]) / (current[0] - previous[0])
            clipped.append((180.0, previous[1] + t * (current[1] - previous[1])))
        if inside(current):
            clipped.append(current)
    return clipped


def split_antimeridian(ring: list[tuple[float, float]]) -> list[list[tuple[float, float]]]:
    """Cut a ring that crosses the antimeridian (Fiji, Chukotka) into one piece on each side.

    TopoJSON keeps such rings whole, jumping from 180 to -180; drawn flat they would streak
    across the whole map. Longitudes are unwrapped into one continuous run, then clipped at 180.
    """
    unwrapped = [ring[0]]
    for lon, lat in ring[1:]:
        previous = unwrapped[-1][0]
        lon += 360 * round((previous - lon) / 360)
        unwrapped.append((lon, lat))
    low = min(lon for lon, _ in unwrapped)
    if low < -180:  # normalise so that any overflow is past +180
        unwrapped = [(lon + 360, lat) for lon, lat in unwrapped]
    if max(lon for lon, _ in unwrapped) <= 180:
        return [unwrapped]
    west = _clip(unwrapped, keep_below=True)
    east = [(lon - 360, lat) for lon, lat in _clip(unwrapped, keep_below=False)]
    return [piece for piece in (west, east) if len(piece) >= 3]


@dataclass(frozen=True)
class MapCountry:
    """One drawable country: ISO alpha-2 code, display name and its SVG path data."""

    alpha2: str
    name: str
    path: str


def _fmt(number: float) -> str:
    text = f"{number:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _path_data(rings: Iterable[list[tuple[float, float]]], fit: Callable) -> str:
    parts = []
    for ring in rings:
        commands = []
        previous = None
        for lon, lat in ring:
            point = fit(lon, lat)
            if point == previous:  # rounding merged two points: drop the duplicate
                continue
            previous = point
            commands.append(f"{point[0]},{point[1]}")
        if len(commands) >= 3:
            parts.append("M" + "L".join(commands) + "Z")
    return "".join(parts)


@lru_cache(maxsize=1)
def map_countries() -> tuple[MapCountry, ...]:
    """The projected countries, fitted into the map area of the viewBox, one entry per alpha-2.

    Cached for the life of the process: the geometry is static, and projecting it costs more
    than rendering a map from it.
    """
    grouped: dict[str, dict] = {}
    for feature in decode_countries(load_topology()):
        country = country_by_numeric(feature["id"]) if feature["id"] else None
        if country is not None:
            alpha2, name = country["alpha_2"], country["name"]
        elif feature["name"] in UNIDENTIFIED_FEATURES:
            alpha2, name = UNIDENTIFIED_FEATURES[feature["name"]]
        else:  # an id this pycountry does not know: skip rather than guess
            continue
        if alpha2 in EXCLUDED:
            continue
        entry = grouped.setdefault(alpha2, {"name": None, "rings": []})
        entry["name"] = entry["name"] or name
        for polygon in feature["polygons"]:
            for ring in polygon:
                entry["rings"].extend(split_antimeridian(ring))

    projected = {
        alpha2: [[equal_earth(lon, lat) for lon, lat in ring] for ring in entry["rings"]]
        for alpha2, entry in grouped.items()
    }
    xs = [x for rings in projected.values() for ring in rings for x, _ in ring]
    ys = [y for rings in projected.values() for ring in rings for _, y in ring]
    min_x, max_x, min_y, max_y = min(xs), max(xs), min(ys), max(ys)
    scale = min((WIDTH - 2 * MARGIN) / (max_x - min_x), (MAP_HEIGHT - 2 * MARGIN) / (max_y - min_y))
    offset_x = (WIDTH - (max_x - min_x) * scale) / 2
    offset_y = (MAP_HEIGHT - (max_y - min_y) * scale) / 2

    def fit(x: float, y: float) -> tuple[str, str]:
        return _fmt(offset_x + (x - min_x) * scale), _fmt(offset_y + (max_y - y) * scale)

    countries = []
    for alpha2, entry in grouped.items():
        rings = projected[alpha2]
        name = entry["name"] or alpha2
        countries.append(MapCountry(alpha2=alpha2, name=name, path=_path_data(rings, fit)))
    countries.sort(key=lambda country: country.alpha2)
    return tuple(countries)


# --- Classification ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassBin:
    """A legend entry: the values from ``lower`` to ``upper`` (inclusive) share ``css_class``."""

    lower: float
    upper: float
    css_class: str
    count: int


def classify(
    values: Mapping[str, float], *, classes: int = CLASS_COUNT
) -> tuple[list[ClassBin], dict[str, str]]:
    """Sort values into at most ``classes`` sequential classes, quantiles over distinct values.

    Distinct values, not countries, are split into equal-sized runs: the data are mostly small
    counts with many ties (ten countries with one project), where plain quantiles give empty or
    duplicate classes. With no more distinct values than classes, each value is its own class and
    the classes are spread across the whole colour ramp so neighbours stay distinguishable.
    Returns the legend bins (lowest first) and the CSS class of every key.
    """
    distinct = sorted(set(values.values()))
    if not distinct:
        return [], {}
    groups: list[list[float]]
    if len(distinct) <= classes:
        groups = [[value] for value in distinct]
    else:
        groups = [
            distinct[len(distinct) * i // classes : len(distinct) * (i + 1) // classes]
            for i in range(classes)
        ]
    span = len(groups) - 1
    bins = []
    class_of_value: dict[float, str] = {}
    for index, group in enumerate(groups):
        level = round(index * (classes - 1) / span) if span else classes - 1
        css_class = f"q{level}"
        members = set(group)
        count = sum(1 for value in values.values() if value in members)
        bins.append(ClassBin(lower=group[0], upper=group[-1], css_class=css_class, count=count))
        for value in group:
            class_of_value[value] = css_class
    return bins, {key: class_of_value[value] for key, value in values.items()}


def format_number(value: float) -> str:
    """Thousands separators; whole numbers without decimals, others with at most two."""
    if isinstance(value, int) or float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _formatter(value_format: str | Callable[[float], str] | None) -> Callable[[float], str]:
    if value_format is None:
        return format_number
    if callable(value_format):
        return value_format
    return value_format.format


# --- SVG helpers -------------------------------------------------------------------------------


def _chart_id(kind: str, title: str, chart_id: str | None) -> str:
    """A stable id for aria-labelledby; derived from the title so output is cacheable."""
    if chart_id:
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in chart_id)
        return safe or kind
    digest = hashlib.sha256(f"{kind}:{title}".encode()).hexdigest()[:8]
    return f"{kind}-{digest}"


def _css_class(name: str) -> str:
    if not name or not all(ch.isalnum() or ch in "-_" for ch in name):
        raise ValueError(f"Not a usable CSS class name: {name!r}")
    return name


def _open_svg(
    *, css: str, cid: str, title: str, desc: str, height: float, role: str = "img"
) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css}" '
        f'viewBox="0 0 {WIDTH} {_fmt(height)}" role="{role}" '
        f'aria-labelledby="{cid}-title {cid}-desc">'
        f'<title id="{cid}-title">{escape(title)}</title>'
        f'<desc id="{cid}-desc">{escape(desc)}</desc>'
    )


# --- Charts ------------------------------------------------------------------------------------


def render_choropleth(
    values: Mapping[str, float],
    *,
    title: str,
    value_label: str,
    value_label_one: str | None = None,
    link_for: Callable[[str], str | None] | None = None,
    value_format: str | Callable[[float], str] | None = None,
    chart_id: str | None = None,
) -> str:
    """A world map with each country filled by the class of its value (keys: ISO alpha-2).

    Countries missing from ``values`` are "no data" grey. ``link_for(alpha2)`` is asked only for
    countries with a value; when it returns a URL the country becomes a link. Linked maps use
    ``role="group"`` instead of ``role="img"``, because an image's children are hidden from
    assistive technology and its links would be unreachable.
    """
    fmt = _formatter(value_format)
    data = {key.upper(): value for key, value in values.items() if value is not None}
    drawn = map_countries()
    drawn_codes = {country.alpha2 for country in drawn}
    bins, class_of = classify({key: value for key, value in data.items() if key in drawn_codes})
    cid = _chart_id("map", title, chart_id)
    linked = link_for is not None
    desc = (
        f"World map of {value_label}: {_counted(len(class_of), 'country', 'countries')} with "
        f"data, {len(drawn) - len(class_of)} without."
    )
    out = [
        _open_svg(
            css="worldmap",
            cid=cid,
            title=title,
            desc=desc,
            height=HEIGHT,
            role="group" if linked else "img",
        ),
        '<g class="countries" fill-rule="evenodd">',
    ]
    for country in drawn:
        css_class = class_of.get(country.alpha2, NODATA_CLASS)
        if country.alpha2 in class_of:
            value = data[country.alpha2]
            unit = value_label_one if value == 1 and value_label_one else value_label
            tooltip = f"{country.name}: {fmt(value)} {unit}"
        else:
            tooltip = f"{country.name}: no data"
        path = (
            f'<path class="{css_class}" data-country="{escape(country.alpha2)}" '
            f'd="{country.path}"><title>{escape(tooltip)}</title></path>'
        )
        url = link_for(country.alpha2) if linked and country.alpha2 in class_of else None
        if url:
            path = f'<a href="{escape(url)}">{path}</a>'
        out.append(path)
    out.append("</g>")
    out.append(_legend(bins, value_label=value_label, fmt=fmt))
    out.append("</svg>")
    return "".join(out)


def render_choropleth_legend(
    values: Mapping[str, float],
    *,
    value_label: str,
    value_format: str | Callable[[float], str] | None = None,
) -> str:
    """The choropleth's legend as HTML, for narrow screens: inside the scaled-down SVG its text
    shrinks with the map (a 390 px phone shows it at about 6 px). The same classes as the map."""
    fmt = _formatter(value_format)
    drawn_codes = {country.alpha2 for country in map_countries()}
    data = {
        key.upper(): value
        for key, value in values.items()
        if value is not None and key.upper() in drawn_codes
    }
    bins, _ = classify(data)
    items = []
    for item in bins:
        label = fmt(item.lower)
        if item.upper != item.lower:
            label = f"{label}\u2013{fmt(item.upper)}"
        items.append((item.css_class, label))
    items.append((NODATA_CLASS, "No data"))
    entries = "".join(
        f'<li><span class="swatch {css}"></span>{escape(label)}</li>' for css, label in items
    )
    return (
        f'<div class="map-legend" aria-hidden="true"><p>{escape(value_label.capitalize())}</p>'
        f"<ul>{entries}</ul></div>"
    )


def _counted(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def _legend(bins: list[ClassBin], *, value_label: str, fmt: Callable[[float], str]) -> str:
    top = MAP_HEIGHT + 14
    parts = [
        f'<g class="legend" aria-hidden="true">'
        f'<text class="legend-title" x="{MARGIN}" y="{top}">{escape(value_label)}</text>'
    ]
    entries = []
    for item in bins:
        label = fmt(item.lower)
        if item.upper != item.lower:
            label = f"{label}\u2013{fmt(item.upper)}"
        entries.append((item.css_class, label))
    entries.append((NODATA_CLASS, "No data"))
    step = (WIDTH - 2 * MARGIN) / 7
    for index, (css_class, label) in enumerate(entries):
        x = MARGIN + index * step
        parts.append(
            f'<rect class="{css_class}" x="{_fmt(x)}" y="{top + 12}" width="24" height="16"/>'
            f'<text class="legend-label" x="{_fmt(x + 30)}" y="{top + 25}">{escape(label)}</text>'
        )
    parts.append("</g>")
    return "".join(parts)


BAR_ROW = 28
BAR_LABEL_WIDTH = 300
BAR_VALUE_WIDTH = 110


def _truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


def render_bar_chart(
    rows: Iterable[tuple[str, float]],
    *,
    title: str,
    value_format: str | Callable[[float], str] | None = None,
    chart_id: str | None = None,
) -> str:
    """Horizontal bars, one per (label, value) row, in the given order; negatives draw as zero.

    Long labels are shortened on the picture and kept whole in each bar's ``<title>``.
    """
    fmt = _formatter(value_format)
    rows = list(rows)
    cid = _chart_id("bars", title, chart_id)
    height = max(len(rows), 1) * BAR_ROW + 8
    peak = max((value for _, value in rows if value and value > 0), default=0)
    area = WIDTH - BAR_LABEL_WIDTH - BAR_VALUE_WIDTH
    desc = f"Bar chart, {len(rows)} bars."
    out = [_open_svg(css="bar-chart", cid=cid, title=title, desc=desc, height=height)]
    for index, (label, value) in enumerate(rows):
        y = 4 + index * BAR_ROW
        width = area * max(value or 0, 0) / peak if peak else 0
        shown = fmt(value)
        out.append(
            f'<g class="bar-row"><title>{escape(f"{label}: {shown}")}</title>'
            f'<text class="bar-label" x="{BAR_LABEL_WIDTH - 8}" y="{y + 18}" '
            f'text-anchor="end">{escape(_truncate(str(label), 40))}</text>'
            f'<rect class="bar" x="{BAR_LABEL_WIDTH}" y="{y + 4}" width="{_fmt(width)}" '
            f'height="{BAR_ROW - 8}"/>'
            f'<text class="bar-value" x="{_fmt(BAR_LABEL_WIDTH + width + 6)}" y="{y + 18}">'
            f"{escape(shown)}</text></g>"
        )
    out.append("</svg>")
    return "".join(out)


def render_stacked_bar(
    parts: Iterable[tuple[str, float, str]],
    *,
    title: str,
    chart_id: str | None = None,
    legend: bool = True,
) -> str:
    """One 100% bar split into (label, value, css_class) segments, with a legend of shares.

    The css_class names the segment's fill in site.css (e.g. ``domain-data``, ``share-noncode``);
    only letters, digits, ``-`` and ``_`` are accepted. ``legend=False`` draws the bar alone, for
    narrow places (a compare column) whose page gives the legend as text.
    """
    parts = [(str(label), max(value or 0, 0), _css_class(css)) for label, value, css in parts]
    total = sum(value for _, value, _ in parts)
    cid = _chart_id("stack", title, chart_id)
    columns = 3
    legend_rows = math.ceil(len(parts) / columns) if parts and legend else 0
    height = 48 + legend_rows * 26
    desc = "; ".join(
        f"{label}: {format_number(value)} ({_share(value, total)})" for label, value, _ in parts
    )
    out = [
        _open_svg(css="stacked-bar", cid=cid, title=title, desc=desc or "No data.", height=height)
    ]
    bar_width = WIDTH - 2 * MARGIN
    if total:
        x = float(MARGIN)
        for label, value, css in parts:
            width = bar_width * value / total
            out.append(
                f'<rect class="segment {css}" x="{_fmt(x)}" y="8" width="{_fmt(width)}" '
                f'height="32"><title>{escape(f"{label}: {_share(value, total)}")}</title></rect>'
            )
            x += width
    else:
        out.append(
            f'<rect class="{NODATA_CLASS}" x="{MARGIN}" y="8" width="{bar_width}" height="32"/>'
        )
    column_width = bar_width / columns
    for index, (label, value, css) in enumerate(parts if legend else []):
        x = MARGIN + (index % columns) * column_width
        y = 52 + (index // columns) * 26
        text = f"{_truncate(label, 32)} {_share(value, total)}"
        out.append(
            f'<g class="legend" aria-hidden="true"><rect class="{css}" x="{_fmt(x)}" y="{y}" '
            f'width="16" height="16"/><text class="legend-label" x="{_fmt(x + 22)}" '
            f'y="{y + 13}">{escape(text)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _share(value: float, total: float) -> str:
    if not total:
        return "0%"
    percent = 100 * value / total
    return f"{percent:.0f}%" if percent >= 1 or percent == 0 else "<1%"
