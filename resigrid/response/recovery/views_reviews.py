"""Pages of after-action reviews: the form (with up to three improvement items at once), the
review page (items per plan, close an item, add one) and the link to the plan to revise."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from resigrid.core.errors import ConflictError, ValidationFailed
from resigrid.response.incidents.models import Incident
from resigrid.response.institutions.models import ImprovementItem
from resigrid.response.plans.models import Plan
from resigrid.response.recovery import reads, reviews
from resigrid.response.recovery.forms import (
    CloseItemForm,
    FindingForm,
    ReviewForm,
    apply_errors,
)
from resigrid.response.recovery.models import AfterActionReview
from resigrid.response.recovery.permissions import can_review
from resigrid.response.recovery.reads import people_of, plan_url, units_of
from resigrid.response.recovery.reviews import FindingInput
from resigrid.response.recovery.views import domain_errors

FINDING_ROWS = 3


def _finding_form(
    request: HttpRequest, incident: Incident, prefix: str, data: Any = None
) -> FindingForm:
    return FindingForm(
        data,
        prefix=prefix,
        owners=people_of(incident),
        units=units_of(incident),
        plans=Plan.objects.visible_to(request.user).order_by("title"),
    )


def _finding_input(form: FindingForm) -> FindingInput:
    d = form.cleaned_data
    return FindingInput(
        title=d["title"],
        due_date=d["due_date"],
        owner_user=d["owner_user"],
        owner_unit=d["owner_unit"],
        detail=d["detail"],
        plan=d["plan"],
    )


def _put_finding_errors(forms: list[FindingForm], exc: ValidationFailed) -> bool:
    """Errors named `findings.<i>.<field>` go on the i-th row; True when placed."""
    field = exc.field or ""
    parts = field.split(".")
    if len(parts) == 3 and parts[0] == "findings" and parts[1].isdigit():
        form = forms[int(parts[1])]
        name = {"owner": "owner_user"}.get(parts[2], parts[2])
        form.add_error(name if name in form.fields else None, str(exc.message))
        return True
    return False


@login_required
@require_http_methods(["GET", "POST"])
@domain_errors
def review_new(request: HttpRequest, pk: int) -> HttpResponse:
    incident = reads.incident_for(request.user, pk)
    if not can_review(request.user, incident):
        raise PermissionDenied(_("You may not review this incident."))
    data = request.POST if request.method == "POST" else None
    earlier = AfterActionReview.objects.filter(incident=incident)
    form = ReviewForm(
        data,
        reviews=earlier,
        accounts=people_of(incident),
        initial={
            "held_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
            "follow_up_of": earlier.order_by("-held_at").first(),
        },
    )
    rows = [_finding_form(request, incident, f"f{i}", data) for i in range(FINDING_ROWS)]
    status = 200
    if request.method == "POST":
        checked = [r.is_valid() for r in rows]
        valid = form.is_valid() and all(checked)
        if valid:
            used = [r for r in rows if not r.is_blank()]
            d = form.cleaned_data
            try:
                review = reviews.create_review(
                    actor=request.user,  # type: ignore[arg-type]
                    incident=incident,
                    held_at=d["held_at"],
                    participants=d["participants"],
                    participant_accounts=list(d["participant_accounts"]),
                    went_well=d["went_well"],
                    went_wrong=d["went_wrong"],
                    findings_text=d["findings"],
                    findings=[_finding_input(r) for r in used],
                    follow_up_of=d["follow_up_of"],
                )
            except ValidationFailed as exc:
                if not _put_finding_errors(used, exc):
                    apply_errors(form, exc)
            except ConflictError as exc:
                form.add_error(
                    "follow_up_of" if exc.field == "follow_up_of" else None, str(exc.message)
                )
            else:
                messages.success(request, _("Review recorded."))
                return redirect("recovery:review", pk=review.pk)
        status = 422
    return render(
        request,
        "recovery/review_form.html",
        {"incident": incident, "form": form, "rows": rows, "has_earlier": earlier.exists()},
        status=status,
    )


def _review(request: HttpRequest, pk: int) -> AfterActionReview:
    review = (
        AfterActionReview.objects.visible_to(request.user)
        .select_related("incident__area", "incident__plan", "follow_up_of", "created_by")
        .filter(pk=pk)
        .first()
    )
    if review is None:
        raise Http404(_("No such review."))
    return review


def _review_page(
    request: HttpRequest, review: AfterActionReview, add_form: FindingForm | None = None
) -> dict[str, Any]:
    items = reviews.review_items(review)
    groups: dict[int | None, dict[str, Any]] = {}
    for item in items:
        group = groups.setdefault(
            item.plan_id, {"plan": item.plan, "url": plan_url(item.plan_id), "items": []}
        )
        group["items"].append(item)
    revise = request.GET.get("revise", "")
    revise_plan = (
        Plan.objects.visible_to(request.user).filter(pk=int(revise)).first()
        if revise.isdigit()
        else None
    )
    return {
        "review": review,
        "incident": review.incident,
        "groups": sorted(
            groups.values(), key=lambda g: (g["plan"] is None, g["plan"] and g["plan"].title)
        ),
        "can_review": can_review(request.user, review.incident),
        "add_form": add_form or _finding_form(request, review.incident, "add"),
        "revise_plan": revise_plan,
        "revise_url": plan_url(revise_plan.pk) if revise_plan else "",
        "follow_ups": list(review.follow_ups.all()),
    }


@login_required
@require_GET
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    return render(request, "recovery/review.html", _review_page(request, review))


@login_required
@require_POST
@domain_errors
def review_add_item(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not can_review(request.user, review.incident):
        raise PermissionDenied(_("You may not review this incident."))
    form = _finding_form(request, review.incident, "add", request.POST)
    if form.is_valid():
        try:
            reviews.add_item(
                actor=request.user,  # type: ignore[arg-type]
                review=review,
                finding=_finding_input(form),
            )
        except ValidationFailed as exc:
            field = (exc.field or "").removeprefix("findings.")
            name = {"owner": "owner_user"}.get(field, field)
            form.add_error(name if name in form.fields else None, str(exc.message))
        else:
            messages.success(request, _("Improvement item added."))
            return redirect("recovery:review", pk=review.pk)
    return render(request, "recovery/review.html", _review_page(request, review, form), status=422)


@login_required
@require_POST
@domain_errors
def review_close_item(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    review = _review(request, pk)
    if not can_review(request.user, review.incident):
        raise PermissionDenied(_("You may not review this incident."))
    item = ImprovementItem.objects.filter(pk=item_pk).first()
    if item is None:
        raise Http404(_("No such improvement item in this review."))
    form = CloseItemForm(request.POST)
    done = form.cleaned_data["done"] if form.is_valid() else True
    try:
        closed = reviews.close_item(actor=request.user, review=review, item=item, done=done)  # type: ignore[arg-type]
    except ConflictError as exc:
        messages.error(request, str(exc.message))
        return redirect("recovery:review", pk=review.pk)
    messages.success(request, _("Improvement item closed."))
    url = reverse("recovery:review", args=[review.pk])
    if closed.plan_id is not None:
        url += f"?revise={closed.plan_id}"
    return redirect(url)
