"""Forms of the alert pages: drafting (and its CAP Update), the lifecycle moves, a level's
forwarding and report back, and the list filters. Forms parse input; the services decide."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import Any

import shapely
from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.alerts.choices import CapCategory, Certainty, Kind, Level, Severity, State, Urgency
from resigrid.alerts.models import Alert
from resigrid.areas.models import Area
from resigrid.core.forms import BootstrapForm

MAX_NOTE = 2000
MAX_POLYGON_TEXT = 200_000
MAX_POLYGONS = 20
MAX_RING_POINTS = 2000
DATETIME_FORMAT = "%Y-%m-%dT%H:%M"
INDENT = {"district": "", "street": "　", "community": "　　", "grid": "　　　"}


def _datetime_field(label: str | Any, help_text: str | Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=False,
        help_text=help_text,
        input_formats=[DATETIME_FORMAT, "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format=DATETIME_FORMAT),
    )


def area_label(area: Area) -> str:
    return f"{INDENT.get(area.level, '')}{area.name}"


def parse_polygons(text: str) -> list[list[list[float]]]:
    """GeoJSON (a Polygon or MultiPolygon geometry, a Feature or a FeatureCollection of them)
    or a bare list of rings → the outer rings as [[lon, lat], …], closed. Raises
    forms.ValidationError naming what is wrong."""
    text = text.strip()
    if not text:
        return []
    if len(text) > MAX_POLYGON_TEXT:
        raise forms.ValidationError(_("The polygon text is too long."), code="too_long")
    try:
        data = json.loads(text)
    except ValueError:
        raise forms.ValidationError(_("This is not valid GeoJSON."), code="json") from None
    rings = list(_rings(data))
    if not rings:
        raise forms.ValidationError(_("No polygon found in the GeoJSON."), code="empty")
    if len(rings) > MAX_POLYGONS:
        raise forms.ValidationError(
            _("At most %(n)d polygons.") % {"n": MAX_POLYGONS}, code="too_many"
        )
    out = []
    for ring in rings:
        out.append(_ring(ring))
    return out


def _rings(data: Any) -> Iterable[Any]:
    if isinstance(data, list):  # a bare list of rings, as stored
        yield from data
        return
    if not isinstance(data, dict):
        raise forms.ValidationError(_("This is not valid GeoJSON."), code="json")
    kind = data.get("type")
    if kind == "FeatureCollection":
        for feature in data.get("features") or []:
            yield from _rings(feature)
    elif kind == "Feature":
        yield from _rings(data.get("geometry") or {})
    elif kind == "Polygon":
        coords = data.get("coordinates") or []
        if coords:
            yield coords[0]
    elif kind == "MultiPolygon":
        for polygon in data.get("coordinates") or []:
            if polygon:
                yield polygon[0]
    else:
        raise forms.ValidationError(
            _("Only Polygon and MultiPolygon geometries are accepted."), code="type"
        )


def _ring(ring: Any) -> list[list[float]]:
    bad = forms.ValidationError(
        _("Each polygon needs at least three points as [longitude, latitude]."), code="ring"
    )
    if not isinstance(ring, list) or len(ring) > MAX_RING_POINTS:
        raise bad
    points: list[list[float]] = []
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            raise bad
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise forms.ValidationError(
                _("A point lies outside the globe: %(lon)s, %(lat)s.") % {"lon": lon, "lat": lat},
                code="range",
            )
        points.append([lon, lat])
    if points and points[0] != points[-1]:
        points.append(list(points[0]))
    if len(points) < 4:
        raise bad
    if not shapely.Polygon(points).is_valid:
        raise forms.ValidationError(
            _("A polygon crosses itself; draw its edges without crossings."), code="invalid"
        )
    return points


class AlertFieldsForm(BootstrapForm):
    """The text and CAP fields shared by a new draft and an update."""

    level = forms.ChoiceField(
        label=gettext_lazy("Level"),
        required=False,
        choices=[("", "—"), *Level.choices],
        help_text=gettext_lazy("Required for a warning: red is level I, the highest."),
    )
    event = forms.CharField(
        label=gettext_lazy("Event"),
        max_length=100,
        help_text=gettext_lazy("What happens, in a few words (暴雨, 台风, 燃气泄漏…)."),
    )
    headline = forms.CharField(
        label=gettext_lazy("Headline"),
        max_length=160,
        help_text=gettext_lazy("One line people see first, e.g. 暴雨红色预警."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    instruction = forms.CharField(
        label=gettext_lazy("What people should do"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, initial=Urgency.EXPECTED
    )
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"),
        required=False,
        choices=[("", gettext_lazy("From the level")), *Severity.choices],
        help_text=gettext_lazy("Leave it to follow the level (red → extreme … blue → minor)."),
    )
    certainty = forms.ChoiceField(
        label=gettext_lazy("Certainty"), choices=Certainty.choices, initial=Certainty.LIKELY
    )
    area_desc = forms.CharField(
        label=gettext_lazy("Area description"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("Leave empty to list the names of the areas covered."),
    )
    onset = _datetime_field(
        gettext_lazy("Onset"), gettext_lazy("When the event is expected to begin (optional).")
    )
    expires = _datetime_field(
        gettext_lazy("Expires"),
        gettext_lazy("After this time the alert expires by itself (optional)."),
    )
    ack_minutes = forms.IntegerField(
        label=gettext_lazy("Minutes to acknowledge"),
        initial=30,
        min_value=1,
        max_value=7 * 24 * 60,
        help_text=gettext_lazy(
            "Each level and person has this long to confirm receipt before it counts as overdue."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        onset, expires = data.get("onset"), data.get("expires")
        if onset and expires and expires <= onset:
            self.add_error("expires", _("The alert must expire after its onset."))
        return data


class DraftForm(AlertFieldsForm):
    field_order = [
        "issuer_area",
        "kind",
        "level",
        "category",
        "event",
        "headline",
        "description",
        "instruction",
        "target_areas",
        "area_desc",
        "polygons",
        "cascade",
        "ack_minutes",
        "urgency",
        "severity",
        "certainty",
        "onset",
        "expires",
    ]

    issuer_area = forms.TypedChoiceField(label=gettext_lazy("Issued by"), coerce=int)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        choices=Kind.choices,
        initial=Kind.WARNING,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy(
            "A warning carries a colour level; a directive asks each level to report back."
        ),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("CAP category"), choices=CapCategory.choices, initial=CapCategory.MET
    )
    target_areas = forms.TypedMultipleChoiceField(
        label=gettext_lazy("Areas it covers"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
        error_messages={"required": gettext_lazy("Choose the areas the alert covers.")},
    )
    polygons = forms.CharField(
        label=gettext_lazy("Polygon (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false"}),
        help_text=gettext_lazy(
            "Optional: draw on the map or paste a GeoJSON Polygon or MultiPolygon (WGS84)."
        ),
    )
    cascade = forms.ChoiceField(
        label=gettext_lazy("Distribution"),
        choices=[
            ("direct", gettext_lazy("Everyone at once")),
            ("relay", gettext_lazy("Level by level")),
        ],
        initial="direct",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
        help_text=gettext_lazy(
            "Level by level: each community forwards it to its grids, with a local addition."
        ),
    )

    def __init__(self, *args: Any, issuers: list[Area], targets: list[Area], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.areas = {a.pk: a for a in [*issuers, *targets]}
        self.fields["issuer_area"].choices = [(a.pk, area_label(a)) for a in issuers]  # type: ignore[attr-defined]
        self.fields["target_areas"].choices = [(a.pk, area_label(a)) for a in targets]  # type: ignore[attr-defined]
        if len(issuers) == 1 and not self.is_bound:
            self.initial.setdefault("issuer_area", issuers[0].pk)

    def clean_polygons(self) -> list[list[list[float]]]:
        return parse_polygons(self.cleaned_data.get("polygons") or "")

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == Kind.WARNING and not data.get("level"):
            self.add_error(
                "level", _("A warning needs a colour level (blue, yellow, orange or red).")
            )
        issuer = self.areas.get(data.get("issuer_area") or 0)
        if issuer is not None:
            outside = [
                self.areas[pk].name
                for pk in data.get("target_areas") or []
                if not self.areas[pk].is_within(issuer)
            ]
            if outside:
                self.add_error(
                    "target_areas",
                    _("The alert covers areas outside %(area)s: %(names)s.")
                    % {"area": issuer.name, "names": "、".join(outside)},
                )
        return data


class UpdateForm(AlertFieldsForm):
    """A CAP Update: the fields the service lets change, prefilled from the alert."""

    FIELDS = (
        "level",
        "event",
        "headline",
        "description",
        "instruction",
        "urgency",
        "severity",
        "certainty",
        "area_desc",
        "onset",
        "expires",
        "ack_minutes",
    )

    def __init__(self, *args: Any, alert: Alert, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {name: getattr(alert, name) for name in self.FIELDS})
        super().__init__(*args, **kwargs)
        self.alert = alert
        if alert.kind == Kind.WARNING:
            self.fields["level"].required = True
            self.fields["level"].choices = Level.choices  # type: ignore[attr-defined]

    def changes(self) -> dict[str, Any]:
        """Only what differs from the alert (an empty severity keeps following the level)."""
        out: dict[str, Any] = {}
        for name in self.FIELDS:
            value = self.cleaned_data.get(name)
            if isinstance(value, str):
                value = value.strip()
            if name == "severity" and not value:
                continue
            current = getattr(self.alert, name)
            if isinstance(current, dt.datetime):  # the form keeps minutes only
                current = current.replace(second=0, microsecond=0)
            if value != current:
                out[name] = value
        return out

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not self.errors and not self.changes():
            raise forms.ValidationError(
                _("Nothing changed: change at least one field."), code="unchanged"
            )
        return data


class CancelForm(BootstrapForm):
    note = forms.CharField(
        label=gettext_lazy("Why is the alert cancelled?"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": gettext_lazy("Say why the alert is cancelled.")},
    )


class ForwardForm(BootstrapForm):
    local_addition = forms.CharField(
        label=gettext_lazy("Local addition"),
        required=False,
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy(
            "Sent after the original text, marked as yours; the original is never changed."
        ),
    )


class ReportForm(BootstrapForm):
    report = forms.CharField(
        label=gettext_lazy("Report back"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("What this level has done about the directive."),
    )


class FilterForm(forms.Form):
    state = forms.ChoiceField(required=False, choices=[("", ""), *list(State.choices)])
    kind = forms.ChoiceField(required=False, choices=[("", ""), *list(Kind.choices)])
    level = forms.ChoiceField(required=False, choices=[("", ""), *list(Level.choices)])
