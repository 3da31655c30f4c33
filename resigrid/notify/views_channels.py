"""Channel pages: a person's own channel order and SMS phone; the group robots of the areas in
the user's scope (list, add, switch on and off); and the SMS gateway's receipt callback."""

from __future__ import annotations

import json
import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from resigrid.areas.models import Area
from resigrid.core.errors import DomainError, NotFoundError
from resigrid.core.pii import mask_phone
from resigrid.notify import reads, receipts, robots, services
from resigrid.notify.forms import PreferencesForm, RobotForm, order_value
from resigrid.notify.models import ROBOTS_PERM, Robot
from resigrid.notify.rules import receipt_signature_ok


def _form_error(form: PreferencesForm | RobotForm, exc: DomainError) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    pref = reads.preference_of(request.user)
    current = order_value(pref.channels) if pref else order_value(services.default_order())
    if request.method == "POST":
        form = PreferencesForm(request.POST)
        if form.is_valid():
            try:
                services.set_preferences(
                    user=request.user,
                    channels=form.channels(),
                    phone=form.cleaned_data["phone"] or None,
                    clear_phone=form.cleaned_data["clear_phone"],
                )
            except DomainError as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("Your channels were saved."))
                return redirect("notify:preferences")
    else:
        form = PreferencesForm(initial={"order": current})
    phone = pref.phone() if pref else ""
    return render(
        request,
        "notify/preferences.html",
        {"form": form, "masked_phone": mask_phone(phone) if phone else ""},
    )


@login_required
@require_http_methods(["GET", "POST"])
def robot_list(request: HttpRequest) -> HttpResponse:
    areas = Area.objects.visible_to(request.user, ROBOTS_PERM)
    if not areas.exists():
        raise PermissionDenied(_("You cannot manage robots."))
    form = RobotForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            robot = robots.create_robot(
                actor=request.user,
                area=data["area"],
                name=data["name"],
                kind=data["kind"],
                webhook_url=data["webhook_url"],
                secret=data["secret"],
                message_format=data["message_format"],
            )
        except DomainError as exc:
            _form_error(form, exc)
        else:
            messages.success(request, _("Robot %(name)s added.") % {"name": robot.name})
            return redirect("notify:robots")
    rows = Robot.objects.visible_to(request.user).select_related("area")
    return render(request, "notify/robots.html", {"form": form, "robots": rows})


@login_required
@require_POST
def robot_toggle(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        robot = robots.set_active(
            actor=request.user, robot_id=pk, active=request.POST.get("active") == "1"
        )
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    if robot.active:
        messages.success(request, _("Robot %(name)s switched on.") % {"name": robot.name})
    else:
        messages.success(request, _("Robot %(name)s switched off.") % {"name": robot.name})
    return redirect("notify:robots")


@csrf_exempt
@require_POST
def sms_receipts(request: HttpRequest) -> HttpResponse:
    """The gateway's callback: 403 unless signed, 400 unless JSON, else per-item results."""
    body = request.body
    if not receipts_signature_ok(request, body):
        return JsonResponse({"detail": "bad or missing signature"}, status=403)
    try:
        data = json.loads(body)
    except ValueError:
        return JsonResponse({"detail": "body is not JSON"}, status=400)
    items = data if isinstance(data, list) else [data]
    result = receipts.record(items)
    return JsonResponse(
        {"recorded": result.recorded, "duplicates": result.duplicates, "errors": result.errors},
        status=200,
    )


def receipts_signature_ok(request: HttpRequest, body: bytes) -> bool:
    return receipt_signature_ok(
        str(getattr(settings, "NOTIFY_SMS_RECEIPT_SECRET", "") or ""),
        request.headers.get("X-Resigrid-Timestamp", ""),
        request.headers.get("X-Resigrid-Signature", ""),
        body,
        now=time.time(),
        skew=int(getattr(settings, "NOTIFY_SMS_RECEIPT_SKEW_SECONDS", 300)),
    )
