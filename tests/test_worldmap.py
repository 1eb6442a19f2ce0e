"""The server-rendered SVG charts: TopoJSON decoding, the choropleth, bars and stacked bars."""

import json
import re
import xml.etree.ElementTree as ET
from collections import Counter

import pytest

from cartography import worldmap
from cartography.worldmap import (
    TOPOJSON_FILE,
    classify,
    decode_countries,
    equal_earth,
    map_countries,
    render_bar_chart,
    render_choropleth,
    render_stacked_bar,
    split_antimeridian,
)

SVG = "{http://www.w3.org/2000/svg}"


def _raw_geometries() -> list[dict]:
    return json.loads(TOPOJSON_FILE.read_text(encoding="utf-8"))["objects"]["countries"][
        "geometries"
    ]


def _parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - parsing our own output, not untrusted input


def _paths(svg: str) -> dict[str, ET.Element]:
    root = _parse(svg)
    return {path.get("data-country"): path for path in root.iter(f"{SVG}path")}


def test_topojson_decodes_to_every_feature():
    features = decode_countries(worldmap.load_topology())
    raw = _raw_geometries()
    assert len(features) == len(raw) == 177
    polygon_count = sum(1 if g["type"] == "Polygon" else len(g["arcs"]) for g in raw)
    assert sum(len(f["polygons"]) for f in features) == polygon_count
    # Coordinates land on the globe, and every ring is closed.
    for feature in features:
        for polygon in feature["polygons"]:
            for ring in polygon:
                assert ring[0] == pytest.approx(ring[-1])
                assert all(-180 <= lon <= 180 and -90 <= lat <= 90 for lon, lat in ring)


def test_decoded_coordinates_are_plausible():
    features = {f["id"]: f for f in decode_countries(worldmap.load_topology())}
    italy = [pt for poly in features["380"]["polygons"] for ring in poly for pt in ring]
    lons = [lon for lon, _ in italy]
    lats = [lat for _, lat in italy]
    assert 6 < min(lons) < 8 and 18 < max(lons) < 19
    assert 36 < min(lats) < 38 and 46 < max(lats) < 48


def test_delta_decoding_with_a_tiny_topology():
    topology = {
        "transform": {"scale": [2, 3], "translate": [10, 20]},
        "arcs": [[[0, 0], [1, 0], [0, 1], [-1, 0], [0, -1]]],
        "objects": {
            "countries": {
                "geometries": [
                    {"type": "Polygon", "arcs": [[0]], "id": "001"},
                    {"type": "Polygon", "arcs": [[-1]], "properties": {"name": "Rev"}},
                ]
            }
        },
    }
    forward, backward = decode_countries(topology)
    assert forward["polygons"] == [[[(10, 20), (12, 20), (12, 23), (10, 23), (10, 20)]]]
    assert backward["polygons"][0][0] == forward["polygons"][0][0][::-1]
    assert backward["id"] is None and backward["name"] == "Rev"


def test_equal_earth_reference_points():
    assert equal_earth(0, 0) == (0, 0)
    x, y = equal_earth(180, 0)
    assert x == pytest.approx(2.7066, abs=1e-3) and y == 0
    _, top = equal_earth(0, 90)
    assert top == pytest.approx(1.3174, abs=1e-3)


def test_antimeridian_rings_are_cut():
    ring = [(179.0, 0.0), (-179.0, 0.0), (-179.0, 1.0), (179.0, 1.0), (179.0, 0.0)]
    pieces = split_antimeridian(ring)
    assert len(pieces) == 2
    assert all(all(-180 <= lon <= 180 for lon, _ in piece) for piece in pieces)
    assert max(lon for lon, _ in pieces[0]) - min(lon for lon, _ in pieces[0]) <= 1


def test_map_covers_identified_countries_once():
    raw = _raw_geometries()
    with_id = {g["id"] for g in raw if "id" in g}
    codes = [country.alpha2 for country in map_countries()]
    assert len(codes) == len(set(codes))
    # Every feature with an id is drawn except Antarctica; Kosovo is drawn as XK, Somaliland and
    # N. Cyprus join Somalia and Cyprus.
    assert len(codes) == len(with_id) - len({"AQ"}) + len({"XK"})
    assert "AQ" not in codes and {"XK", "SO", "CY", "DE", "FJ", "RU"} <= set(codes)
    for country in map_countries():
        assert country.path.startswith("M") and country.path.endswith("Z")


