"""Road networks: GeoJSON and OSM XML parsing, the synthetic street graph, snapping."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from scipy.sparse import csgraph  # type: ignore[import-untyped]

from resigrid.sim.engine.roads import RoadFormatError, parse_geojson, parse_osm_xml, synthetic

DATA = Path(__file__).parent / "data"


def haversine(lon1, lat1, lon2, lat2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6_371_008.8 * math.asin(math.sqrt(a))


def test_geojson_lines_join_at_shared_vertices():
    graph = parse_geojson(DATA / "roads.geojson")
    # 3 points on the main street + 2 more on the cross street (the shared one counted once)
    assert graph.n_nodes == 5
    assert graph.u.size == 4
    _, labels = csgraph.connected_components(graph.matrix(), directed=False)
    assert len(set(labels.tolist())) == 1
    east = haversine(121.400, 31.200, 121.401, 31.200)
    north = haversine(121.401, 31.200, 121.401, 31.201)
    assert graph.length_m[0] == pytest.approx(east, rel=1e-3)
    assert graph.length_m[2] == pytest.approx(north, rel=1e-3)
    far = csgraph.dijkstra(graph.matrix(), indices=0)
    assert far.max() == pytest.approx(east + 2 * north, rel=1e-3)


def test_geojson_from_a_mapping_and_a_bare_geometry():
    line = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.0, 0.001]]}
    assert parse_geojson(line).n_nodes == 2
    assert parse_geojson(json.dumps({"type": "Feature", "geometry": line})).u.size == 1


@pytest.mark.parametrize(
    "text",
    [
        "not json",
        "[1, 2]",
        '{"type": "FeatureCollection", "features": []}',
        '{"type": "FeatureCollection", "features": 3}',
        '{"type": "LineString", "coordinates": [[0, 0]]}',
        '{"type": "LineString", "coordinates": [[0, 0], ["a", 1]]}',
        '{"type": "LineString", "coordinates": [[0, 0], [0, 95]]}',
    ],
)
def test_bad_geojson_is_refused(text):
    with pytest.raises(RoadFormatError):
        parse_geojson(text)


def test_osm_keeps_highways_only():
    graph = parse_osm_xml(DATA / "roads.osm")
    # ways 10 and 11 are roads (nodes 1, 2, 3, 4); 12 is a building, 13 a proposed road
    assert graph.n_nodes == 4
    assert graph.u.size == 3
    assert sorted(graph.lat.tolist()) == [31.2, 31.2, 31.2, 31.201]
    with (DATA / "roads.osm").open("rb") as stream:
        assert parse_osm_xml(stream).n_nodes == 4
    assert parse_osm_xml((DATA / "roads.osm").read_bytes(), skip=frozenset()).n_nodes == 5


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE osm [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<osm><node id="1" lat="0" lon="0"/>
<way id="1"><nd ref="1"/><tag k="highway" v="&b;"/></way></osm>"""


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        (BOMB, "roads.osm"),
        (b"<osm><node id='1' lat='0' lon='0'>", "roads.osm"),
        (b"<osm><node id='1' lat='x' lon='0'/></osm>", "roads.osm"),
        (b"<osm><node id='1' lat='0' lon='0'/></osm>", "roads.empty"),
        (
            b"<osm><node id='1' lat='0' lon='0'/><way id='9'><nd ref='1'/><nd ref='2'/>"
            b"<tag k='highway' v='service'/></way></osm>",
            "roads.osm_node",
        ),
    ],
)
def test_bad_osm_is_refused(payload, code):
    with pytest.raises(RoadFormatError) as info:
        parse_osm_xml(payload)
    assert info.value.code == code


def test_synthetic_graph_is_connected_and_snaps_each_place_to_itself():
    rng = np.random.default_rng(3)
    lon = 121.4 + rng.random(200) * 0.01
    lat = 31.2 + rng.random(200) * 0.01
    graph = synthetic(lon, lat)
    assert graph.n_nodes == 200
    n, _ = csgraph.connected_components(graph.matrix(), directed=False)
    assert n == 1
    nodes, access = graph.snap(lon, lat)
    assert sorted(nodes.tolist()) == list(range(200))
    assert np.allclose(access, 0.0)


def test_synthetic_graph_of_collinear_and_repeated_places():
    graph = synthetic([0.0, 0.002, 0.001, 0.001], [0.0, 0.0, 0.0, 0.0])
    assert graph.n_nodes == 3  # the repeated place is one node
    assert graph.u.size == 2  # chained along the line: 0 – 0.001 – 0.002
    assert graph.length_m.sum() == pytest.approx(haversine(0, 0, 0.002, 0), rel=1e-6)


def test_plan_over_an_osm_file():
    from resigrid.sim.engine.evacuation import (
        Building,
        EvacuationSettings,
        Shelter,
        plan_evacuation,
    )

    roads = parse_osm_xml(DATA / "roads.osm")
    buildings = [Building("west", 121.4000, 31.2000, 6), Building("east", 121.4020, 31.2000, 4)]
    shelters = [Shelter("school", 121.4010, 31.2010, 20)]
    plan = plan_evacuation(
        buildings, shelters, roads=roads, settings=EvacuationSettings(suggest=False)
    )
    east = haversine(121.400, 31.200, 121.401, 31.200)
    north = haversine(121.401, 31.200, 121.401, 31.201)
    by_id = {b.id: b for b in plan.buildings}
    assert by_id["west"].max_distance_m == pytest.approx(east + north, rel=1e-3)
    assert plan.total_person_m == pytest.approx(6 * (east + north) + 4 * (east + north), rel=1e-3)
    assert not plan.synthetic_roads


def test_synthetic_graph_drops_long_edges_unless_needed():
    rng = np.random.default_rng(5)
    ix, iy = np.meshgrid(np.arange(6), np.arange(6))
    lon = np.r_[(ix.ravel() + rng.uniform(-0.1, 0.1, 36)) * STEP_SMALL, 30 * STEP_SMALL]
    lat = np.r_[(iy.ravel() + rng.uniform(-0.1, 0.1, 36)) * STEP_SMALL, 2.5 * STEP_SMALL]
    graph = synthetic(lon, lat)
    n, _ = csgraph.connected_components(graph.matrix(), directed=False)
    assert n == 1
    far = graph.n_nodes - 1  # nodes are ordered by position: the far east place is last
    assert int(np.sum(graph.u == far) + np.sum(graph.v == far)) == 1  # only its spanning-tree edge
    assert graph.length_m.max() > 20 * STEP_SMALL * 111_000 * 0.9


STEP_SMALL = 0.001
