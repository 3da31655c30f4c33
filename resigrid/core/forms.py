"""A form base that gives every widget its Bootstrap 5 class, so pages need no per-field markup."""

from __future__ import annotations

from typing import Any

from django import forms


def bootstrap_class(widget: forms.Widget) -> str | None:
    # Radio and checkbox lists keep Django's own markup (a list of labelled inputs).
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return None
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select):
        return "form-select"
    return "form-control"


class BootstrapForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = field.widget.attrs.get("class", "")
            wanted = bootstrap_class(field.widget)
            if wanted is not None and wanted not in css.split():
                field.widget.attrs["class"] = f"{css} {wanted}".strip()