def test_every_drawn_point_is_inside_the_map_area():
    for country in map_countries():
        for command in country.path.replace("Z", "").replace("M", "L").split("L"):
            if command:
                x, y = (float(part) for part in command.split(","))
                assert 0 <= x <= worldmap.WIDTH and 0 <= y <= worldmap.MAP_HEIGHT


def test_choropleth_is_well_formed_accessible_svg():
    svg = render_choropleth({"DE": 3, "NG": 1}, title="Projects by country", value_label="projects")
    root = _parse(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 960 500"
    assert root.get("width") is None and root.get("height") is None
    assert root.get("role") == "img"
    labelled = root.get("aria-labelledby").split()
    ids = {element.get("id"): element for element in root.iter() if element.get("id")}
    assert all(label in ids for label in labelled)
    assert ids[labelled[0]].text == "Projects by country"
    assert "style" not in svg and "<script" not in svg


def test_choropleth_has_one_path_per_mapped_country_with_titles():
    values = {"DE": 3, "NG": 1, "us": 10, "SG": 4}  # Singapore is too small for the 1:110m map
    paths = _paths(render_choropleth(values, title="t", value_label="projects"))
    assert len(paths) == len(map_countries())
    assert paths["DE"].find(f"{SVG}title").text == "Germany: 3 projects"
    assert paths["US"].find(f"{SVG}title").text == "United States: 10 projects"
    assert paths["FR"].find(f"{SVG}title").text == "France: no data"
    assert paths["FR"].get("class") == "nodata"
    assert Counter(p.get("class") for p in paths.values())["nodata"] == len(paths) - 3


def test_text_is_escaped():
    svg = render_choropleth(
        {"CI": 2},
        title='<script>alert("x")</script> & co',
        value_label="<b>projects</b>",
        link_for=lambda code: f"/countries/{code}/?a=1&b=<2>",
    )
    root = _parse(svg)  # would fail on an unescaped & or <
    assert "<script>" not in svg and "<b>" not in svg
    assert root.find(f"{SVG}title").text == '<script>alert("x")</script> & co'
    ivory = _paths(svg)["CI"]
    assert ivory.find(f"{SVG}title").text == "Côte d'Ivoire: 2 <b>projects</b>"


def test_links_only_for_countries_with_values():
    asked = []

    def link_for(code):
        asked.append(code)
        return f"/countries/{code}/"

    svg = render_choropleth({"DE": 1, "PL": 2}, title="t", value_label="v", link_for=link_for)
    root = _parse(svg)
    links = {a.get("href") for a in root.iter(f"{SVG}a")}
    assert sorted(asked) == ["DE", "PL"]
    assert links == {"/countries/DE/", "/countries/PL/"}
    assert root.get("role") == "group"  # an img's links would be hidden from assistive tech


def test_values_fall_into_the_right_classes():
    values = {"DE": 1, "FR": 2, "PL": 3, "NG": 4, "TH": 5, "US": 6, "CA": 7, "BR": 100}
    paths = _paths(render_choropleth(values, title="t", value_label="v"))
    # Eight distinct values in six classes: runs of distinct values 1 | 2 | 3-4 | 5 | 6 | 7-100.
    expected = {"DE": "q0", "FR": "q1", "PL": "q2", "NG": "q2", "TH": "q3", "US": "q4"}
    expected |= {"CA": "q5", "BR": "q5"}
    assert {code: paths[code].get("class") for code in values} == expected


def test_few_distinct_values_spread_over_the_ramp():
    bins, classes = classify({"DE": 1, "FR": 1, "PL": 5})
    assert [(b.lower, b.upper, b.css_class, b.count) for b in bins] == [
        (1, 1, "q0", 2),
        (5, 5, "q5", 1),
    ]
    assert classes == {"DE": "q0", "FR": "q0", "PL": "q5"}
    assert classify({"DE": 3})[1] == {"DE": "q5"}
    assert classify({}) == ([], {})


def test_classes_are_monotonic_and_complete():
    values = {f"K{i}": float(i * i) for i in range(50)}
    bins, classes = classify(values)
    assert [b.css_class for b in bins] == [f"q{i}" for i in range(6)]
    assert sum(b.count for b in bins) == 50
    ordered = sorted(values, key=values.get)
    levels = [int(classes[key][1:]) for key in ordered]
    assert levels == sorted(levels)


def test_legend_lists_classes_and_no_data():
    svg = render_choropleth({"DE": 1, "FR": 2500}, title="t", value_label="projects")
    root = _parse(svg)
    legend = next(g for g in root.iter(f"{SVG}g") if g.get("class") == "legend")
    texts = [t.text for t in legend.iter(f"{SVG}text")]
    assert texts == ["projects", "1", "2,500", "No data"]


def test_bar_chart():
    svg = render_bar_chart(
        [("Data <curation>", 30), ("Code", 10), ("Nothing", 0)],
        title="By type",
        value_format="{:,} items",
    )
    root = _parse(svg)
    assert root.get("role") == "img" and root.get("viewBox").startswith("0 0 960 ")
    bars = [r for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    widths = [float(r.get("width")) for r in bars]
    assert widths[0] == pytest.approx(3 * widths[1], abs=0.2) and widths[2] == 0
    titles = [g.find(f"{SVG}title").text for g in root.iter(f"{SVG}g")]
    assert titles == ["Data <curation>: 30 items", "Code: 10 items", "Nothing: 0 items"]


def test_bar_chart_without_rows_is_valid():
    root = _parse(render_bar_chart([], title="Empty", value_format=str))
    assert root.find(f"{SVG}title").text == "Empty"


def test_stacked_bar():
    svg = render_stacked_bar(
        [("Code", 25, "share-code"), ("Non-code & more", 75, "share-noncode")], title="Share"
    )
    root = _parse(svg)
    segments = [r for r in root.iter(f"{SVG}rect") if "segment" in r.get("class", "").split()]
    assert [s.get("class") for s in segments] == ["segment share-code", "segment share-noncode"]
    widths = [float(s.get("width")) for s in segments]
    assert widths[1] == pytest.approx(3 * widths[0], abs=0.2)
    assert segments[1].find(f"{SVG}title").text == "Non-code & more: 75%"
    assert "Code: 25 (25%)" in root.find(f"{SVG}desc").text


def test_stacked_bar_rejects_unsafe_class_names():
    with pytest.raises(ValueError):
        render_stacked_bar([("x", 1, 'a" onclick="b')], title="t")


def test_every_chart_class_is_styled():
    css = (TOPOJSON_FILE.parents[2] / "css" / "site.css").read_text(encoding="utf-8")
    for name in ["q0", "q1", "q2", "q3", "q4", "q5", "nodata", "bar", "share-code"]:
        assert f".{name} " in css or f".{name}," in css, name


def test_the_html_legend_has_the_maps_classes_for_narrow_screens():
    values = {"DE": 1, "FR": 2500, "PL": 1}
    legend = worldmap.render_choropleth_legend(values, value_label="projects")
    svg = render_choropleth(values, title="t", value_label="projects")
    svg_legend = next(g for g in _parse(svg).iter(f"{SVG}g") if g.get("class") == "legend")
    svg_classes = [r.get("class") for r in svg_legend.iter(f"{SVG}rect")]
    assert re.findall(r'class="swatch ([a-z0-9]+)"', legend) == svg_classes
    assert re.findall(r"</span>([^<]+)</li>", legend) == ["1", "2,500", "No data"]
    assert legend.startswith('<div class="map-legend" aria-hidden="true"><p>Projects</p>')


def test_a_stacked_bar_without_legend_draws_the_bar_alone():
    parts = [("Pre-training", 2, "phase-pre_training"), ("Post-release", 1, "phase-post_release")]
    full = _parse(render_stacked_bar(parts, title="t"))
    bare = _parse(render_stacked_bar(parts, title="t", legend=False))
    assert len(list(full.iter(f"{SVG}text"))) == 2
    assert list(bare.iter(f"{SVG}text")) == []
    assert [r.get("class") for r in bare.iter(f"{SVG}rect")] == [
        "segment phase-pre_training",
        "segment phase-post_release",
    ]
    assert float(bare.get("viewBox").split()[3]) < float(full.get("viewBox").split()[3])
