"""Forms of the resources pages: the stock movement form and list filters."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.core.forms import BootstrapForm
from resigrid.resources.choices import FacilityKind, FacilityStatus, MovementKind
from resigrid.resources.models import Item

_ANY = [("", _("Any"))]


class MovementForm(BootstrapForm):
    item = forms.ModelChoiceField(
        label=_("Item"), queryset=Item.objects.order_by("category", "code")
    )
    kind = forms.ChoiceField(label=_("Movement"), choices=MovementKind.choices)
    quantity = forms.DecimalField(
        label=_("Quantity"), min_value=Decimal("0.01"), max_digits=14, decimal_places=2
    )
    decrease = forms.BooleanField(
        label=_("Adjustment downwards (stocktake shortfall)"), required=False
    )
    batch_number = forms.CharField(label=_("Batch number"), max_length=64, required=False)
    expiry = forms.DateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)
    reference = forms.CharField(label=_("Reference"), max_length=64, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quantity"].widget.attrs["inputmode"] = "decimal"


class FacilityFilterForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_ANY + FacilityKind.choices, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_ANY + FacilityStatus.choices, required=False
    )
