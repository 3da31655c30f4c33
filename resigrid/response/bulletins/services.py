"""Writes of bulletins: draft, edit (drafts only), approve (by someone other than the
drafter), publish (pushed through the notify outbox in the same transaction) and withdraw.
Every step is a log row in the same transaction (and an incident log row when the bulletin
belongs to an incident)."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from resigrid.accounts.models import RoleBinding, User
from resigrid.areas.models import Area
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from resigrid.notify.services import enqueue
from resigrid.response.bulletins.models import Bulletin, BulletinLog, BulletinState, Kind
from resigrid.response.bulletins.permissions import can_approve, can_draft
from resigrid.response.incidents.models import Incident
from resigrid.response.incidents.services import record

MAX_TITLE = 120
MAX_BODY = 5000
MAX_RUMOUR = 1000
MAX_REASON = 1000


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, field=field, errors={field: [message]})


def _clean(kind: str, title: str, body: str, rumour: str) -> tuple[str, str, str]:
    title, body, rumour = (title or "").strip(), (body or "").strip(), (rumour or "").strip()
    errors: dict[str, list[str]] = {}
    if kind not in Kind.values:
        errors["kind"] = [_("Choose the kind: official release or rumour rebuttal.")]
    if not title:
        errors["title"] = [_("Give the title.")]
    elif len(title) > MAX_TITLE:
        errors["title"] = [_("The title has at most 120 characters.")]
    if not body:
        errors["body"] = [_("Give the text.")]
    elif len(body) > MAX_BODY:
        errors["body"] = [_("The text has at most 5,000 characters.")]
    if kind == Kind.REBUTTAL and not rumour:
        errors["rumour"] = [_("A rebuttal quotes the rumour it answers.")]
    elif len(rumour) > MAX_RUMOUR:
        errors["rumour"] = [_("The rumour has at most 1,000 characters.")]
    if errors:
        field, messages = next(iter(errors.items()))
        raise ValidationFailed(messages[0], field=field, errors=errors)
    return title, body, rumour if kind == Kind.REBUTTAL else ""


def _log(bulletin: Bulletin, actor: Any, action: str, before: str, note: str = "") -> None:
    BulletinLog.objects.create(
        bulletin=bulletin,
        actor=actor,
        action=action,
        from_state=before,
        to_state=bulletin.state,
        note=note,
    )
    if bulletin.incident_id is not None:
        record(
            incident=bulletin.incident,  # type: ignore[arg-type]
            actor=actor,
            action=f"bulletin_{action}",
            note=bulletin.title,
            data={"bulletin": bulletin.pk, "kind": bulletin.kind},
        )


def draft(
    *,
    actor: Any,
    area: Area,
    kind: str,
    title: str,
    body: str,
    rumour: str = "",
    incident: Incident | None = None,
) -> Bulletin:
    if not can_draft(actor, area):
        raise PermissionDeniedError(_("You may not draft bulletins for this area."))
    if incident is not None and not (
        area.is_within(incident.area) or incident.area.is_within(area)
    ):
        raise _fail("area", _("The area must overlap the incident's area."))
    title, body, rumour = _clean(kind, title, body, rumour)
    with transaction.atomic():
        bulletin = Bulletin.objects.create(
            incident=incident,
            area=area,
            kind=kind,
            title=title,
            body=body,
            rumour=rumour,
            drafted_by=actor,
        )
        _log(bulletin, actor, "drafted", "")
    return bulletin


def _locked(bulletin: Bulletin) -> Bulletin:
    return (
        Bulletin.objects.select_for_update(of=("self",))
        .select_related("area", "incident")
        .get(pk=bulletin.pk)
    )


def _expect(bulletin: Bulletin, state: BulletinState, message: str) -> None:
    if bulletin.state != state:
        raise ConflictError(message, state=bulletin.state)


def edit(*, actor: Any, bulletin: Bulletin, title: str, body: str, rumour: str = "") -> Bulletin:
    """Change a draft's text (only a draft: an approved text is what was approved)."""
    if not can_draft(actor, bulletin.area):
        raise PermissionDeniedError(_("You may not edit bulletins for this area."))
    title, body, rumour = _clean(bulletin.kind, title, body, rumour)
    with transaction.atomic():
        locked = _locked(bulletin)
        _expect(locked, BulletinState.DRAFT, _("Only a draft can be edited."))
        locked.title, locked.body, locked.rumour = title, body, rumour
        locked.save(update_fields=["title", "body", "rumour", "updated_at"])
        _log(locked, actor, "edited", BulletinState.DRAFT)
    return locked


