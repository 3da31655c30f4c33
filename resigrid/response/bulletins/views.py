"""Bulletin pages: the staff list with draft / approve / publish / withdraw, the draft and edit
forms (prefilled from the plan's templates when the incident has one), and the public pages
(no login): the list, one bulletin and an Atom feed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.accounts.roles import Perm
from resigrid.areas.models import Area, scope_prefixes
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.response.bulletins import reads, services
from resigrid.response.bulletins.forms import DraftForm, EditForm, WithdrawForm
from resigrid.response.bulletins.models import Bulletin, BulletinState
from resigrid.response.bulletins.permissions import can_approve, can_draft
from resigrid.response.incidents.models import Incident

PAGE_SIZE = 30


def _apply(form: Any, exc: ValidationFailed) -> None:
    for name, msgs in (exc.errors or {exc.field or "": [str(exc.message)]}).items():
        for msg in msgs:
            form.add_error(name if name in form.fields else None, str(msg))


def _draft_areas(user: Any) -> list[tuple[int, str]]:
    if scope_prefixes(user, Perm.DRAFT_BULLETINS) == []:
        return []
    areas = Area.objects.visible_to(user, Perm.DRAFT_BULLETINS).exclude(level="grid")
    return [(a.pk, f"{a.name} ({a.get_level_display()})") for a in areas.order_by("code")[:300]]


def _bulletin_or_404(request: HttpRequest, pk: int) -> Bulletin:
    b = (
        Bulletin.objects.visible_to(request.user)
        .select_related("area", "incident", "drafted_by", "approved_by")
        .filter(pk=pk)
        .first()
    )
    if b is None:
        raise Http404(_("No such bulletin."))
    return b


@login_required
@require_GET
def bulletin_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    qs = Bulletin.objects.visible_to(user).select_related("area", "drafted_by", "approved_by")
    state = request.GET.get("state", "")
    if state in BulletinState.values:
        qs = qs.filter(state=state)
    page = Paginator(qs.order_by("-drafted_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [
        {
            "b": b,
            "can_approve": b.state == BulletinState.DRAFT
            and b.drafted_by_id != user.pk
            and can_approve(user, b.area),
            "can_publish": b.state == BulletinState.APPROVED and can_approve(user, b.area),
            "can_edit": b.state == BulletinState.DRAFT and can_draft(user, b.area),
            "can_withdraw": b.state in (BulletinState.APPROVED, BulletinState.PUBLISHED)
            and can_approve(user, b.area),
        }
        for b in page
    ]
    return render(
        request,
        "bulletins/list.html",
        {
            "page": page,
            "rows": rows,
            "state": state,
            "states": BulletinState.choices,
            "can_draft": bool(_draft_areas(user)),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = request.user
    areas = _draft_areas(user)
    if not areas:
        raise PermissionDenied(_("You may not draft bulletins."))
    open_incidents = list(Incident.objects.visible_to(user).open().select_related("area")[:100])
    incidents = [(i.pk, i.title) for i in open_incidents]
    templates: list[dict[str, str]] = []
    if request.method == "POST":
        form = DraftForm(request.POST, areas=areas, incidents=incidents)
        if form.is_valid():
            data = form.cleaned_data
            incident = next((i for i in open_incidents if i.pk == data["incident"]), None)
            try:
                b = services.draft(
                    actor=user,
                    area=Area.objects.get(pk=data["area"]),
                    kind=data["kind"],
                    title=data["title"],
                    body=data["body"],
                    rumour=data["rumour"],
                    incident=incident,
                )
            except ValidationFailed as exc:
                _apply(form, exc)
            except PermissionDeniedError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The draft is saved; someone else must approve it."))
                return redirect("bulletins:detail", b.pk)
    else:
        initial: dict[str, Any] = {"kind": request.GET.get("kind", "official")}
        incident = next(
            (i for i in open_incidents if str(i.pk) == request.GET.get("incident")), None
        )
        if incident is not None:
            initial["incident"] = incident.pk
            if any(pk == incident.area_id for pk, _label in areas):
                initial["area"] = incident.area_id
            templates = reads.plan_templates(incident)
            chosen = request.GET.get("template", "")
            if chosen.isdigit() and int(chosen) < len(templates):
                initial.update(templates[int(chosen)])
        form = DraftForm(areas=areas, incidents=incidents, initial=initial)
    return render(
        request,
        "bulletins/form.html",
        {"form": form, "templates": templates, "incident_id": request.GET.get("incident", "")},
    )


@login_required
@require_GET
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    b = _bulletin_or_404(request, pk)
    user = request.user
    return render(
        request,
        "bulletins/detail.html",
        {
            "b": b,
            "log": b.log.select_related("actor").order_by("at", "pk"),
            "can_approve": b.state == BulletinState.DRAFT
            and b.drafted_by_id != user.pk
            and can_approve(user, b.area),
            "own_draft": b.state == BulletinState.DRAFT and b.drafted_by_id == user.pk,
            "can_publish": b.state == BulletinState.APPROVED and can_approve(user, b.area),
            "can_edit": b.state == BulletinState.DRAFT and can_draft(user, b.area),
            "can_withdraw": b.state in (BulletinState.APPROVED, BulletinState.PUBLISHED)
            and can_approve(user, b.area),
            "withdraw_form": WithdrawForm(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    b = _bulletin_or_404(request, pk)
    if not can_draft(request.user, b.area):
        raise PermissionDenied(_("You may not edit bulletins for this area."))
    if request.method == "POST":
        form = EditForm(request.POST)
        if form.is_valid():
            try:
                services.edit(actor=request.user, bulletin=b, **form.cleaned_data)
            except ValidationFailed as exc:
                _apply(form, exc)
            except ConflictError as exc:
                form.add_error(None, str(exc.message))
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("bulletins:detail", b.pk)
    else:
        form = EditForm(initial={"title": b.title, "body": b.body, "rumour": b.rumour})
    return render(request, "bulletins/edit.html", {"form": form, "b": b})


def _move(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    b = _bulletin_or_404(request, pk)
    try:
        if action == "approve":
            services.approve(actor=request.user, bulletin=b)
            messages.success(request, _("The bulletin is approved."))
        elif action == "publish":
            services.publish(actor=request.user, bulletin=b)
            messages.success(request, _("The bulletin is published."))
        else:
            form = WithdrawForm(request.POST)
            reason = form.data.get("reason", "")
            services.withdraw(actor=request.user, bulletin=b, reason=str(reason))
            messages.success(request, _("The bulletin is withdrawn."))
    except PermissionDeniedError as exc:
        if action == "approve" and b.drafted_by_id == request.user.pk:
            messages.error(request, str(exc.message))
        else:
            raise PermissionDenied(str(exc.message)) from exc
    except (ConflictError, ValidationFailed) as exc:
        messages.error(request, str(exc.message))
    return redirect("bulletins:detail", b.pk)


@login_required
@require_POST
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "approve")


@login_required
@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "publish")


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    return _move(request, pk, "withdraw")


# Public pages (no login) -------------------------------------------------------------------


@require_GET
def public(request: HttpRequest) -> HttpResponse:
    code = request.GET.get("area", "").strip()[:15]
    page = Paginator(reads.public(code or None), PAGE_SIZE).get_page(request.GET.get("page"))
    area = Area.objects.filter(code=code).first() if code else None
    return render(request, "bulletins/public.html", {"page": page, "area": area, "code": code})


@require_GET
def public_detail(request: HttpRequest, pk: int) -> HttpResponse:
    b = Bulletin.objects.published().select_related("area").filter(pk=pk).first()
    if b is None:
        raise Http404(_("No such bulletin."))
    return render(request, "bulletins/public_detail.html", {"b": b})


class PublicFeed(Feed[Bulletin, Any]):
    feed_type = Atom1Feed
    title = gettext_lazy("Bulletins and rumour rebuttals")
    subtitle = gettext_lazy("Official releases and rumour rebuttals of the community")

    def link(self) -> str:
        return reverse("bulletins:public")

    def items(self) -> list[Bulletin]:
        return list(reads.public()[:50])

    def item_title(self, item: Bulletin) -> str:
        prefix = _("[Rumour rebuttal] ") if item.kind == "rebuttal" else ""
        return f"{prefix}{item.title}"

    def item_description(self, item: Bulletin) -> str:
        if item.kind == "rebuttal":
            return _("Rumour: %(rumour)s\nFacts: %(body)s") % {
                "rumour": item.rumour,
                "body": item.body,
            }
        return item.body

    def item_link(self, item: Bulletin) -> str:
        return reverse("bulletins:public_detail", args=[item.pk])

    def item_pubdate(self, item: Bulletin) -> Any:
        return item.published_at
