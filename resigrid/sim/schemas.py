"""Scenario parameters and strategies: one pydantic model per kind, with translated errors.

`clean(kind, params, strategies)` answers the normalised JSON to store (defaults filled in) or
raises `ValidationFailed` whose `errors` map a dotted field path ("r0",
"strategies.1.testing.daily_probability") to translated messages. The engine's own checks run
after these (`to_engine_*`), so both layers agree; the ranges here are the stricter ones.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import shapely
from django.utils.translation import gettext as _
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from shapely.geometry import shape

from resigrid.core.errors import ValidationFailed
from resigrid.sim.engine.errors import EngineInputError
from resigrid.sim.engine.interventions import (
    GridLockdown,
    Intervention,
    Isolation,
    ReducedContacts,
    Strategy,
    Testing,
    Vaccination,
    validate_strategies,
)
from resigrid.sim.engine.params import EpidemicParams
from resigrid.sim.errors import engine_failure

MAX_DAY = 730
MAX_REPLICATES = 500  # the memory check at the start refuses what this machine cannot hold


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TestingIn(_In):
    __test__ = False
    daily_probability: float = Field(0.1, ge=0, le=1)
    start_day: int = Field(0, ge=0, le=MAX_DAY)


class IsolationIn(_In):
    household_factor: float = Field(0.0, ge=0, le=1)
    start_day: int = Field(0, ge=0, le=MAX_DAY)


class GridLockdownIn(_In):
    threshold: int = Field(3, ge=1, le=1_000_000)
    window_days: int = Field(7, ge=1, le=365)
    duration_days: int = Field(14, ge=1, le=365)
    start_day: int = Field(0, ge=0, le=MAX_DAY)


class ReducedContactsIn(_In):
    factor: float = Field(0.5, ge=0, le=1)
    start_day: int = Field(0, ge=0, le=MAX_DAY)
    end_day: int | None = Field(None, ge=0, le=MAX_DAY)


class VaccinationIn(_In):
    daily_doses: int = Field(100, ge=0, le=10_000_000)
    efficacy_infection: float = Field(0.6, ge=0, le=1)
    efficacy_severe: float = Field(0.8, ge=0, le=1)
    vulnerable_first: bool = True
    start_day: int = Field(0, ge=0, le=MAX_DAY)


class StrategyIn(_In):
    name: str = Field(..., min_length=1, max_length=60)
    testing: TestingIn | None = None
    isolation: IsolationIn | None = None
    grid_lockdown: GridLockdownIn | None = None
    reduced_contacts: ReducedContactsIn | None = None
    vaccination: VaccinationIn | None = None

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not value.strip():
            raise ValueError(_("Please give the strategy a name."))
        return value.strip()

    def to_engine(self) -> Strategy:
        items: list[Intervention] = []
        if self.testing:
            items.append(Testing(**self.testing.model_dump()))
        if self.isolation:
            items.append(Isolation(**self.isolation.model_dump()))
        if self.grid_lockdown:
            items.append(GridLockdown(**self.grid_lockdown.model_dump()))
        if self.reduced_contacts:
            items.append(ReducedContacts(**self.reduced_contacts.model_dump()))
        if self.vaccination:
            items.append(Vaccination(**self.vaccination.model_dump()))
        return Strategy(self.name, tuple(items))


class EpidemicIn(_In):
    r0: float = Field(2.5, gt=0, le=20)
    days: int = Field(120, ge=1, le=MAX_DAY)
    initial_infected: int = Field(5, ge=1, le=1_000_000)
    beds_per_1000: float = Field(1.0, ge=0, le=1000)
    hospital_capacity: int | None = Field(None, ge=0, le=10_000_000)
    replicates: int = Field(4, ge=1, le=MAX_REPLICATES)
    # How "best" is decided: the smallest deaths × death_weight + person-days locked down.
    death_weight: float = Field(10_000.0, ge=0, le=1e9)

    def to_engine(self) -> EpidemicParams:
        return EpidemicParams(
            r0=self.r0,
            days=self.days,
            initial_infected=self.initial_infected,
            beds_per_1000=self.beds_per_1000,
            hospital_capacity=self.hospital_capacity,
        )


class StrategiesIn(_In):
    strategies: list[StrategyIn] = Field(..., min_length=1, max_length=12)

    @field_validator("strategies")
    @classmethod
    def _unique(cls, value: list[StrategyIn]) -> list[StrategyIn]:
        names = [s.name for s in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                _("Strategy names must be unique: %(names)s.") % {"names": ", ".join(repeated)}
            )
        return value


class EvacuationIn(_In):
    # A GeoJSON Polygon or MultiPolygon geometry; none: everyone in the area leaves.
    hazard: dict[str, Any] | None = None
    walking_speed_mps: float = Field(1.2, gt=0, le=5)
    max_distance_m: float = Field(2000.0, gt=0, le=50_000)
    load_warning: float = Field(0.9, gt=0, le=1)
    helpers_per_assisted: float = Field(1.0, ge=0, le=10)
    suggest: bool = True

    @field_validator("hazard")
    @classmethod
    def _polygon(cls, value: dict[str, Any] | None) -> dict[str, Any] | None:
        if value is None:
            return None
        try:
            geom = shape(value)
        except (ValueError, TypeError, KeyError, AttributeError, shapely.errors.GEOSException):
            raise ValueError(_("The hazard area is not a GeoJSON polygon.")) from None
        if geom.geom_type not in ("Polygon", "MultiPolygon") or geom.is_empty:
            raise ValueError(_("The hazard area is not a GeoJSON polygon."))
        if not geom.is_valid:
            raise ValueError(_("The hazard area crosses itself."))
        return value


class SupplyItemIn(_In):
    item: str = Field(..., min_length=1, max_length=100)  # catalogue code or name
    unit: str = Field("", max_length=16)
    per_household: float = Field(0.0, ge=0, le=1e6)
    per_resident: float = Field(0.0, ge=0, le=1e6)
    per_medicine: float = Field(0.0, ge=0, le=1e6)  # per chronic patient on medicines
    per_oxygen: float = Field(0.0, ge=0, le=1e6)
    replenishment: float = Field(0.0, ge=0, le=1e9)  # daily inflow to the depots


class SuppliesIn(_In):
    days: int = Field(14, ge=1, le=365)
    items: list[SupplyItemIn] = Field(..., min_length=1, max_length=50)

    @field_validator("items")
    @classmethod
    def _unique(cls, value: list[SupplyItemIn]) -> list[SupplyItemIn]:
        names = [i.item for i in value]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(
                _("Each item may appear once: %(names)s.") % {"names": ", ".join(repeated)}
            )
        return value


PARAMS: Mapping[str, type[_In]] = {
    "epidemic": EpidemicIn,
    "evacuation": EvacuationIn,
    "supplies": SuppliesIn,
}


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _message(error: Mapping[str, Any]) -> str:
    kind = error["type"]
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "greater_than":
        return _("Must be greater than %(n)s.") % {"n": _num(ctx["gt"])}
    if kind == "greater_than_equal":
        return _("Must be at least %(n)s.") % {"n": _num(ctx["ge"])}
    if kind == "less_than":
        return _("Must be less than %(n)s.") % {"n": _num(ctx["lt"])}
    if kind == "less_than_equal":
        return _("Must be at most %(n)s.") % {"n": _num(ctx["le"])}
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return _("Must be a whole number.")
    if kind in ("float_parsing", "float_type", "finite_number"):
        return _("Must be a number.")
    if kind in ("bool_parsing", "bool_type"):
        return _("Must be true or false.")
    if kind in ("string_type", "dict_type", "list_type", "model_type", "model_attributes_type"):
        return _("This value has the wrong type.")
    if kind == "string_too_short":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("At most %(n)s characters.") % {"n": ctx["max_length"]}
    if kind == "too_short":
        return _("Give at least %(n)s.") % {"n": ctx["min_length"]}
    if kind == "too_long":
        return _("Give at most %(n)s.") % {"n": ctx["max_length"]}
    if kind == "extra_forbidden":
        return _("Unknown field.")
    if kind == "value_error":
        return str(ctx.get("error", ""))
    return _("This value is not valid.")


def translate(exc: ValidationError, prefix: str = "") -> ValidationFailed:
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        path = ".".join(str(p) for p in (*([prefix] if prefix else []), *error["loc"]))
        errors.setdefault(path or "params", []).append(_message(error))
    field = next(iter(errors))
    return ValidationFailed(f"{field}: {errors[field][0]}", field=field, errors=errors)


def clean(kind: str, params: Any, strategies: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Validate and normalise; `ValidationFailed` names every bad field."""
    model = PARAMS.get(kind)
    if model is None:
        raise ValidationFailed(_("Unknown scenario kind."), field="kind")
    try:
        parsed = model.model_validate(params if params is not None else {})
    except ValidationError as exc:
        raise translate(exc, "params") from None
    out_strategies: list[dict[str, Any]] = []
    if kind == "epidemic":
        try:
            chosen = StrategiesIn.model_validate({"strategies": strategies or []})
        except ValidationError as exc:
            raise translate(exc) from None
        assert isinstance(parsed, EpidemicIn)  # noqa: S101 - PARAMS maps the kind
        try:  # the engine's own checks, so nothing fails later for a reason known now
            parsed.to_engine().validate()
            validate_strategies([s.to_engine() for s in chosen.strategies])
        except EngineInputError as exc:
            raise engine_failure(exc) from None
        out_strategies = [s.model_dump(exclude_none=True) for s in chosen.strategies]
    elif strategies:
        raise ValidationFailed(
            _("Only epidemic scenarios compare strategies."),
            field="strategies",
            errors={"strategies": [_("Only epidemic scenarios compare strategies.")]},
        )
    return parsed.model_dump(), out_strategies