def approve(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    if not can_approve(actor, bulletin.area):
        raise PermissionDeniedError(_("You may not approve bulletins for this area."))
    with transaction.atomic():
        locked = _locked(bulletin)
        _expect(locked, BulletinState.DRAFT, _("Only a draft can be approved."))
        if locked.drafted_by_id == actor.pk:
            raise PermissionDeniedError(
                _("Someone other than the drafter must approve the bulletin.")
            )
        locked.state = BulletinState.APPROVED
        locked.approved_by, locked.approved_at = actor, timezone.now()
        locked.save(update_fields=["state", "approved_by", "approved_at", "updated_at"])
        _log(locked, actor, "approved", BulletinState.DRAFT)
    return locked


def recipients(area: Area) -> list[User]:
    """Every active account bound to the area or below it: staff of the area and residents
    with an account."""
    ids = (
        RoleBinding.objects.filter(area__code__startswith=area.scope_prefix, user__is_active=True)
        .values_list("user_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=ids).order_by("pk").only("pk", "email", "is_active"))


def publish(*, actor: Any, bulletin: Bulletin) -> Bulletin:
    """Publish an approved bulletin: it shows on the public page and one outbox message goes
    to everyone bound to the area (inbox, and their preferred channel)."""
    if not can_approve(actor, bulletin.area):
        raise PermissionDeniedError(_("You may not publish bulletins for this area."))
    with transaction.atomic():
        locked = _locked(bulletin)
        _expect(locked, BulletinState.APPROVED, _("Only an approved bulletin can be published."))
        locked.state = BulletinState.PUBLISHED
        locked.published_at = timezone.now()
        prefix = _("[Rumour rebuttal] ") if locked.kind == Kind.REBUTTAL else ""
        body = locked.body
        if locked.kind == Kind.REBUTTAL:
            body = _("Rumour: %(rumour)s\nFacts: %(body)s") % {
                "rumour": locked.rumour,
                "body": locked.body,
            }
        locked.message = enqueue(
            topic=f"bulletin.{locked.kind}",
            subject=f"{prefix}{locked.title}",
            body=body,
            url=reverse("bulletins:public_detail", args=[locked.pk]),
            source=f"bulletins.bulletin:{locked.pk}",
            users=recipients(locked.area),
        )
        locked.save(update_fields=["state", "published_at", "message", "updated_at"])
        _log(locked, actor, "published", BulletinState.APPROVED)
    return locked


def withdraw(*, actor: Any, bulletin: Bulletin, reason: str) -> Bulletin:
    """Take a published (or approved) bulletin off the public page, with the reason; when it
    was published, the same people get a message that it is withdrawn."""
    if not can_approve(actor, bulletin.area):
        raise PermissionDeniedError(_("You may not withdraw bulletins for this area."))
    reason = (reason or "").strip()
    if not reason:
        raise _fail("reason", _("Give the reason for the withdrawal."))
    if len(reason) > MAX_REASON:
        raise _fail("reason", _("The reason has at most 1,000 characters."))
    with transaction.atomic():
        locked = _locked(bulletin)
        if locked.state not in (BulletinState.APPROVED, BulletinState.PUBLISHED):
            raise ConflictError(
                _("Only an approved or published bulletin can be withdrawn."), state=locked.state
            )
        before = locked.state
        locked.state = BulletinState.WITHDRAWN
        locked.withdrawn_at, locked.withdraw_reason = timezone.now(), reason
        locked.save(update_fields=["state", "withdrawn_at", "withdraw_reason", "updated_at"])
        _log(locked, actor, "withdrawn", before, reason)
        if before == BulletinState.PUBLISHED:
            # Those who were told are told it no longer stands.
            enqueue(
                topic="bulletin.withdrawn",
                subject=_("Withdrawn: %(title)s") % {"title": locked.title},
                body=reason,
                url=reverse("bulletins:public"),
                source=f"bulletins.bulletin:{locked.pk}",
                users=recipients(locked.area),
            )
    return locked
