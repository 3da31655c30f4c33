"""Writes to the category tree and its time limits. Categories are global: only an editor of
the whole tree (EDIT_DUTIES on a district, or a superuser) changes them. Keyword-only, atomic,
each change logged; bad input raises ValidationFailed naming the field and writes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.registers import rules
from resigrid.registers.audit import clean_text, fail, log_change
from resigrid.registers.choices import CategoryKind, Priority
from resigrid.registers.models import Category, Deadline, RegisterChange
from resigrid.registers.permissions import can_edit_categories
from resigrid.registers.reads import StageMinutes

STAGES = ("accept", "dispatch", "handle", "verify")
CATEGORY_FIELDS = frozenset({"code", "parent", "name", "kind", "description", "keywords", "sort"})


# Categories ---------------------------------------------------------------------------------


def _require_category_editor(actor: Any) -> None:
    if not can_edit_categories(actor):
        raise PermissionDeniedError(
            _("Only editors of the whole category tree may change categories and time limits.")
        )


def _descendant_ids(category: Category) -> set[int]:
    found: set[int] = set()
    frontier = [category.pk]
    while frontier:
        frontier = list(
            Category.objects.filter(parent_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(frontier)
    return found


def _check_placement(
    code: str, parent: Category | None, kind: str, category: Category | None = None
) -> None:
    if kind not in CategoryKind.values:
        raise fail("kind", _("Unknown kind of category: %(kind)s.") % {"kind": kind})
    problem = rules.code_error(code)
    if problem:
        raise fail("code", problem)
    if (
        category is not None
        and parent is not None
        and (parent.pk == category.pk or parent.pk in _descendant_ids(category))
    ):
        raise fail("parent", _("A category cannot be placed under itself or its subcategories."))
    expected = rules.parent_code(code)
    if expected is None:
        if parent is not None:
            raise fail(
                "parent",
                _("%(code)s is a top-level code; it cannot have a parent category.")
                % {"code": code},
            )
        return
    if parent is None:
        raise fail(
            "parent",
            _("The category %(code)s belongs under %(parent)s.")
            % {"code": code, "parent": expected},
        )
    if parent.code != expected:
        raise fail(
            "parent",
            _("The parent of %(code)s must be %(expected)s, not %(given)s.")
            % {"code": code, "expected": expected, "given": parent.code},
        )
    if not parent.active:
        raise fail("parent", _("The parent category %(code)s is inactive.") % {"code": parent.code})
    if kind != parent.kind:
        raise fail(
            "kind",
            _("A subcategory has the kind of its parent (%(kind)s).")
            % {"kind": CategoryKind(parent.kind).label},
        )


def _sort(value: int) -> int:
    if not 0 <= value <= 32767:
        raise fail("sort", _("The order must be between 0 and 32767."))
    return value


def _code_taken(code: str, exclude: int | None = None) -> ValidationFailed | None:
    qs = Category.objects.filter(code=code)
    if exclude is not None:
        qs = qs.exclude(pk=exclude)
    if qs.exists():
        return fail("code", _("A category with the code %(code)s already exists.") % {"code": code})
    return None


def create_category(
    *,
    actor: Any,
    code: str,
    name: str,
    kind: str,
    parent: Category | None = None,
    description: str = "",
    keywords: str = "",
    sort: int = 0,
) -> Category:
    _require_category_editor(actor)
    code = (code or "").strip()
    name = clean_text("name", name, 80, required=True)
    description = clean_text("description", description, 2000)
    keywords = clean_text("keywords", keywords, 200)
    with transaction.atomic():
        if parent is not None:  # read afresh and hold: a parent deactivated meanwhile counts
            parent = Category.objects.select_for_update().get(pk=parent.pk)
        _check_placement(code, parent, kind)
        taken = _code_taken(code)
        if taken:
            raise taken
        try:
            with transaction.atomic():
                category = Category.objects.create(
                    code=code,
                    name=name,
                    kind=kind,
                    parent=parent,
                    description=description,
                    keywords=keywords,
                    sort=_sort(sort),
                )
        except IntegrityError as exc:  # a concurrent create of the same code
            raise fail(
                "code", _("A category with the code %(code)s already exists.") % {"code": code}
            ) from exc
        log_change(
            actor=actor,
            subject=RegisterChange.Subject.CATEGORY,
            object_id=category.pk,
            label=str(category),
            action=RegisterChange.Action.CREATED,
            changes={"code": code, "name": name, "kind": kind, "parent": parent and parent.code},
        )
        return category


def update_category(*, actor: Any, category: Category, changes: Mapping[str, Any]) -> Category:
    """Change name, kind, description, keywords, order, or code with parent. A category with
    subcategories keeps its code; a new kind of a top-level category passes to its subtree."""
    unknown = set(changes) - CATEGORY_FIELDS
    if unknown:
        raise fail(sorted(unknown)[0], _("This field cannot be changed."))
    _require_category_editor(actor)
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        code = (changes.get("code", category.code) or "").strip()
        parent = changes.get("parent", category.parent)
        if parent is not None:
            parent = Category.objects.select_for_update().get(pk=parent.pk)
        kind = changes.get("kind", category.kind)
        _check_placement(code, parent, kind, category)
        descendants = _descendant_ids(category)
        if code != category.code:
            if descendants:
                raise fail("code", _("A category with subcategories keeps its code."))
            taken = _code_taken(code, exclude=category.pk)
            if taken:
                raise taken
        before = {
            "code": category.code,
            "parent": category.parent.code if category.parent else None,
            "name": category.name,
            "kind": category.kind,
            "description": category.description,
            "keywords": category.keywords,
            "sort": category.sort,
        }
        category.code, category.parent, category.kind = code, parent, kind
        if "name" in changes:
            category.name = clean_text("name", changes["name"], 80, required=True)
        if "description" in changes:
            category.description = clean_text("description", changes["description"], 2000)
        if "keywords" in changes:
            category.keywords = clean_text("keywords", changes["keywords"], 200)
        if "sort" in changes:
            category.sort = _sort(int(changes["sort"]))
        try:
            with transaction.atomic():
                category.save()
        except IntegrityError as exc:
            raise fail(
                "code", _("A category with the code %(code)s already exists.") % {"code": code}
            ) from exc
        if kind != before["kind"] and descendants:
            Category.objects.filter(pk__in=descendants).update(kind=kind)
        after = {
            "code": category.code,
            "parent": parent.code if parent else None,
            "name": category.name,
            "kind": category.kind,
            "description": category.description,
            "keywords": category.keywords,
            "sort": category.sort,
        }
        diff = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if diff:
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.CATEGORY,
                object_id=category.pk,
                label=str(category),
                action=RegisterChange.Action.UPDATED,
                changes=diff,
            )
        return category


def deactivate_category(*, actor: Any, category: Category) -> Category:
    """New cases can no longer pick it; refused while it has active subcategories."""
    _require_category_editor(actor)
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        active_children = list(
            category.children.filter(active=True).order_by("code").values_list("code", flat=True)
        )
        if active_children:
            raise fail(
                "active",
                _("Deactivate its active subcategories first: %(codes)s.")
                % {"codes": ", ".join(active_children)},
            )
        if category.active:
            category.active = False
            category.save(update_fields=["active", "updated_at"])
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.CATEGORY,
                object_id=category.pk,
                label=str(category),
                action=RegisterChange.Action.DEACTIVATED,
                changes={"active": [True, False]},
            )
        return category


def reactivate_category(*, actor: Any, category: Category) -> Category:
    _require_category_editor(actor)
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        parent = category.parent
        if parent is not None and not parent.active:
            raise fail(
                "parent",
                _("The parent category %(code)s is inactive.") % {"code": parent.code},
            )
        if not category.active:
            category.active = True
            category.save(update_fields=["active", "updated_at"])
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.CATEGORY,
                object_id=category.pk,
                label=str(category),
                action=RegisterChange.Action.REACTIVATED,
                changes={"active": [False, True]},
            )
        return category


# Time limits --------------------------------------------------------------------------------


def _check_limits(limits: Mapping[str, StageMinutes | None], prefix: bool) -> None:
    for priority, minutes in limits.items():
        if priority not in Priority.values:
            raise fail("priority", _("Unknown priority: %(p)s.") % {"p": priority})
        if minutes is None:
            continue
        for stage in STAGES:
            value = getattr(minutes, stage)
            problem = rules.minutes_error(value)
            if problem:
                raise fail(f"{priority}.{stage}" if prefix else f"{stage}_minutes", problem)


def set_deadlines(
    *, actor: Any, category: Category, limits: Mapping[str, StageMinutes | None]
) -> None:
    """Set (or with None, remove so that it inherits) the time limits of the given priorities."""
    _require_category_editor(actor)
    _check_limits(limits, prefix=True)
    _write_limits(actor, category, limits)


def set_deadline(
    *,
    actor: Any,
    category: Category,
    priority: str,
    accept_minutes: int,
    dispatch_minutes: int,
    handle_minutes: int,
    verify_minutes: int,
) -> Deadline:
    _require_category_editor(actor)
    minutes = StageMinutes(accept_minutes, dispatch_minutes, handle_minutes, verify_minutes)
    _check_limits({priority: minutes}, prefix=False)
    _write_limits(actor, category, {priority: minutes})
    return Deadline.objects.get(category=category, priority=priority)


def clear_deadline(*, actor: Any, category: Category, priority: str) -> None:
    """Remove the category's own limits for `priority`: it inherits its parent's again."""
    set_deadlines(actor=actor, category=category, limits={priority: None})


def _as_list(row: Deadline | None) -> list[int] | None:
    if row is None:
        return None
    return [row.accept_minutes, row.dispatch_minutes, row.handle_minutes, row.verify_minutes]


def _write_limits(
    actor: Any, category: Category, limits: Mapping[str, StageMinutes | None]
) -> None:
    with transaction.atomic():
        category = Category.objects.select_for_update().get(pk=category.pk)
        current = {d.priority: d for d in Deadline.objects.filter(category=category)}
        diff: dict[str, Any] = {}
        for priority, minutes in limits.items():
            row = current.get(priority)
            old = _as_list(row)
            if minutes is None:
                if row is not None:
                    row.delete()
                    diff[priority] = [old, None]
                continue
            new = [minutes.accept, minutes.dispatch, minutes.handle, minutes.verify]
            if old == new:
                continue
            Deadline.objects.update_or_create(
                category=category,
                priority=priority,
                defaults={f"{s}_minutes": v for s, v in zip(STAGES, new, strict=True)},
            )
            diff[priority] = [old, new]
        if diff:
            log_change(
                actor=actor,
                subject=RegisterChange.Subject.DEADLINE,
                object_id=category.pk,
                label=str(category),
                action=RegisterChange.Action.UPDATED,
                changes=diff,
            )
