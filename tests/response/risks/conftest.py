"""Risk register fixtures: a helper that adds a rated risk point through the service."""

from __future__ import annotations

from typing import Any

import pytest

from resigrid.areas.models import Area
from resigrid.registers.models import Category
from resigrid.response.risks import rating, services
from resigrid.response.risks.models import RiskPoint


def matrix(l_: int, harm: int, scale: int = 1, loss: int = 1, **residual: Any) -> rating.Factors:
    return rating.Factors(
        method="matrix", likelihood=l_, harm=harm, scale=scale, property_loss=loss, **residual
    )


def add_risk(
    actor: Any,
    area: Area,
    factors: rating.Factors | None = None,
    *,
    name: str = "低洼积水点",
    hazard_class: str = "natural",
    **details: Any,
) -> RiskPoint:
    return services.create_risk(
        actor=actor,
        area=area,
        details=services.Details(name=name, hazard_class=hazard_class, **details),
        factors=factors or matrix(3, 3),
    )


@pytest.fixture
def categories(db: None) -> dict[str, Category]:
    root = Category.objects.create(code="04", name="突发事件", kind="event")
    return {
        "04.01": Category.objects.create(code="04.01", name="积水内涝", kind="event", parent=root),
        "04.03": Category.objects.create(code="04.03", name="火情", kind="event", parent=root),
    }
