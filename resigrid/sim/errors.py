"""The one place where engine error codes become translated messages.

The engine cannot translate (no Django); its `EngineInputError` carries a stable code and the
values that name the problem. Codes without a message of their own fall back to a generic
sentence that still names the field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from resigrid.core.errors import ValidationFailed
from resigrid.sim.engine.errors import EngineInputError

MESSAGES: Mapping[str, Promise] = {
    "population_empty": _("The area has no residents to simulate."),
    "population_nesting": _(
        "The registry is inconsistent: each household must sit in one building (%(ids)s)."
    ),
    "r0_range": _("R0 must be above 0 and at most 20 (got %(value)s)."),
    "integer_range": _("%(field)s must be a whole number in its allowed range (got %(value)s)."),
    "number_range": _("%(field)s is out of its allowed range (got %(value)s)."),
    "fraction_range": _("%(field)s must be between 0 and 1 (got %(value)s)."),
    "duration_mean": _("%(field)s: the mean duration is out of range (got %(value)s)."),
    "duration_sd": _("%(field)s: the standard deviation is out of range (got %(value)s)."),
    "layer_weight": _("%(field)s must be a number of at least 0 (got %(value)s)."),
    "layer_weights_zero": _("At least one contact layer must have a weight above 0."),
    "no_strategies": _("Give at least one strategy."),
    "strategy_name": _("Every strategy needs a name."),
    "strategy_name_repeated": _("Strategy names must be unique."),
    "intervention_repeated": _("Strategy %(strategy)s has the same intervention twice."),
    "ensemble_memory": _(
        "This run needs about %(needed_mb)s MB of memory and the limit is %(limit_mb)s MB: "
        "use fewer replicates or strategies, or a smaller area."
    ),
    "evacuation.nobody": _("Nobody lives in the hazard area."),
    "evacuation.no_shelters": _("There is no shelter with a capacity in the area."),
    "evacuation.no_safe_shelter": _("Every shelter lies inside the hazard area."),
    "evacuation.no_buildings": _("The area has no buildings with residents."),
    "evacuation.hazard": _("The hazard area is not a valid polygon."),
    "evacuation.capacity_short": _(
        "The shelters %(shelters)s cannot hold everyone from the buildings %(buildings)s."
    ),
    "evacuation.disconnected": _("No road leads from the buildings %(buildings)s to any shelter."),
    "evacuation.too_large": _("The area is too large for one evacuation plan: split it."),
    "roads.geojson": _("The road file is not valid GeoJSON with lines."),
    "roads.osm": _("The road file is not valid OSM XML."),
    "roads.osm_node": _("The OSM road file refers to a node it does not define."),
    "roads.empty": _("The road file holds no roads."),
    "roads.coordinates": _("The road file has coordinates out of range."),
    "roads.too_few_points": _("There are too few buildings and shelters to draw streets between."),
    "supplies.no_items": _("Give at least one item."),
    "supplies.no_grids": _("The area has no grids with households."),
    "supplies.negative": _("%(what)s must be a finite number, not negative."),
    "supplies.unknown_item": _("A stock or commitment names an unknown item."),
    "supplies.duplicate": _("An item or grid appears twice."),
    "supplies.days": _("The lockdown must last between 1 and 3650 days."),
}
GENERIC: Promise = _("The simulation input is not valid (%(code)s: %(field)s).")


class _Defaults(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def engine_message(exc: EngineInputError) -> str:
    """The translated sentence for an engine error."""
    values = _Defaults(exc.params)
    values.setdefault("code", exc.code)
    values.setdefault("field", values.get("field", "?"))
    template = MESSAGES.get(exc.code, GENERIC)
    return str(template) % values


def engine_failure(exc: EngineInputError) -> ValidationFailed:
    """A `ValidationFailed` naming the engine's field (or the parameters as a whole)."""
    field = str(exc.params.get("field") or "params")
    message = engine_message(exc)
    return ValidationFailed(message, field=field, errors={field: [message]})
