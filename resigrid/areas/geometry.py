"""Pure geometry rules for area boundaries: parse and validate GeoJSON, measure, compare.

No database. Boundaries are GeoJSON Polygon / MultiPolygon geometries in WGS84 lon/lat.
Errors are raised as `GeometryError` with a translated message; services attach the field name.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt
import shapely
from django.utils.translation import gettext as _
from shapely.geometry import MultiPolygon, Polygon, mapping, shape
from shapely.geometry.base import BaseGeometry

# WGS84 ellipsoid; the local projection below is equal-area on it (to second order).
_WGS84_A = 6378137.0
_WGS84_E2 = 0.00669437999014

Boundary = Polygon | MultiPolygon


class GeometryError(ValueError):
    """The boundary is not an acceptable polygon; `message` is translated and human-readable."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _check_position(pos: Any, where: str) -> None:
    if not isinstance(pos, list | tuple) or len(pos) not in (2, 3):
        raise GeometryError(
            _("%(where)s: a position must be [longitude, latitude].") % {"where": where}
        )
    if not all(_is_number(v) for v in pos):
        raise GeometryError(_("%(where)s: coordinates must be finite numbers.") % {"where": where})
    lon, lat = float(pos[0]), float(pos[1])
    if -180.0 <= lon <= 180.0 and -90.0 <= lat <= 90.0:
        return
    hint = ""
    if -180.0 <= lat <= 180.0 and -90.0 <= lon <= 90.0:
        hint = " " + _("Longitude and latitude may be swapped: GeoJSON puts longitude first.")
    raise GeometryError(
        _(
            "%(where)s: the point (%(lon)s, %(lat)s) is outside the WGS84 range "
            "(longitude −180…180, latitude −90…90)."
        )
        % {"where": where, "lon": pos[0], "lat": pos[1]}
        + hint
    )


def _check_ring(ring: Any, where: str) -> None:
    if not isinstance(ring, list | tuple):
        raise GeometryError(_("%(where)s: a ring must be a list of positions.") % {"where": where})
    for k, pos in enumerate(ring):
        _check_position(pos, _("%(where)s, position %(k)d") % {"where": where, "k": k + 1})
    if len(ring) < 4:
        raise GeometryError(
            _("%(where)s has %(n)d positions; a closed ring needs at least 4.")
            % {"where": where, "n": len(ring)}
        )
    if [float(v) for v in ring[0][:2]] != [float(v) for v in ring[-1][:2]]:
        raise GeometryError(
            _("%(where)s is not closed: its first and last positions differ.") % {"where": where}
        )


def _check_polygon_coords(coords: Any, where: str) -> None:
    if not isinstance(coords, list | tuple) or not coords:
        raise GeometryError(
            _("%(where)s is empty.") % {"where": where} if where else _("The boundary is empty.")
        )
    for r, ring in enumerate(coords):
        label = _("the outer ring") if r == 0 else _("hole %(n)d") % {"n": r}
        _check_ring(ring, f"{where}, {label}" if where else label[:1].upper() + label[1:])


# GEOS `is_valid_reason` texts (before the "[x y]" location) → our translated explanation.
def _reason_message(reason: str) -> str:
    match = re.match(r"^\s*([^\[]+?)\s*(?:\[\s*([-\d.eE+]+)\s+([-\d.eE+]+)[^\]]*\])?\s*$", reason)
    kind = (match.group(1) if match else reason).strip().lower()
    where = ""
    if match and match.group(2):
        where = " " + _("near (%(lon)s, %(lat)s)") % {
            "lon": f"{float(match.group(2)):.6f}",
            "lat": f"{float(match.group(3)):.6f}",
        }
    messages = {
        "self-intersection": _("The boundary intersects itself%(where)s."),
        "ring self-intersection": _("A ring of the boundary touches or crosses itself%(where)s."),
        "too few points": _("A ring of the boundary has too few distinct points%(where)s."),
        "hole lies outside shell": _("A hole lies outside its outer ring%(where)s."),
        "nested holes": _("A hole lies inside another hole%(where)s."),
        "interior is disconnected": _(
            "The holes cut the polygon into disconnected pieces%(where)s."
        ),
        "nested shells": _("One polygon of the boundary lies inside another%(where)s."),
        "duplicate rings": _("The boundary repeats a ring%(where)s."),
        "invalid coordinate": _("The boundary has an invalid coordinate%(where)s."),
        "ring is not closed": _("A ring of the boundary is not closed%(where)s."),
    }
    template = messages.get(kind)
    if template is None:
        return _("The boundary is not a valid polygon: %(reason)s.") % {"reason": reason}
    return template % {"where": where}


def parse_boundary(data: Any) -> Boundary:
    """Validate a GeoJSON geometry and return it as a shapely (Multi)Polygon.

    Raises GeometryError naming the first problem: wrong type, malformed coordinates, point out
    of the WGS84 range, open ring, self-intersection and the other OGC validity rules, emptiness.
    """
    if not isinstance(data, Mapping):
        raise GeometryError(_("The boundary must be a GeoJSON geometry object."))
    kind = data.get("type")
    if kind not in ("Polygon", "MultiPolygon"):
        raise GeometryError(
            _("The boundary must be a GeoJSON Polygon or MultiPolygon; got %(type)s.")
            % {"type": repr(kind) if kind is not None else _("no type")}
        )
    coords = data.get("coordinates")
    if kind == "Polygon":
        _check_polygon_coords(coords, "")
    else:
        if not isinstance(coords, list | tuple) or not coords:
            raise GeometryError(_("The boundary is empty."))
        for p, poly in enumerate(coords):
            _check_polygon_coords(poly, _("Polygon %(n)d") % {"n": p + 1})
    geom = shape({"type": kind, "coordinates": coords})
    if not isinstance(geom, Polygon | MultiPolygon) or geom.is_empty:
        raise GeometryError(_("The boundary is empty."))
    if not shapely.is_valid(geom):
        raise GeometryError(_reason_message(str(shapely.is_valid_reason(geom))))
    if area_m2(geom) <= 0.0:
        raise GeometryError(_("The boundary encloses no area."))
    return geom


