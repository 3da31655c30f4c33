"""The filters of the metrics page: period, breakdown and area."""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area
from resigrid.cases.metrics.queries import Period
from resigrid.core.forms import BootstrapForm

MAX_DAYS = 5 * 366
MAX_GRID_CHOICES = 60
BREAKDOWN_CHOICES = [
    ("month", gettext_lazy("Month")),
    ("street", gettext_lazy("Street")),
    ("community", gettext_lazy("Community")),
    ("grid", gettext_lazy("Grid")),
    ("unit", gettext_lazy("Lead unit")),
    ("category", gettext_lazy("Category")),
]
DATE = {"type": "date"}


def area_choices(user: Any) -> list[tuple[str, str]]:
    """Areas the user may see cases of: districts, streets and communities, and the grids too
    when there are few of them."""
    areas = Area.objects.visible_to(user, Perm.VIEW_CASES).only("code", "name", "level")
    grids = areas.filter(level=Level.GRID)
    upper = list(areas.exclude(level=Level.GRID).order_by("code"))
    rows = upper + (list(grids.order_by("code")) if grids.count() <= MAX_GRID_CHOICES else [])
    rows.sort(key=lambda a: a.code)
    return [(a.code, f"{a.name} ({a.get_level_display()})") for a in rows]


class MetricsFilter(BootstrapForm):
    start = forms.DateField(label=gettext_lazy("From"), widget=forms.DateInput(attrs=DATE))
    end = forms.DateField(label=gettext_lazy("To"), widget=forms.DateInput(attrs=DATE))
    by = forms.ChoiceField(label=gettext_lazy("Breakdown"), choices=BREAKDOWN_CHOICES)
    area = forms.ChoiceField(label=gettext_lazy("Area"), required=False)

    def __init__(self, data: Any, *, user: Any, today: dt.date | None = None) -> None:
        today = today or timezone.localdate()
        default = Period.last_months(today)
        values = {"start": default.start, "end": default.end, "by": "month", "area": ""}
        given = {k: data.get(k) for k in values if data.get(k) not in (None, "")}
        super().__init__({**values, **given})
        area_field = cast(forms.ChoiceField, self.fields["area"])
        area_field.choices = [("", _("Everything I can see")), *area_choices(user)]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if start > end:
                self.add_error("end", _("The end date must not be before the start date."))
            elif (end - start).days > MAX_DAYS:
                self.add_error("end", _("Choose a period of at most five years."))
        return data

    def period(self) -> Period:
        return Period(self.cleaned_data["start"], self.cleaned_data["end"])

    def selected_area(self) -> Area | None:
        code = self.cleaned_data.get("area")
        return Area.objects.get(code=code) if code else None
