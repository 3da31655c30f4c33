"""After-action reviews (复盘) and their improvement items.

One review per incident: a second one must say which review it follows up (it then records what
happened to the first one's items). Each finding becomes an `institutions.ImprovementItem`
through `add_improvement_item(source=REVIEW, source_id=review.pk, perm=MANAGE_RECOVERY)`, with
an owner, a due date and the plan it revises (the incident's activated plan unless another is
chosen): that is how the review feeds plan revisions. Everything is written in one transaction:
a finding without an owner leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from resigrid.accounts.models import User
from resigrid.accounts.roles import Perm
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.orgs.models import Unit
from resigrid.response.incidents.models import Incident
from resigrid.response.incidents.services import record
from resigrid.response.institutions.improvements import (
    add_improvement_item,
    close_improvement_item,
)
from resigrid.response.institutions.models import ImprovementItem, ImprovementSource
from resigrid.response.plans.models import Plan
from resigrid.response.recovery.models import AfterActionReview
from resigrid.response.recovery.permissions import can_review

MAX_TEXT = 5000
MAX_FINDINGS = 50


@dataclass(frozen=True)
class FindingInput:
    title: str
    due_date: dt.date | None
    owner_user: User | None = None
    owner_unit: Unit | None = None
    detail: str = ""
    # None: the incident's activated plan; `no_plan=True`: the item revises no plan.
    plan: Plan | None = None
    no_plan: bool = False


def _add_item(
    *, actor: User, review: AfterActionReview, finding: FindingInput, index: int | None
) -> ImprovementItem:
    prefix = f"findings.{index}." if index is not None else ""
    if finding.due_date is None:
        raise ValidationFailed(
            _("An improvement item needs a due date."), field=f"{prefix}due_date"
        )
    if finding.due_date < review.held_at.date():
        raise ValidationFailed(_("The due date is before the review."), field=f"{prefix}due_date")
    plan = None if finding.no_plan else (finding.plan or review.incident.plan)
    try:
        return add_improvement_item(
            actor=actor,
            area=review.incident.area,
            source=ImprovementSource.REVIEW,
            source_id=review.pk,
            title=finding.title,
            due_date=finding.due_date,
            owner_unit=finding.owner_unit,
            owner_user=finding.owner_user,
            detail=finding.detail,
            plan=plan,
            perm=Perm.MANAGE_RECOVERY,
        )
    except ValidationFailed as exc:
        raise ValidationFailed(exc.message, field=f"{prefix}{exc.field or 'title'}") from exc


def create_review(
    *,
    actor: User,
    incident: Incident,
    held_at: dt.datetime,
    participants: str = "",
    participant_accounts: Sequence[User] = (),
    went_well: str = "",
    went_wrong: str = "",
    findings_text: str = "",
    findings: Sequence[FindingInput] = (),
    follow_up_of: AfterActionReview | None = None,
) -> AfterActionReview:
    if not can_review(actor, incident):
        raise PermissionDeniedError(_("You may not review this incident."))
    for name, text in (
        ("participants", participants),
        ("went_well", went_well),
        ("went_wrong", went_wrong),
        ("findings", findings_text),
    ):
        if len(text) > MAX_TEXT:
            raise ValidationFailed(
                _("This text is too long (at most 5000 characters)."), field=name
            )
    if not (went_well.strip() or went_wrong.strip() or findings_text.strip() or findings):
        raise ValidationFailed(
            _("Say what went well, what went wrong or what is to be improved."), field="went_well"
        )
    if len(findings) > MAX_FINDINGS:
        raise ValidationFailed(_("At most 50 improvement items at once."), field="findings")
    if held_at > timezone.now() + dt.timedelta(minutes=5):
        raise ValidationFailed(_("A review cannot be held in the future."), field="held_at")
    if follow_up_of is not None and follow_up_of.incident_id != incident.pk:
        raise ValidationFailed(
            _("The review followed up belongs to another incident."), field="follow_up_of"
        )
    try:
        with transaction.atomic():
            # Serialise reviews of one incident: the unique constraint would catch a race too,
            # but the lock gives the second writer a clear answer.
            Incident.objects.select_for_update().filter(pk=incident.pk).first()
            if (
                follow_up_of is None
                and AfterActionReview.objects.filter(
                    incident=incident, follow_up_of__isnull=True
                ).exists()
            ):
                raise ConflictError(
                    _("This incident already has a review: record a follow-up of it instead."),
                    field="follow_up_of",
                )
            review = AfterActionReview.objects.create(
                incident=incident,
                follow_up_of=follow_up_of,
                held_at=held_at,
                participants=participants.strip(),
                went_well=went_well.strip(),
                went_wrong=went_wrong.strip(),
                findings=findings_text.strip(),
                created_by=actor,
            )
            if participant_accounts:
                review.participant_accounts.set(participant_accounts)
            items = [
                _add_item(actor=actor, review=review, finding=f, index=i)
                for i, f in enumerate(findings)
            ]
            record(
                incident=incident,
                actor=actor,
                action="review_held",
                note=f"{held_at:%Y-%m-%d}",
                data={
                    "review": review.pk,
                    "follow_up_of": follow_up_of.pk if follow_up_of else None,
                    "items": [item.pk for item in items],
                },
            )
    except IntegrityError as exc:
        raise ConflictError(
            _("This incident already has a review: record a follow-up of it instead."),
            field="follow_up_of",
        ) from exc
    return review


def add_item(*, actor: User, review: AfterActionReview, finding: FindingInput) -> ImprovementItem:
    """One more improvement item for an existing review."""
    if not can_review(actor, review.incident):
        raise PermissionDeniedError(_("You may not review this incident."))
    with transaction.atomic():
        item = _add_item(actor=actor, review=review, finding=finding, index=None)
        record(
            incident=review.incident,
            actor=actor,
            action="review_item_added",
            note=item.title,
            data={"review": review.pk, "item": item.pk, "plan": item.plan_id},
        )
    return item


def review_items(review: AfterActionReview) -> list[ImprovementItem]:
    return list(
        ImprovementItem.objects.filter(source=ImprovementSource.REVIEW, source_id=review.pk)
        .select_related("plan", "owner_user", "owner_unit")
        .order_by(F("plan_id").asc(nulls_last=True), "state", "due_date", "pk")
    )


def close_item(
    *, actor: User, review: AfterActionReview, item: ImprovementItem, done: bool = True
) -> ImprovementItem:
    """Close one of the review's items (done or dropped), logged on the incident."""
    if item.source != ImprovementSource.REVIEW or item.source_id != review.pk:
        raise NotFoundError(_("No such improvement item in this review."))
    if not can_review(actor, review.incident):
        raise PermissionDeniedError(_("You may not review this incident."))
    with transaction.atomic():
        closed = close_improvement_item(
            actor=actor, item=item, done=done, perm=Perm.MANAGE_RECOVERY
        )
        record(
            incident=review.incident,
            actor=actor,
            action="review_item_closed",
            note=closed.title,
            data={"review": review.pk, "item": closed.pk, "state": closed.state},
        )
    return closed
