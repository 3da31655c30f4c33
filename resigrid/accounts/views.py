"""Account pages: login, password change, personal access tokens, the security log."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from resigrid.accounts.forms import (
    LoginForm,
    SecurityLogFilterForm,
    StaffPasswordChangeForm,
    TokenCreateForm,
)
from resigrid.accounts.middleware import SESSION_NOTICE_KEY
from resigrid.accounts.models import AccessToken, SecurityEvent, User
from resigrid.accounts.permissions import can_view_security_log
from resigrid.accounts.services import change_password, create_access_token, revoke_access_token
from resigrid.core.errors import DomainError, ValidationFailed

SESSION_NOTICES = {
    "idle": gettext_lazy("Your session expired after a period of inactivity. Please log in again."),
    "absolute": gettext_lazy("Your session reached its maximum length. Please log in again."),
}
SECURITY_LOG_PAGE_SIZE = 50


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)  # noqa: S101  (login_required guarantees it; for mypy)
    return user


class LoginView(auth_views.LoginView):
    """Django's login: `next` is followed only to this host (url_has_allowed_host_and_scheme);
    axes answers the lockout page once the failure limit is reached."""

    template_name = "accounts/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        notice = self.request.session.pop(SESSION_NOTICE_KEY, None)
        context["session_notice"] = SESSION_NOTICES.get(notice or "")
        return context


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    form_class = StaffPasswordChangeForm
    success_url = reverse_lazy("accounts:password_change")

    def form_valid(self, form: Any) -> HttpResponse:
        user = _user(self.request)
        change_password(
            user=user, new_password=form.cleaned_data["new_password1"], request=self.request
        )
        # Keep this session; every other session of the user ends with the old hash.
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("Your password has been changed."))
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))


@login_required
def tokens(request: HttpRequest) -> HttpResponse:
    """List my tokens; POST creates one and shows the raw token in this response only (it is
    not kept, so there is no redirect-after-post here)."""
    user = _user(request)
    created: tuple[AccessToken, str] | None = None
    status = 200
    if request.method == "POST":
        form = TokenCreateForm(request.POST)
        if form.is_valid():
            try:
                created = create_access_token(
                    user=user,
                    name=form.cleaned_data["name"],
                    days=form.cleaned_data["days"],
                    request=request,
                )
            except ValidationFailed as exc:
                form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        if created is None:
            status = 422
        else:
            form = TokenCreateForm()
    else:
        form = TokenCreateForm()
    now = timezone.now()
    rows = [(t, t.status(now)) for t in AccessToken.objects.owned_by(user)]
    context = {
        "form": form,
        "rows": rows,
        "created": created[0] if created else None,
        "raw_token": created[1] if created else None,
        "Status": AccessToken.Status,
    }
    response = render(request, "accounts/tokens.html", context, status=status)
    if created is not None:
        # The raw token is in this page: keep it out of caches and the back/forward history.
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def revoke_token(request: HttpRequest, token_id: int) -> HttpResponse:
    try:
        token = revoke_access_token(actor=_user(request), token_id=token_id, request=request)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Token “%(name)s” revoked.") % {"name": token.name})
    return redirect("accounts:tokens")


@login_required
def security_log(request: HttpRequest) -> HttpResponse:
    if not can_view_security_log(request.user):
        # Logged as `permission_denied` by AccountSecurityMiddleware.process_exception.
        raise PermissionDenied(_("You may not view the security log."))
    form = SecurityLogFilterForm(request.GET or None)
    events = SecurityEvent.objects.select_related("user")
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        if data["kind"]:
            events = events.filter(kind=data["kind"])
        if data["user"]:
            events = events.filter(username__iexact=data["user"].strip())
        tz = timezone.get_current_timezone()
        if data["date_from"]:
            events = events.filter(at__gte=datetime.combine(data["date_from"], time.min, tz))
        if data["date_to"]:
            events = events.filter(at__lte=datetime.combine(data["date_to"], time.max, tz))
    elif form.is_bound:
        events = events.none()
    page = Paginator(events, SECURITY_LOG_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/security_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )
