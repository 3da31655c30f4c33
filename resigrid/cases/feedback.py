"""What each step tells whom, through the notify outbox (called inside the step's transaction).

The reporter hears every step they may see; the people who must act next hear that they must.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from resigrid.cases import recipients
from resigrid.cases.models import Case, Whistle
from resigrid.cases.workflow import Stage
from resigrid.notify.services import Notice, enqueue


def _send(
    case: Case,
    topic: str,
    subject: str,
    body: str,
    users: list[Any],
    url: str,
    emails: list[str] | None = None,
) -> None:
    if not users and not emails:
        return
    enqueue(
        topic=topic,
        subject=subject,
        body=body,
        url=url,
        source=f"cases.case:{case.pk}",
        users=users,
        emails=emails or [],
    )


def _staff_url(case: Case) -> str:
    return reverse("cases:detail", args=[case.pk])


def _reporter_url(case: Case) -> str:
    return reverse("cases:track", args=[case.tracking_code])


_REPORTER_SUBJECTS = {
    "report": gettext_noop("Your report %(number)s has been received"),
    "accept": gettext_noop("Your report %(number)s has been accepted"),
    "reject": gettext_noop("Your report %(number)s was not accepted"),
    "dispatch": gettext_noop("Your report %(number)s is being handled by %(unit)s"),
    "handle": gettext_noop("Your report %(number)s has been handled"),
    "close": gettext_noop("Your report %(number)s is closed: please rate it"),
    "reopen": gettext_noop("Your report %(number)s has been reopened"),
    "reopen_denied": gettext_noop("Your request to reopen %(number)s was not granted"),
    "merge": gettext_noop("Your report %(number)s is followed as part of another case"),
}


def tell_reporter(case: Case, event: str, note: str = "") -> None:
    users, emails = recipients.reporter(case)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _(_REPORTER_SUBJECTS[event]) % {
            "number": case.number,
            "unit": case.lead_unit.name if case.lead_unit else _("the community"),
        }
        body = note
    _send(case, f"case.{event}", subject, body, users, _reporter_url(case), emails)


def tell_staff(case: Case, topic: str, users: list[Any], subject: str, note: str = "") -> None:
    _send(case, topic, subject, note, users, _staff_url(case))


def on_reported(case: Case) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("New case %(number)s to accept: %(title)s") % {
            "number": case.number,
            "title": case.title,
        }
    tell_staff(case, "case.new", recipients.managers(case), subject, case.description[:500])
    tell_reporter(case, "report")


def on_dispatched(case: Case) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(number)s dispatched to your unit: %(title)s") % {
            "number": case.number,
            "title": case.title,
        }
    units = [case.lead_unit_id] if case.lead_unit_id else []
    units += [u.pk for u in case.support_units.all()]
    tell_staff(case, "case.dispatched", recipients.unit_accounts(units), subject)


def on_handled(case: Case) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(number)s handled: please verify on site") % {"number": case.number}
    users = [
        u
        for u in recipients.grid_workers(case) + recipients.managers(case)
        if u.pk != case.handled_by_id
    ]
    tell_staff(case, "case.to_verify", users, subject, case.result[:500])


def on_rework(case: Case, note: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(number)s failed verification: rework needed") % {"number": case.number}
    tell_staff(case, "case.rework", recipients.handlers(case), subject, note)


def on_returned(case: Case, note: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(number)s was returned: dispatch it again") % {"number": case.number}
    tell_staff(case, "case.returned", recipients.managers(case), subject, note)


def on_request(case: Case, kind_label: str, note: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Case %(number)s: %(kind)s requested") % {
            "number": case.number,
            "kind": kind_label,
        }
    tell_staff(case, "case.request", recipients.managers(case), subject, note)


def on_request_decided(case: Case, approved: bool, kind_label: str, note: str) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = (
            _("Case %(number)s: %(kind)s approved")
            if approved
            else _("Case %(number)s: %(kind)s refused")
        ) % {"number": case.number, "kind": kind_label}
    tell_staff(case, "case.request_decided", recipients.handlers(case), subject, note)


def on_whistle(case: Case, whistle: Whistle) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Whistle: you are summoned to case %(number)s, answer by %(due)s") % {
            "number": case.number,
            "due": whistle.due_at.astimezone().strftime("%Y-%m-%d %H:%M"),
        }
    tell_staff(
        case, "case.whistle", recipients.unit_accounts([whistle.unit_id]), subject, whistle.reason
    )


def escalated_notices(items: list[tuple[Case, int, list[Any]]]) -> list[Notice]:
    """The notices of many escalations (case, level, users) at once: one language switch and
    one URL pattern for all of them."""
    marker = 987654321
    pattern = reverse("cases:detail", args=[marker])
    out: list[Notice] = []
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Overdue case %(number)s (%(stage)s): supervision level %(level)d")
        stages = {str(value): str(label) for value, label in Stage.choices}
        for case, level, users in items:
            subject = text % {
                "number": case.number,
                "stage": stages.get(case.stage, case.stage),
                "level": level,
            }
            out.append(Notice(topic="case.overdue", subject=subject,
                              url=pattern.replace(str(marker), str(case.pk)),
                              source=f"cases.case:{case.pk}", users=users))  # fmt: skip
    return out


def on_escalated(case: Case, level: int, users: list[Any]) -> None:
    (notice,) = escalated_notices([(case, level, users)])
    tell_staff(case, notice.topic, users, notice.subject)


def on_whistle_late(case: Case, whistle: Whistle, users: list[Any]) -> None:
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("%(unit)s has not answered the whistle on case %(number)s") % {
            "unit": whistle.unit.name,
            "number": case.number,
        }
    tell_staff(case, "case.whistle_late", users, subject)
