"""Road networks for evacuation: parsed from GeoJSON or OSM XML, or synthesised from points.

A `RoadGraph` is an undirected graph of nodes (WGS84 lon/lat) and edges with lengths in metres.
Distances use a local equirectangular projection around the graph's mean latitude: exact enough
(well under 1 %) over a community or a district, and vectorisable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp  # type: ignore[import-untyped]  # no scipy-stubs in the lock
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from scipy.sparse import csgraph
from scipy.spatial import Delaunay, QhullError, cKDTree  # type: ignore[import-untyped]

from resigrid.sim.engine.errors import EngineInputError

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

EARTH_RADIUS_M = 6_371_008.8
#: OSM highway values that are not (yet, or any more) a way anyone can walk on
NOT_ROADS = frozenset(
    {"proposed", "construction", "abandoned", "razed", "disused", "platform", "bus_stop"}
)
_COORD_DIGITS = 7  # GeoJSON vertices equal to 1e-7 degrees (~1 cm) are one node
LONG_EDGE = 4.0  # synthetic streets longer than this × the median are dropped when not needed


class RoadFormatError(EngineInputError):
    """A road file that does not parse, or parses to nothing usable."""


def project(lon: npt.ArrayLike, lat: npt.ArrayLike, lat0: float) -> FloatArray:
    """Metres east/north (n × 2) in an equirectangular projection centred on ``lat0``."""
    lon_r = np.radians(np.asarray(lon, dtype=np.float64))
    lat_r = np.radians(np.asarray(lat, dtype=np.float64))
    return np.column_stack(
        (EARTH_RADIUS_M * lon_r * math.cos(math.radians(lat0)), EARTH_RADIUS_M * lat_r)
    )


@dataclass(frozen=True)
class RoadGraph:
    lon: FloatArray  # per node
    lat: FloatArray
    u: IntArray  # per edge (undirected)
    v: IntArray
    length_m: FloatArray

    @property
    def n_nodes(self) -> int:
        return int(self.lon.size)

    @property
    def lat0(self) -> float:
        return float(self.lat.mean()) if self.lat.size else 0.0

    def xy(self) -> FloatArray:
        return project(self.lon, self.lat, self.lat0)

    @cached_property
    def _tree(self) -> Any:
        # built once per graph: snapping runs for buildings, shelters and candidate sites
        return cKDTree(self.xy())

    def matrix(self) -> Any:
        """Symmetric CSR adjacency with lengths; parallel edges keep the shortest."""
        n = self.n_nodes
        keep = self.u != self.v
        u, v, w = self.u[keep], self.v[keep], self.length_m[keep]
        # csgraph reads an explicit zero as "no edge": give coincident nodes a tiny length
        w = np.maximum(w, 1e-6)
        rows = np.concatenate((u, v))
        cols = np.concatenate((v, u))
        data = np.concatenate((w, w))
        order = np.lexsort((data, cols, rows))
        rows, cols, data = rows[order], cols[order], data[order]
        first = np.ones(rows.size, dtype=bool)
        first[1:] = (rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1])
        return sp.csr_matrix((data[first], (rows[first], cols[first])), shape=(n, n))

    def snap(self, lon: npt.ArrayLike, lat: npt.ArrayLike) -> tuple[IntArray, FloatArray]:
        """Nearest node of each point and the straight-line distance to it (metres)."""
        dist, idx = self._tree.query(project(lon, lat, self.lat0))
        return np.asarray(idx, dtype=np.int64), np.asarray(dist, dtype=np.float64)


def from_lines(lines: Iterable[Sequence[tuple[float, float]]]) -> RoadGraph:
    """A graph from polylines of (lon, lat) vertices; shared vertices join the lines."""
    index: dict[tuple[float, float], int] = {}
    us: list[int] = []
    vs: list[int] = []
    for line in lines:
        prev = -1
        for lon, lat in line:
            key = (round(float(lon), _COORD_DIGITS), round(float(lat), _COORD_DIGITS))
            node = index.setdefault(key, len(index))
            if prev >= 0 and prev != node:
                us.append(prev)
                vs.append(node)
            prev = node
    coords = np.array(list(index), dtype=np.float64).reshape(-1, 2)
    return _graph(
        coords[:, 0], coords[:, 1], np.array(us, dtype=np.int64), np.array(vs, dtype=np.int64)
    )


def _graph(lon: FloatArray, lat: FloatArray, u: IntArray, v: IntArray) -> RoadGraph:
    if u.size == 0:
        raise RoadFormatError("roads.empty", "The road network has no road segment.")
    if not (np.all(np.abs(lon) <= 180) and np.all(np.abs(lat) <= 90)):
        raise RoadFormatError(
            "roads.coordinates", "Road coordinates must be WGS84 longitude and latitude."
        )
    lat0 = float(lat.mean())
    xy = project(lon, lat, lat0)
    length = np.hypot(*(xy[u] - xy[v]).T)
    return RoadGraph(lon=lon, lat=lat, u=u, v=v, length_m=length)


def _coords(value: Any) -> list[tuple[float, float]]:
    if not isinstance(value, list) or len(value) < 2:
        raise RoadFormatError("roads.geojson", "A LineString needs at least two positions.")
    out: list[tuple[float, float]] = []
    for pos in value:
        if (
            not isinstance(pos, list)
            or len(pos) < 2
            or not all(isinstance(c, int | float) for c in pos[:2])
        ):
            raise RoadFormatError("roads.geojson", "A position must be [longitude, latitude].")
        out.append((float(pos[0]), float(pos[1])))
    return out


def parse_geojson(source: str | bytes | Path | Mapping[str, Any]) -> RoadGraph:
    """LineString and MultiLineString features (or bare geometries) of a GeoJSON document.

    Other geometry types are ignored (a road file often carries points of interest too).
    """
    if isinstance(source, Mapping):
        doc: Any = source
    else:
        text = source.read_bytes() if isinstance(source, Path) else source
        try:
            doc = json.loads(text)
        except (ValueError, UnicodeDecodeError) as exc:
            raise RoadFormatError(
                "roads.geojson", f"The road file is not valid JSON: {exc}."
            ) from exc
    if not isinstance(doc, Mapping):
        raise RoadFormatError("roads.geojson", "The road file is not a GeoJSON object.")
    geometries: list[Any]
    if doc.get("type") == "FeatureCollection":
        features = doc.get("features")
        if not isinstance(features, list):
            raise RoadFormatError("roads.geojson", "A FeatureCollection needs a list of features.")
        geometries = [f.get("geometry") for f in features if isinstance(f, Mapping)]
    elif doc.get("type") == "Feature":
        geometries = [doc.get("geometry")]
    else:
        geometries = [doc]
    lines: list[list[tuple[float, float]]] = []
    while geometries:
        geom = geometries.pop()
        if not isinstance(geom, Mapping):
            continue
        kind = geom.get("type")
        if kind == "LineString":
            lines.append(_coords(geom.get("coordinates")))
        elif kind == "MultiLineString":
            parts = geom.get("coordinates")
            if not isinstance(parts, list):
                raise RoadFormatError("roads.geojson", "A MultiLineString needs a list of lines.")
            lines.extend(_coords(part) for part in parts)
        elif kind == "GeometryCollection" and isinstance(geom.get("geometries"), list):
            geometries.extend(geom["geometries"])
    lines.reverse()  # popped from the end: keep the file's order, so node numbers are stable
    return from_lines(lines)


def parse_osm_xml(
    source: str | bytes | Path | IO[bytes], *, skip: frozenset[str] = NOT_ROADS
) -> RoadGraph:
    """Ways with a ``highway`` tag (not in ``skip``) of an OSM XML file, read as a stream.

    defusedxml refuses DTDs with entities and external references, so a hostile file cannot
    expand or fetch anything. Nodes used by no road are dropped.
    """
    import io

    stream: IO[bytes]
    if isinstance(source, bytes):
        stream = io.BytesIO(source)
    elif isinstance(source, str | Path):
        stream = Path(source).open("rb")  # noqa: SIM115  # closed below
    else:
        stream = source
    node_pos: dict[str, tuple[float, float]] = {}
    ways: list[list[str]] = []
    try:
        refs: list[str] = []
        highway: str | None = None
        for event, elem in SafeET.iterparse(stream, events=("start", "end"), forbid_dtd=True):
            tag = elem.tag
            if event == "start":
                if tag == "way":
                    refs, highway = [], None
                continue
            if tag == "node":
                try:
                    node_pos[elem.attrib["id"]] = (
                        float(elem.attrib["lon"]),
                        float(elem.attrib["lat"]),
                    )
                except (KeyError, ValueError) as exc:
                    raise RoadFormatError(
                        "roads.osm", "An OSM node needs an id, lat and lon."
                    ) from exc
                elem.clear()
            elif tag == "nd":
                ref = elem.attrib.get("ref")
                if ref is not None:
                    refs.append(ref)
            elif tag == "tag" and elem.attrib.get("k") == "highway":
                highway = elem.attrib.get("v", "")
            elif tag == "way":
                if highway is not None and highway not in skip and len(refs) >= 2:
                    ways.append(refs)
                elem.clear()
    except SafeET.ParseError as exc:
        raise RoadFormatError("roads.osm", f"The OSM file does not parse: {exc}.") from exc
    except DefusedXmlException as exc:
        raise RoadFormatError(
            "roads.osm", "The OSM file declares entities or a DTD, which are refused."
        ) from exc
    finally:
        if isinstance(source, str | Path):
            stream.close()
    lines: list[list[tuple[float, float]]] = []
    for way in ways:
        missing = [r for r in way if r not in node_pos]
        if missing:
            raise RoadFormatError(
                "roads.osm_node",
                f"An OSM way refers to node {missing[0]}, which the file does not have.",
                node=missing[0],
            )
        lines.append([node_pos[r] for r in way])
    if not lines:
        raise RoadFormatError(
            "roads.empty", "The OSM file has no road (no way with a highway tag)."
        )
    return from_lines(lines)


def _prune_long(edges: IntArray, xy: FloatArray) -> IntArray:
    length = np.hypot(*(xy[edges[:, 0]] - xy[edges[:, 1]]).T)
    n = xy.shape[0]
    # a zero-length edge would vanish from the sparse matrix: lengths are > 0 after dedup
    tree = csgraph.minimum_spanning_tree(
        sp.csr_matrix((length, (edges[:, 0], edges[:, 1])), shape=(n, n))
    ).tocoo()
    in_tree = np.zeros(edges.shape[0], dtype=np.bool_)
    key = edges[:, 0] * n + edges[:, 1]
    tree_key = np.minimum(tree.row, tree.col).astype(np.int64) * n + np.maximum(tree.row, tree.col)
    in_tree[np.isin(key, tree_key)] = True
    keep: BoolArray = in_tree | (length <= LONG_EDGE * float(np.median(length)))
    return edges[keep]


def synthetic(lon: npt.ArrayLike, lat: npt.ArrayLike) -> RoadGraph:
    """A street graph over the given points when no road file is given: their Delaunay edges.

    The triangulation is connected and planar (about 3 edges per point), and its shortest
    paths stay within a small factor of straight-line distance, like a street grid's. Edges
    longer than `LONG_EDGE` × the median (the long thin triangles along the hull, across a
    park or a lake) are dropped unless the graph needs them to stay connected (they are in its
    minimum spanning tree). Fewer than three points, or points on one line, are joined in order
    along the line instead.
    """
    x = np.asarray(lon, dtype=np.float64)
    y = np.asarray(lat, dtype=np.float64)
    if x.size < 2:
        raise EngineInputError(
            "roads.too_few_points", "A synthetic street graph needs at least two places."
        )
    xy = project(x, y, float(y.mean()))
    # identical places share a node (Delaunay cannot take duplicate points)
    uniq, inverse = np.unique(np.round(xy, 3), axis=0, return_inverse=True)
    inverse = inverse.ravel()
    first = np.zeros(uniq.shape[0], dtype=np.int64)
    first[inverse[::-1]] = np.arange(x.size)[::-1]
    ux, uy = x[first], y[first]
    if uniq.shape[0] < 2:
        raise EngineInputError(
            "roads.too_few_points", "A synthetic street graph needs at least two places."
        )
    edges: IntArray
    try:
        if uniq.shape[0] < 3:
            raise ValueError
        tri = Delaunay(uniq)
        simplices = np.asarray(tri.simplices, dtype=np.int64)
        pairs = np.concatenate((simplices[:, [0, 1]], simplices[:, [1, 2]], simplices[:, [2, 0]]))
        pairs.sort(axis=1)
        edges = _prune_long(np.unique(pairs, axis=0), uniq)
    except (QhullError, ValueError):  # Qhull refuses collinear points: chain them along the line
        axis = int(np.argmax(np.ptp(uniq, axis=0)))
        order = np.argsort(uniq[:, axis], kind="stable")
        edges = np.column_stack((order[:-1], order[1:])).astype(np.int64)
    return _graph(ux, uy, edges[:, 0].copy(), edges[:, 1].copy())
