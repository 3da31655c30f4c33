"""Shared pieces of the case pages: labels for log rows, timeline rows, photos served through
permission checks, and small lookups. Reads only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import FileResponse, Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from resigrid.accounts.roles import Perm
from resigrid.areas.models import scope_prefixes
from resigrid.cases.choices import PhotoStage, Rating
from resigrid.cases.models import Case, CaseLog, CasePhoto
from resigrid.cases.workflow import OPEN_STATES, Action, State
from resigrid.orgs.models import units_of
from resigrid.registers.models import Category

# Log rows that are events rather than workflow moves (see services, coordination, sweeper).
EVENT_LABELS = {
    "report": gettext_lazy("Reported"),
    "whistle": gettext_lazy("Whistle blown (吹哨)"),
    "answer": gettext_lazy("Whistle answered (报到)"),
    "whistle_late": gettext_lazy("Whistle not answered in time"),
    "escalate": gettext_lazy("Overdue: escalated (督办)"),
    "request_postpone": gettext_lazy("Postponement requested"),
    "request_suspend": gettext_lazy("Suspension requested"),
    "request_reopen": gettext_lazy("Reopening requested"),
    "approve_postpone": gettext_lazy("Postponement approved"),
    "deny_postpone": gettext_lazy("Postponement refused"),
    "approve_suspend": gettext_lazy("Suspension approved"),
    "deny_suspend": gettext_lazy("Suspension refused"),
    "approve_reopen": gettext_lazy("Reopening approved"),
    "deny_reopen": gettext_lazy("Reopening refused"),
    "resume": gettext_lazy("Resumed after suspension"),
    "merged_in": gettext_lazy("A duplicate was merged into this case"),
}

# Photo stages a reporter (or anyone holding the tracking code) may see.
PUBLIC_PHOTO_STAGES = (PhotoStage.REPORT, PhotoStage.RESULT)


def action_label(action: str) -> str:
    if action in Action.values:
        return str(Action(action).label)
    return str(EVENT_LABELS.get(action, action))


def state_label(state: str) -> str:
    return str(State(state).label) if state in State.values else state


def rating_label(rating: str) -> str:
    return str(Rating(rating).label) if rating in Rating.values else ""


@dataclass(frozen=True)
class TimelineRow:
    at: dt.datetime
    action: str
    label: str
    note: str
    actor: str
    from_state: str
    to_state: str
    public: bool


def timeline(rows: list[CaseLog], *, with_actor: bool) -> list[TimelineRow]:
    out = []
    for row in rows:
        actor = ""
        if with_actor:
            actor = row.actor.display_name if row.actor is not None else _("system")
        # Staff read the move (Accept, Dispatch…); the reporter reads where the case now is.
        if with_actor or not row.to_state:
            label = action_label(row.action)
        else:
            label = state_label(row.to_state)
        out.append(
            TimelineRow(
                at=row.at,
                action=row.action,
                label=label,
                note=row.note,
                actor=actor,
                from_state=state_label(row.from_state) if row.from_state else "",
                to_state=state_label(row.to_state) if row.to_state else "",
                public=row.public,
            )
        )
    return out


def is_overdue(case: Case, now: dt.datetime | None = None) -> bool:
    now = now or timezone.now()
    return bool(
        case.state in OPEN_STATES
        and case.suspended_at is None
        and case.stage_due is not None
        and case.stage_due < now
    )


def staff_scope(user: Any) -> dict[str, bool]:
    """What the user may do with cases anywhere: the basis of tabs, menus and page access."""
    return {
        "view": scope_prefixes(user, Perm.VIEW_CASES) != [],
        "manage": scope_prefixes(user, Perm.MANAGE_CASES) != [],
        "verify": scope_prefixes(user, Perm.VERIFY_CASES) != [],
        "unit": units_of(user).exists(),
    }


def is_staff_viewer(user: Any, case: Case) -> bool:
    """True when the user sees the case as staff (area scope or a unit involved), not merely as
    its reporter."""
    from resigrid.areas.permissions import covers

    if covers(user, case.grid.code, Perm.VIEW_CASES):
        return True
    return (
        Case.objects.filter(pk=case.pk)
        .filter(
            Q(lead_unit__accounts__user=user)
            | Q(support_units__accounts__user=user)
            | Q(whistles__unit__accounts__user=user)
        )
        .exists()
    )


def grouped_categories(with_blank: bool = False) -> list[tuple[str, Any]]:
    """Leaf categories grouped under their top-level category, for a <select>."""
    leaves = list(Category.objects.leaves().order_by("code"))
    roots = {
        c.code: c.name
        for c in Category.objects.filter(
            parent__isnull=True, code__in={leaf_root(c.code) for c in leaves}
        )
    }
    groups: dict[str, list[tuple[str, str]]] = {}
    for leaf in leaves:
        root = leaf_root(leaf.code)
        groups.setdefault(root, []).append((leaf.code, f"{leaf.name}"))
    choices: list[tuple[str, Any]] = [("", "—")] if with_blank else []
    for root, items in groups.items():
        choices.append((f"{root} {roots.get(root, root)}", items))
    return choices


def leaf_root(code: str) -> str:
    return code.split(".", 1)[0]


def photo_response(photo: CasePhoto) -> FileResponse:
    try:
        handle = photo.file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404(_("No such photo.")) from None
    response = FileResponse(handle, content_type=photo.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    return response


def photo_groups(case: Case, stages: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    """The case's photos grouped by stage, in stage order: [{stage, label, photos}]."""
    photos = list(case.photos.all())
    out = []
    for stage in PhotoStage:
        if stages is not None and stage not in stages:
            continue
        rows = [p for p in photos if p.stage == stage]
        if rows:
            out.append({"stage": stage.value, "label": stage.label, "photos": rows})
    return out


def client_page(request: HttpRequest) -> str | None:
    value = request.GET.get("page")
    return value if value and value.isdigit() else None
