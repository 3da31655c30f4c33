"""Template filters that show a stored choice code as its translated label."""

from __future__ import annotations

from django import template
from django.db import models

from resigrid.people.choices import DisabilityCategory, Need, Skill, Tag
from resigrid.people.models import Person

register = template.Library()


def _label(choices: type[models.TextChoices], value: object) -> str:
    if not isinstance(value, str):
        return "" if value is None else str(value)
    try:
        return str(choices(value).label)
    except ValueError:
        return "" if value is None else str(value)


@register.filter
def tag_label(value: object) -> str:
    return _label(Tag, value)


@register.filter
def need_label(value: object) -> str:
    return _label(Need, value)


@register.filter
def skill_label(value: object) -> str:
    return _label(Skill, value)


@register.filter
def disability_label(value: object) -> str:
    return _label(DisabilityCategory, value)


@register.filter
def sex_label(value: object) -> str:
    return _label(Person.Sex, value)