def to_geojson(geom: BaseGeometry) -> dict[str, Any]:
    """A plain JSON-able GeoJSON dict (lists, not tuples) for storing in a JSONField."""
    raw: dict[str, Any] = dict(mapping(geom))

    def listify(v: Any) -> Any:
        if isinstance(v, list | tuple):
            return [listify(x) for x in v]
        return v

    raw["coordinates"] = listify(raw["coordinates"])
    return raw


def _project(lon0: float, lat0: float) -> Any:
    """A local equal-area map (lon, lat) → metres around (lon0, lat0).

    Ellipsoidal sinusoidal: x = N(φ)·cos φ·Δλ, y = ∫M dφ (M at the mid latitude), whose Jacobian
    is M·N·cos φ, the ellipsoid's area element. Exact enough (≪0.1 %) at community scale.
    """
    phi0 = math.radians(lat0)

    def radii(phi: npt.NDArray[np.float64]) -> tuple[Any, Any]:
        s2 = 1.0 - _WGS84_E2 * np.sin(phi) ** 2
        n = _WGS84_A / np.sqrt(s2)
        m = _WGS84_A * (1.0 - _WGS84_E2) / s2**1.5
        return m, n

    def transform(coords: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        lam = np.radians(coords[:, 0] - lon0)
        phi = np.radians(coords[:, 1])
        m_mid, _n = radii((phi + phi0) / 2.0)
        _m, n = radii(phi)
        out = np.empty_like(coords)
        out[:, 0] = n * np.cos(phi) * lam
        out[:, 1] = m_mid * (phi - phi0)
        return out

    return transform


def area_m2(geom: BaseGeometry) -> float:
    """Area in square metres of a lon/lat geometry (polygonal parts only)."""
    if geom.is_empty:
        return 0.0
    c = geom.centroid if not geom.centroid.is_empty else geom.representative_point()
    projected = shapely.transform(geom, _project(c.x, c.y))
    return float(shapely.area(projected))


def centroid(geom: BaseGeometry) -> tuple[float, float]:
    """The centroid (lon, lat). In a small area lon/lat is affine to the local metres frame,
    and the centroid is affine-covariant, so the planar centroid is the right one."""
    c = geom.centroid
    return float(c.x), float(c.y)


def outside_m2(child: BaseGeometry, parent: BaseGeometry) -> float:
    """How many square metres of `child` lie outside `parent`."""
    return area_m2(shapely.difference(child, parent))


def overlap_m2(a: BaseGeometry, b: BaseGeometry) -> float:
    """Square metres shared by two polygons."""
    if not shapely.intersects(a, b):
        return 0.0
    return area_m2(shapely.intersection(a, b))


def child_outside_error(
    child: BaseGeometry, parent: BaseGeometry, *, parent_label: str, tolerance_m2: float
) -> str | None:
    """A message when more than `tolerance_m2` of the child lies outside its parent."""
    outside = outside_m2(child, parent)
    if outside <= tolerance_m2:
        return None
    return _(
        "The boundary extends %(m2).0f m² outside its parent %(parent)s "
        "(at most %(tol).0f m² allowed)."
    ) % {"m2": outside, "parent": parent_label, "tol": tolerance_m2}


def sibling_overlap_errors(
    geom: BaseGeometry, siblings: Mapping[str, BaseGeometry], *, tolerance_m2: float
) -> list[str]:
    """Messages for each sibling (keyed by label) overlapping `geom` beyond the tolerance."""
    if not siblings:
        return []
    labels = list(siblings)
    geoms = np.array([siblings[k] for k in labels], dtype=object)
    tree = shapely.STRtree(geoms)
    errors = []
    for i in sorted(tree.query(geom, predicate="intersects").tolist()):
        shared = overlap_m2(geom, geoms[i])
        if shared > tolerance_m2:
            errors.append(
                _("The boundary overlaps %(other)s by %(m2).0f m² (at most %(tol).0f m² allowed).")
                % {"other": labels[i], "m2": shared, "tol": tolerance_m2}
            )
    return errors


def placement_errors(
    geom: BaseGeometry,
    *,
    parent: tuple[str, BaseGeometry | None] | None,
    siblings: Mapping[str, BaseGeometry],
    children: Mapping[str, BaseGeometry],
    outside_tolerance_m2: float,
    overlap_tolerance_m2: float,
) -> list[str]:
    """Where a boundary may sit in the tree: inside its parent (label, geometry), apart from
    its siblings, and still around its existing children (all keyed by label)."""
    errors: list[str] = []
    if parent is not None and parent[1] is not None:
        msg = child_outside_error(
            geom, parent[1], parent_label=parent[0], tolerance_m2=outside_tolerance_m2
        )
        if msg:
            errors.append(msg)
    errors.extend(sibling_overlap_errors(geom, siblings, tolerance_m2=overlap_tolerance_m2))
    for label, child in children.items():
        outside = outside_m2(child, geom)
        if outside > outside_tolerance_m2:
            errors.append(
                _(
                    "The boundary would leave %(m2).0f m² of %(child)s outside it "
                    "(at most %(tol).0f m² allowed)."
                )
                % {"child": label, "m2": outside, "tol": outside_tolerance_m2}
            )
    return errors
