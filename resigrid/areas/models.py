"""The area tree (district → street → community → grid) and the buildings inside grids."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.roles import Perm, roles_granting
from resigrid.areas.codes import PREFIX_LENGTH, Level
from resigrid.core.models import TimeStampedModel

if TYPE_CHECKING:
    from resigrid.accounts.models import User


def scope_prefixes(user: User | Any, perm: Perm = Perm.VIEW_AREA) -> list[str] | None:
    """Code prefixes of the subtrees where `user` holds `perm`; None means everywhere."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    if user.is_superuser:
        return None
    bindings = user.role_bindings.filter(role__in=roles_granting(perm)).values_list(
        "area__code", "area__level"
    )
    return sorted({code[: PREFIX_LENGTH[Level(level)]] for code, level in bindings})


def code_scope_q(prefixes: list[str], field: str = "code") -> Q:
    """A Q matching codes in any of the subtrees; matches nothing for an empty list."""
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(**{f"{field}__startswith": p})
    return q


_QS = TypeVar("_QS", bound=models.QuerySet[Any])


def restrict_to_scope(qs: _QS, user: User | Any, perm: Perm, *code_fields: str) -> _QS:
    """The rows whose area code (through any of `code_fields`) lies in the user's scope.

    Every app's `visible_to` is this one filter with its own path to an area code.
    """
    prefixes = scope_prefixes(user, perm)
    if prefixes is None:
        return qs.all()
    q = Q(pk__in=[])
    for field in code_fields:
        q |= code_scope_q(prefixes, field)
    return qs.filter(q)


class AreaQuerySet(models.QuerySet["Area"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_AREA) -> AreaQuerySet:
        return restrict_to_scope(self, user, perm, "code")

    def subtree(self, area: Area) -> AreaQuerySet:
        return self.filter(code__startswith=area.scope_prefix)

    def grids(self) -> AreaQuerySet:
        return self.filter(level=Level.GRID)


class Area(TimeStampedModel):
    class GridKind(models.TextChoices):
        COMPREHENSIVE = "comprehensive", _("Comprehensive grid")
        SPECIAL = "special", _("Special grid (hospital, school, park, large unit)")

    code = models.CharField(_("code"), max_length=15, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("parent"),
    )
    grid_kind = models.CharField(
        _("grid kind"), max_length=16, choices=GridKind.choices, blank=True
    )
    # GeoJSON geometry (Polygon or MultiPolygon), WGS84 lon/lat.
    boundary = models.JSONField(_("boundary"), null=True, blank=True)
    population = models.PositiveIntegerField(_("population"), default=0)
    households = models.PositiveIntegerField(_("households"), default=0)
    # Derived from the boundary when it is saved through the services (for maps and bbox filters).
    centroid_lon = models.FloatField(_("centroid longitude"), null=True, blank=True)
    centroid_lat = models.FloatField(_("centroid latitude"), null=True, blank=True)
    area_m2 = models.FloatField(_("area (m²)"), null=True, blank=True)

    objects = AreaQuerySet.as_manager()

    if TYPE_CHECKING:
        children: models.Manager[Area]

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(level="district", parent__isnull=True)
                | (~Q(level="district") & Q(parent__isnull=False)),
                name="area_root_is_district",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"

    @property
    def scope_prefix(self) -> str:
        return self.code[: PREFIX_LENGTH[Level(self.level)]]

    def is_within(self, other: Area) -> bool:
        """True when this area is `other` or lies below it."""
        return self.code.startswith(other.scope_prefix)


class BuildingQuerySet(models.QuerySet["Building"]):
    def visible_to(self, user: User | Any, perm: Perm = Perm.VIEW_AREA) -> BuildingQuerySet:
        return restrict_to_scope(self, user, perm, "grid__code")


class Building(TimeStampedModel):
    grid = models.ForeignKey(
        Area,
        on_delete=models.PROTECT,
        related_name="buildings",
        limit_choices_to={"level": Level.GRID},
        verbose_name=_("grid"),
    )
    name = models.CharField(_("name"), max_length=100)
    address = models.CharField(_("address"), max_length=200, blank=True)
    lon = models.FloatField(_("longitude"))
    lat = models.FloatField(_("latitude"))
    floors = models.PositiveSmallIntegerField(_("floors"), default=1)
    households = models.PositiveIntegerField(_("households"), default=0)

    objects = BuildingQuerySet.as_manager()

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["grid", "name"]
        constraints = [
            models.UniqueConstraint(fields=["grid", "name"], name="uniq_building_name_in_grid"),
            models.CheckConstraint(
                condition=Q(lon__gte=-180, lon__lte=180, lat__gte=-90, lat__lte=90),
                name="building_lonlat_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class AreaChange(models.Model):
    """Audit row for every write to the area tree: who changed which fields, from what to what.

    Boundaries are recorded by their area in m² (old → new), not as whole geometries.
    """

    class Action(models.TextChoices):
        CREATED = "created", _("Created")
        UPDATED = "updated", _("Updated")
        IMPORTED = "imported", _("Imported")
        BUILDING_ADDED = "building_added", _("Building added")

    area = models.ForeignKey(
        Area, on_delete=models.CASCADE, related_name="changes", verbose_name=_("area")
    )
    actor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=16, choices=Action.choices)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("area change")
        verbose_name_plural = _("area changes")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.area_id} {self.action} {self.at:%Y-%m-%d %H:%M}"
