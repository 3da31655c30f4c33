"""Filter forms of the orgs pages (GET; invalid filters show as form errors). BootstrapForm gives
every widget its Bootstrap class."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.core.forms import BootstrapForm
from resigrid.orgs.choices import MemberStatus, Specialty, UnitKind

_ANY = [("", _("Any"))]
_YES_NO = [("", _("Any")), ("yes", _("Yes")), ("no", _("No"))]


def yes_no(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class UnitFilterForm(BootstrapForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=_ANY + UnitKind.choices, required=False)
    specialty = forms.ChoiceField(
        label=_("Specialty"), choices=_ANY + Specialty.choices, required=False
    )
    co_building = forms.ChoiceField(label=_("Co-building"), choices=_YES_NO, required=False)
    q = forms.CharField(label=_("Name or address"), max_length=60, required=False)


class MemberFilterForm(BootstrapForm):
    org = forms.TypedChoiceField(label=_("Organisation"), coerce=int, required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=_ANY + MemberStatus.choices, required=False
    )
    in_service = forms.ChoiceField(label=_("In-service"), choices=_YES_NO, required=False)
    q = forms.CharField(label=_("Name"), max_length=30, required=False)

    def __init__(self, *args: Any, orgs: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].choices = [("", _("Any")), *orgs]  # type: ignore[attr-defined]
