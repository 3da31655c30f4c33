"""Inbox pages: the list (unread highlighted), opening a message (marks it read, then follows its
link when it is a path on this site), one message, and "mark all read". Thin views."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from resigrid.core.errors import NotFoundError
from resigrid.notify import reads, services
from resigrid.notify.rules import safe_relative_url


@login_required
@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    page = Paginator(reads.inbox(request.user), reads.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "notify/inbox.html",
        {"page": page, "unread": reads.unread_count(request.user)},
    )


@login_required
@require_POST
def open_message(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        row = services.mark_read(user=request.user, delivery_id=pk)
    except NotFoundError as exc:
        raise Http404(str(exc.message)) from exc
    target = safe_relative_url(row.message.url)
    return redirect(target or reverse("notify:message", args=[row.pk]))


@login_required
@require_GET
def message_detail(request: HttpRequest, pk: int) -> HttpResponse:
    row = reads.own_message(request.user, pk)
    if row is None:
        raise Http404(_("No such message."))
    return render(
        request,
        "notify/message.html",
        {"row": row, "link": safe_relative_url(row.message.url)},
    )


@login_required
@require_POST
def mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.mark_all_read(user=request.user)
    messages.success(
        request,
        ngettext("%(count)d message marked read.", "%(count)d messages marked read.", count)
        % {"count": count},
    )
    return redirect("notify:inbox")
