"""The case detail page for staff and units: every field, photos by stage, the full log, the
map, whistles, requests, and a form for each move the user may make now. The forms post to
`act`, which calls the service with the state the user saw (a case that moved on meanwhile is
reloaded with a message, never a 500)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from resigrid.areas.maps import tile_layers
from resigrid.cases import coordination, permissions, services
from resigrid.cases.choices import RequestKind
from resigrid.cases.forms import (
    AcceptForm,
    AnswerForm,
    ChangeRequestForm,
    DecideForm,
    DispatchForm,
    HandleForm,
    MergeForm,
    MoveForm,
    NoteMoveForm,
    ReasonForm,
    VerifyForm,
    WhistleForm,
)
from resigrid.cases.models import Case, CaseRequest, Whistle
from resigrid.cases.views_common import (
    is_overdue,
    is_staff_viewer,
    photo_groups,
    rating_label,
    timeline,
)
from resigrid.cases.views_public import apply_errors, moved_on
from resigrid.cases.workflow import OPEN_STATES, Action, State, allowed_actions
from resigrid.core import pii
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.choices import UnitKind
from resigrid.orgs.models import Unit
from resigrid.registers.reads import area_chain, explain

MAX_UNITS = 300


@dataclass(frozen=True)
class Move:
    title: str | Promise
    button: str | Promise
    form: type[MoveForm]
    primary: bool = True
    style: str = "primary"


MOVES: dict[str, Move] = {
    "accept": Move(gettext_lazy("Accept (受理)"), gettext_lazy("Accept"), AcceptForm),
    "register": Move(gettext_lazy("Register (立案)"), gettext_lazy("Register"), NoteMoveForm),
    "dispatch": Move(gettext_lazy("Dispatch (派遣)"), gettext_lazy("Dispatch"), DispatchForm),
    "start": Move(gettext_lazy("Start handling"), gettext_lazy("Start"), NoteMoveForm),
    "handle": Move(
        gettext_lazy("Report the result"), gettext_lazy("Report the result"), HandleForm
    ),
    "verify": Move(
        gettext_lazy("Verify on site (核查)"), gettext_lazy("Record the check"), VerifyForm
    ),
    "close": Move(gettext_lazy("Close (结案)"), gettext_lazy("Close the case"), NoteMoveForm),
    "reject": Move(
        gettext_lazy("Do not accept (不予受理)"),
        gettext_lazy("Do not accept"),
        ReasonForm,
        primary=False,
        style="danger",
    ),
    "return": Move(
        gettext_lazy("Return: not ours (回退)"),
        gettext_lazy("Return the case"),
        ReasonForm,
        primary=False,
        style="warning",
    ),
    "request": Move(
        gettext_lazy("Ask for more time or a suspension"),
        gettext_lazy("Send the request"),
        ChangeRequestForm,
        primary=False,
        style="secondary",
    ),
    "resume": Move(
        gettext_lazy("Resume the clock"),
        gettext_lazy("Resume"),
        NoteMoveForm,
        primary=False,
        style="secondary",
    ),
    "whistle": Move(
        gettext_lazy("Blow the whistle (吹哨)"),
        gettext_lazy("Summon the unit"),
        WhistleForm,
        primary=False,
        style="warning",
    ),
    "merge": Move(
        gettext_lazy("Merge as a duplicate"),
        gettext_lazy("Merge"),
        MergeForm,
        primary=False,
        style="secondary",
    ),
    "decide": Move(gettext_lazy("Decide the request"), gettext_lazy("Approve"), DecideForm),
    "answer": Move(gettext_lazy("Answer the whistle (报到)"), gettext_lazy("Answer"), AnswerForm),
}
# Moves that act on one request or whistle of the case (the URL names it).
ITEM_MOVES = frozenset({"decide", "answer"})
# Service field names → form field names.
FIELD_NAMES: dict[str, str | None] = {"extra_minutes": "extra_hours", "kind": "kind"}
_TABLE = {
    Action.ACCEPT: "accept",
    Action.REJECT: "reject",
    Action.REGISTER: "register",
    Action.DISPATCH: "dispatch",
    Action.CLOSE: "close",
    Action.MERGE: "merge",
}
_HANDLER_TABLE = {Action.START: "start", Action.HANDLE: "handle", Action.RETURN: "return"}


def case_or_404(request: HttpRequest, pk: int) -> Case:
    case = (
        Case.objects.visible_to(request.user)
        .select_related(
            "category", "grid", "lead_unit", "reporter", "handled_by", "verified_by", "merged_into"
        )
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404(_("No such case."))
    return case


def allowed_moves(user: Any, case: Case) -> list[str]:
    """The moves the workflow table allows now ∩ what the user may do. Handling moves are shown
    to the accounts of the lead unit (the community acts through the API if it must)."""
    state = State(case.state)
    table = set(allowed_actions(state))
    moves: set[str] = set()
    if permissions.can_manage(user, case):
        moves |= {key for action, key in _TABLE.items() if action in table}
        if state in OPEN_STATES:
            moves.add("whistle")
        if case.suspended_at is not None:
            moves.add("resume")
    if permissions.acts_for(user, case.lead_unit_id):
        moves |= {key for action, key in _HANDLER_TABLE.items() if action in table}
        if state in (State.DISPATCHED, State.IN_PROGRESS):
            moves.add("request")
    if Action.VERIFY_PASS in table and permissions.can_verify(user, case):
        moves.add("verify")
    return [key for key in MOVES if key in moves]


def _unit_choices(units: Any) -> list[tuple[int, str]]:
    return [(u.pk, f"{u.name} · {u.get_kind_display()}") for u in units[:MAX_UNITS]]


def dispatch_units(case: Case) -> list[tuple[int, str]]:
    """Units a case may go to: those of the grid's area chain and of its community."""
    chain = area_chain(case.grid)
    community = chain[1] if len(chain) > 1 else chain[0]
    units = Unit.objects.filter(
        Q(area__in=chain) | Q(area__code__startswith=community.scope_prefix)
    ).order_by("kind", "name", "pk")
    return _unit_choices(units)


def whistle_units(case: Case) -> list[tuple[int, str]]:
    """Government units (street offices, district departments) above the case's grid."""
    units = Unit.objects.filter(area__in=area_chain(case.grid), kind=UnitKind.GOVERNMENT)
    return _unit_choices(units.order_by("area__code", "name", "pk"))


def make_form(
    key: str, case: Case, data: Any = None, files: Any = None, item: int | None = None
) -> MoveForm:
    move = MOVES[key]
    prefix = f"{key}-{item}" if item is not None else key
    initial: dict[str, Any] = {"expected": case.state}
    kwargs: dict[str, Any] = {}
    if key == "dispatch":
        kwargs["units"] = dispatch_units(case)
        suggested = explain(case.category, case.grid).route
        if suggested.lead_unit is not None:
            initial["lead_unit"] = suggested.lead_unit.pk
            initial["support_units"] = [u.pk for u in suggested.support_units]
            known = {pk for pk, _label in kwargs["units"]}
            extra = [suggested.lead_unit, *suggested.support_units]
            kwargs["units"] += [
                (u.pk, f"{u.name} · {u.get_kind_display()}") for u in extra if u.pk not in known
            ]
    elif key == "whistle":
        kwargs["units"] = whistle_units(case)
    elif key == "request":
        kwargs["suspended"] = case.suspended_at is not None
    return move.form(data, files, prefix=prefix, initial=initial, **kwargs)


def _card(
    key: str, form: MoveForm, item: int | None = None, failed: bool = False
) -> dict[str, Any]:
    move = MOVES[key]
    return {
        "key": key,
        "item": item,
        "title": move.title,
        "button": move.button,
        "style": move.style,
        "open": move.primary or failed,
        "form": form,
        "failed": failed,
    }


