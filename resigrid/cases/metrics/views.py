"""The metrics page (filters, table, charts) and its Excel export: thin views over
`queries.breakdown` and `report`."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from resigrid.accounts.services import record_security_event
from resigrid.cases.metrics import queries, report, rules
from resigrid.cases.metrics.forms import BREAKDOWN_CHOICES, MetricsFilter

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _filters(request: HttpRequest) -> MetricsFilter:
    if not queries.can_view_metrics(request.user):
        raise PermissionDenied(_("You may not view case metrics."))
    return MetricsFilter(request.GET, user=request.user)


@login_required
@require_GET
def page(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    context: dict[str, Any] = {"form": form, "columns": report.COLUMNS}
    if form.is_valid():
        by = form.cleaned_data["by"]
        rows = queries.breakdown(request.user, by, period=form.period(), area=form.selected_area())
        table = report.build_table(rows, rules.configured_weights())
        query = {k: form.cleaned_data[k] for k in ("start", "end", "by")}
        if form.cleaned_data.get("area"):
            query["area"] = form.cleaned_data["area"]
        context.update(
            table=table,
            group_header=dict(BREAKDOWN_CHOICES)[by],
            chart=report.chart_data(table),
            export_query=urlencode(query),
            weights=rules.configured_weights(),
            response_minutes=rules.response_minutes(),
        )
    return render(request, "cases/metrics/page.html", context)


@login_required
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    if not form.is_valid():
        return render(
            request,
            "cases/metrics/page.html",
            {"form": form, "columns": report.COLUMNS},
            status=422,
        )
    by, period, area = form.cleaned_data["by"], form.period(), form.selected_area()
    now = timezone.now()
    rows = queries.breakdown(request.user, by, period=period, area=area, now=now)
    weights = rules.configured_weights()
    table = report.build_table(rows, weights)
    group_header = str(dict(BREAKDOWN_CHOICES)[by])
    about = [
        (_("Period"), f"{period.start:%Y-%m-%d} – {period.end:%Y-%m-%d}"),
        (_("Breakdown"), group_header),
        (_("Area"), f"{area.name} ({area.code})" if area else _("Everything I can see")),
        (_("Outcomes as of"), f"{timezone.localtime(now):%Y-%m-%d %H:%M}"),
        (
            _("Weights"),
            _(
                "basically satisfied %(b)s; partly resolved %(p)s; response %(r)s, "
                "resolution %(s)s, satisfaction %(m)s"
            )
            % {
                "b": weights.basically,
                "p": weights.partly,
                "r": weights.response,
                "s": weights.resolution,
                "m": weights.satisfaction,
            },
        ),
    ]
    data = report.workbook_bytes(table, group_header=group_header, about=about)
    record_security_event(
        kind="export",
        request=request,
        user=request.user,
        detail={
            "what": "case_metrics.xlsx",
            "by": by,
            "start": period.start.isoformat(),
            "end": period.end.isoformat(),
            "area": area.code if area else "",
            "rows": len(table.rows),
        },
    )
    response = HttpResponse(data, content_type=XLSX)
    filename = report.export_filename(by, period.start, period.end, area.code if area else None)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
