"""Forms of the risk register pages. They only parse; the services check and rate."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.codes import Level
from resigrid.areas.models import Area, Building
from resigrid.orgs.models import Unit
from resigrid.registers.choices import HazardClass
from resigrid.response import risk_rules
from resigrid.response.risks.models import ControlState, Method

LEVELS = [("", "—")] + [(str(n), str(n)) for n in range(1, 6)]
LIKELIHOOD_HELP = _("1 almost impossible · 2 unlikely · 3 possible · 4 likely · 5 almost certain")
SEVERITY_HELP = _("1 negligible · 2 minor · 3 serious · 4 very serious · 5 catastrophic")

# Suggested subtypes per hazard class (a datalist; any text is accepted).
SUBTYPES = {
    HazardClass.NATURAL: ["低洼积水点", "内涝", "台风大风", "地质灾害", "高温", "雨雪冰冻"],
    HazardClass.ACCIDENT: [
        "电动车充电",
        "燃气管道",
        "高空坠物",
        "老旧电线",
        "危房",
        "消防通道",
        "电梯",
        "有限空间作业",
    ],
    HazardClass.PUBLIC_HEALTH: ["传染病聚集", "食品安全", "饮用水", "病媒生物"],
    HazardClass.SOCIAL_SECURITY: ["人员密集场所", "矛盾纠纷", "群体性事件", "治安"],
}


def _decimal_choices(values: tuple[Any, ...]) -> list[tuple[str, str]]:
    return [("", "—")] + [(str(v), str(v)) for v in values]


class RatingForm(forms.Form):
    """The factors of a rating; all optional here, the service says which are required."""

    method = forms.ChoiceField(
        label=_("Rating method"), choices=Method.choices, initial=Method.MATRIX
    )
    likelihood = forms.ChoiceField(
        label=_("Likelihood (L)"), choices=LEVELS, required=False, help_text=LIKELIHOOD_HELP
    )
    harm = forms.ChoiceField(
        label=_("Harm to people"), choices=LEVELS, required=False, help_text=SEVERITY_HELP
    )
    scale = forms.ChoiceField(label=_("Affected scale"), choices=LEVELS, required=False)
    property_loss = forms.ChoiceField(label=_("Property loss"), choices=LEVELS, required=False)
    lec_l = forms.ChoiceField(
        label=_("L: likelihood of an accident"),
        choices=_decimal_choices(risk_rules.LEC_L),
        required=False,
    )
    lec_e = forms.ChoiceField(
        label=_("E: exposure"), choices=_decimal_choices(risk_rules.LEC_E), required=False
    )
    lec_c = forms.ChoiceField(
        label=_("C: consequence"), choices=_decimal_choices(risk_rules.LEC_C), required=False
    )
    residual_likelihood = forms.ChoiceField(
        label=_("Likelihood after controls"), choices=LEVELS, required=False
    )
    residual_severity = forms.ChoiceField(
        label=_("Severity after controls"), choices=LEVELS, required=False
    )
    residual_lec_l = forms.ChoiceField(
        label=_("L after controls"), choices=_decimal_choices(risk_rules.LEC_L), required=False
    )
    residual_lec_e = forms.ChoiceField(
        label=_("E after controls"), choices=_decimal_choices(risk_rules.LEC_E), required=False
    )
    residual_lec_c = forms.ChoiceField(
        label=_("C after controls"), choices=_decimal_choices(risk_rules.LEC_C), required=False
    )

    RATING_FIELDS = (
        "method",
        "likelihood",
        "harm",
        "scale",
        "property_loss",
        "lec_l",
        "lec_e",
        "lec_c",
        "residual_likelihood",
        "residual_severity",
        "residual_lec_l",
        "residual_lec_e",
        "residual_lec_c",
    )

    def factors(self) -> dict[str, Any]:
        return {name: self.cleaned_data.get(name) or None for name in self.RATING_FIELDS}


class RiskForm(RatingForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    area = forms.ModelChoiceField(label=_("Area"), queryset=Area.objects.none())
    hazard_class = forms.ChoiceField(label=_("Hazard class"), choices=HazardClass.choices)
    subtype = forms.CharField(label=_("Subtype"), max_length=60, required=False)
    location = forms.CharField(label=_("Location"), max_length=200, required=False)
    lon = forms.CharField(label=_("Longitude"), required=False)
    lat = forms.CharField(label=_("Latitude"), required=False)
    building = forms.ModelChoiceField(
        label=_("Building"), queryset=Building.objects.none(), required=False
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    responsible_unit = forms.ModelChoiceField(
        label=_("Responsible unit"), queryset=Unit.objects.none(), required=False
    )
    responsible_person = forms.CharField(
        label=_("Responsible person"), max_length=40, required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    field_order = [
        "name",
        "area",
        "hazard_class",
        "subtype",
        "location",
        "building",
        "lon",
        "lat",
        "description",
        "responsible_unit",
        "responsible_person",
    ]

    def __init__(self, *args: Any, user: Any, editing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        areas = Area.objects.visible_to(user, Perm.MANAGE_RISKS).filter(
            level__in=[Level.STREET, Level.COMMUNITY, Level.GRID]
        )
        self.fields["area"].queryset = areas.order_by("code")  # type: ignore[attr-defined]
        self.fields["building"].queryset = (  # type: ignore[attr-defined]
            Building.objects.visible_to(user, Perm.MANAGE_RISKS).order_by("grid__code", "name")
        )
        self.fields["responsible_unit"].queryset = (  # type: ignore[attr-defined]
            Unit.objects.visible_to(user).order_by("name")
        )
        if editing:
            del self.fields["area"]
        for field in self.fields.values():
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)
        self.fields["subtype"].widget.attrs["list"] = "subtype-choices"


class ReviewForm(RatingForm):
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 2}))
    controlled = forms.ChoiceField(
        label=_("Status after the review"),
        required=False,
        choices=[
            ("", _("Unchanged")),
            ("yes", _("Under control")),
            ("no", _("Open (not yet under control)")),
        ],
    )


class EscalateForm(forms.Form):
    note = forms.CharField(label=_("Why it cannot be resolved locally"), widget=forms.Textarea)
    category = forms.ChoiceField(label=_("Case category"), required=False)

    def __init__(self, *args: Any, categories: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", _("Default for the hazard class")), *categories]
        self.fields["category"].choices = choices  # type: ignore[attr-defined]


class ControlForm(forms.Form):
    measure = forms.CharField(label=_("Control measure"), max_length=300)
    owner = forms.CharField(label=_("Owner"), max_length=60, required=False)
    state = forms.ChoiceField(
        label=_("State"), choices=ControlState.choices, initial=ControlState.PLANNED
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), widget=forms.Textarea)