def detail_context(
    request: HttpRequest, case: Case, failed: tuple[str, int | None, MoveForm] | None = None
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    bound_key, bound_item, bound_form = failed or ("", None, None)

    def form_for(key: str, item: int | None = None) -> dict[str, Any]:
        if bound_form is not None and key == bound_key and item == bound_item:
            return _card(key, bound_form, item, failed=True)
        return _card(key, make_form(key, case, item=item), item)

    keys = allowed_moves(user, case)
    if bound_form is not None and bound_key not in ITEM_MOVES and bound_key not in keys:
        keys.append(bound_key)  # a refused move stays on the page with its errors
    cards = [form_for(key) for key in keys]
    manage = permissions.can_manage(user, case)
    requests = []
    for row in case.requests.select_related("requested_by", "decided_by").order_by("requested_at"):
        requests.append(
            {
                "row": row,
                "kind": RequestKind(row.kind).label if row.kind in RequestKind.values else row.kind,
                "card": form_for("decide", row.pk) if manage and row.approved is None else None,
            }
        )
    whistles = []
    for w in case.whistles.select_related("unit", "summoned_by", "answered_by"):
        late = (w.answered_at or now) > w.due_at
        answer = None
        if w.answered_at is None and permissions.can_answer(user, w):
            answer = form_for("answer", w.pk)
        whistles.append({"row": w, "late": late, "card": answer})
    phone = ""
    if case.contact_phone_enc:
        try:
            phone = pii.mask_phone(pii.decrypt(case.contact_phone_enc))
        except ValueError:
            phone = "***"
    log = list(case.log.select_related("actor"))
    return {
        "case": case,
        "overdue": is_overdue(case, now),
        "max_photos": settings.CASE_PHOTO_MAX_COUNT,
        "cards": cards,
        "requests": requests,
        "whistles": whistles,
        "timeline": timeline(log, with_actor=True),
        "photos": photo_groups(case),
        "support_units": list(case.support_units.order_by("name")),
        "contact_phone": phone,
        "rating_label": rating_label(case.rating),
        "route": explain(case.category, case.grid).text
        if any(c["key"] == "dispatch" for c in cards)
        else "",
        "map_config": {
            "point": [case.lat, case.lon],
            "tiles": tile_layers(),
            "label": case.number,
        },
    }


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = case_or_404(request, pk)
    if not is_staff_viewer(request.user, case):
        # The reporter follows their case on the tracking page (public steps only).
        return redirect("cases:track", code=case.tracking_code)
    return render(request, "cases/case_detail.html", detail_context(request, case))


def _item(case: Case, key: str, item: int | None) -> CaseRequest | Whistle | None:
    if key not in ITEM_MOVES or item is None:
        if item is not None or key in ITEM_MOVES:
            raise Http404(_("No such action."))
        return None
    if key == "decide":
        found: CaseRequest | Whistle | None = case.requests.filter(pk=item).first()
    else:
        found = case.whistles.filter(pk=item).first()
    if found is None:
        raise Http404(_("No such request or whistle."))
    return found


def _run(request: HttpRequest, key: str, case: Case, form: MoveForm, item: int | None) -> None:
    user, pk = request.user, case.pk
    d = form.cleaned_data
    expected = d["expected"]
    if expected != case.state:
        current = State(case.state).label
        raise ConflictError(
            _("The case is now “%(state)s”.") % {"state": current}, state=case.state
        )
    note = d.get("note", "")
    if key == "accept":
        services.accept(
            actor=user, case_id=pk, note=note, register=d["register"], expected=expected
        )
    elif key == "reject":
        services.reject(actor=user, case_id=pk, reason=d["reason"], expected=expected)
    elif key == "register":
        services.register(actor=user, case_id=pk, note=note, expected=expected)
    elif key == "dispatch":
        services.dispatch(
            actor=user,
            case_id=pk,
            lead_unit_id=d["lead_unit"],
            support_unit_ids=d["support_units"],
            note=note,
            expected=expected,
        )
    elif key == "return":
        services.return_case(actor=user, case_id=pk, reason=d["reason"], expected=expected)
    elif key == "start":
        services.start(actor=user, case_id=pk, note=note, expected=expected)
    elif key == "handle":
        services.handle(
            actor=user, case_id=pk, result=d["result"], photos=d["photos"], expected=expected
        )
    elif key == "verify":
        services.verify(
            actor=user,
            case_id=pk,
            passed=d["outcome"] == "pass",
            note=note,
            photos=d["photos"],
            expected=expected,
        )
    elif key == "close":
        services.close(actor=user, case_id=pk, note=note, expected=expected)
    elif key == "merge":
        if not Case.objects.visible_to(user).filter(pk=d["into"]).exists():
            raise ValidationFailed(_("No such case."), field="into")
        coordination.merge(actor=user, case_id=pk, into_id=d["into"], note=note, expected=expected)
    elif key == "whistle":
        coordination.whistle(
            actor=user,
            case_id=pk,
            unit_id=d["unit"],
            reason=d["reason"],
            answer_minutes=d["answer_minutes"],
        )
    elif key == "request":
        hours = d.get("extra_hours")
        coordination.request_change(
            actor=user,
            case_id=pk,
            kind=d["kind"],
            reason=d["reason"],
            extra_minutes=hours * 60 if hours else None,
        )
    elif key == "resume":
        coordination.resume(actor=user, case_id=pk, note=note)
    elif key == "decide":
        assert item is not None  # noqa: S101 - checked by _item
        coordination.decide(
            actor=user, request_id=item, approve=d["decision"] == "approve", note=note
        )
    elif key == "answer":
        assert item is not None  # noqa: S101 - checked by _item
        coordination.answer(actor=user, whistle_id=item, text=d["text"])


def _done_message(key: str, form: MoveForm) -> str:
    if key == "decide":
        approved = form.cleaned_data["decision"] == "approve"
        return str(_("The request is approved.") if approved else _("The request is refused."))
    return _("%(move)s: done.") % {"move": MOVES[key].title}


def may_try(user: Any, case: Case, key: str, found: CaseRequest | Whistle | None) -> bool:
    """Whether the user may make this kind of move on this case at all (the state aside)."""
    if key in {"accept", "reject", "register", "dispatch", "close", "merge", "whistle", "resume"}:
        return permissions.can_manage(user, case)
    if key in {"start", "handle", "return", "request"}:
        return permissions.can_handle(user, case)
    if key == "verify":
        return permissions.can_verify(user, case)
    if key == "decide":
        return permissions.can_manage(user, case)
    return isinstance(found, Whistle) and permissions.can_answer(user, found)


@login_required
@require_POST
def act(request: HttpRequest, pk: int, key: str, item: int | None = None) -> HttpResponse:
    """One move on the case; errors come back on the page, next to the form that caused them."""
    if key not in MOVES:
        raise Http404(_("No such action."))
    case = case_or_404(request, pk)
    found = _item(case, key, item)
    if not may_try(request.user, case, key, found):
        raise PermissionDenied(_("You may not do this on this case."))
    form = make_form(key, case, request.POST, request.FILES, item)
    if form.is_valid():
        try:
            _run(request, key, case, form, item)
        except ValidationFailed as exc:
            apply_errors(form, exc, FIELD_NAMES)
        except ConflictError as exc:
            messages.warning(request, moved_on(exc))
            return redirect("cases:detail", pk=case.pk)
        except PermissionDeniedError as exc:
            raise PermissionDenied(str(exc.message)) from exc
        except NotFoundError as exc:
            raise Http404(str(exc.message)) from exc
        else:
            messages.success(request, _done_message(key, form))
            if Case.objects.visible_to(request.user).filter(pk=case.pk).exists():
                return redirect("cases:detail", pk=case.pk)
            return redirect("cases:queues")
    elif "expected" in form.errors:
        form.add_error(None, _("The form is out of date; reload the page."))
    case.refresh_from_db()
    context = detail_context(request, case, (key, item, form))
    return render(request, "cases/case_detail.html", context, status=422)
