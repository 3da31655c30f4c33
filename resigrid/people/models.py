"""Households and residents. The foundation holds what the demo and the maps need; the registry
issue adds identity documents, contacts, vulnerability and carers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, Building, code_scope_q, scope_prefixes
from resigrid.core.models import TimeStampedModel

if TYPE_CHECKING:
    from resigrid.accounts.models import User


class HouseholdQuerySet(models.QuerySet["Household"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> HouseholdQuerySet:
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return self.all()
        return self.filter(code_scope_q(prefixes, "grid__code"))


class Household(TimeStampedModel):
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="household_set", verbose_name=_("grid")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="household_set",
        verbose_name=_("building"),
    )
    room = models.CharField(_("room"), max_length=32, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")

    def __str__(self) -> str:
        return f"{self.building or self.grid} {self.room}".strip()


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_PEOPLE) -> PersonQuerySet:
        prefixes = scope_prefixes(user, perm)
        if prefixes is None:
            return self.all()
        return self.filter(code_scope_q(prefixes, "grid__code"))


class Person(TimeStampedModel):
    class Sex(models.TextChoices):
        MALE = "M", _("Male")
        FEMALE = "F", _("Female")

    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="members", verbose_name=_("household")
    )
    # Denormalised from the household so that scope filters need one join, not two.
    grid = models.ForeignKey(
        Area, on_delete=models.PROTECT, related_name="person_set", verbose_name=_("grid")
    )
    name = models.CharField(_("name"), max_length=64)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"))
    is_head = models.BooleanField(_("head of household"), default=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.name
