"""Requests, whistles and merging: the rules and their errors."""

from __future__ import annotations

import pytest

from resigrid.cases import coordination, services
from resigrid.cases.models import CaseRequest, Whistle
from resigrid.core.errors import ConflictError, PermissionDeniedError, ValidationFailed
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db


def _dispatched(casebook: Casebook, resident, manager):
    case = report(resident)
    services.accept(actor=manager, case_id=case.pk, register=True)
    return services.dispatch(actor=manager, case_id=case.pk)


def test_postponement_rules(casebook: Casebook, resident, community_admin, department) -> None:
    case = report(resident)
    with pytest.raises(ConflictError):  # not being handled yet
        coordination.request_change(
            actor=community_admin, case_id=case.pk, kind="postpone", reason="x", extra_minutes=60
        )
    services.accept(actor=community_admin, case_id=case.pk, register=True)
    services.dispatch(actor=community_admin, case_id=case.pk)
    with pytest.raises(ValidationFailed) as err:
        coordination.request_change(
            actor=department, case_id=case.pk, kind="postpone", reason="缺配件", extra_minutes=0
        )
    assert err.value.field == "extra_minutes"
    first = coordination.request_change(
        actor=department, case_id=case.pk, kind="postpone", reason="缺配件", extra_minutes=60
    )
    with pytest.raises(ConflictError):  # one waiting request of a kind
        coordination.request_change(
            actor=department, case_id=case.pk, kind="postpone", reason="再等", extra_minutes=60
        )
    with pytest.raises(PermissionDeniedError):  # the unit cannot approve its own request
        coordination.decide(actor=department, request_id=first.pk, approve=True)
    with pytest.raises(ValidationFailed):  # refusing needs a reason
        coordination.decide(actor=community_admin, request_id=first.pk, approve=False)
    coordination.decide(actor=community_admin, request_id=first.pk, approve=False, note="不合理")
    with pytest.raises(ConflictError):
        coordination.decide(actor=community_admin, request_id=first.pk, approve=True)
    first.refresh_from_db()
    assert (first.approved, first.decision_note) == (False, "不合理")
    assert CaseRequest.objects.count() == 1


def test_outsider_unit_cannot_request(
    casebook: Casebook, resident, community_admin, outsider
) -> None:
    case = _dispatched(casebook, resident, community_admin)
    with pytest.raises(PermissionDeniedError):
        coordination.request_change(actor=outsider, case_id=case.pk, kind="suspend", reason="x")
    assert CaseRequest.objects.count() == 0


def test_whistle_rules(casebook: Casebook, resident, community_admin, department, outsider) -> None:
    case = report(resident)
    with pytest.raises(ValidationFailed):
        coordination.whistle(
            actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason=""
        )
    row = coordination.whistle(
        actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="需执法"
    )
    with pytest.raises(ConflictError):
        coordination.whistle(
            actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="再吹"
        )
    with pytest.raises(PermissionDeniedError):
        coordination.answer(actor=outsider, whistle_id=row.pk, text="我来了")
    coordination.answer(actor=department, whistle_id=row.pk, text="已到场")
    with pytest.raises(ConflictError):
        coordination.answer(actor=department, whistle_id=row.pk, text="again")
    assert Whistle.objects.get().answer == "已到场"
    # Answered: the unit may be summoned again.
    coordination.whistle(
        actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="复查"
    )
    assert Whistle.objects.count() == 2


def test_summoned_unit_sees_the_case(
    casebook: Casebook, resident, community_admin, department
) -> None:
    from resigrid.cases.models import Case

    case = report(resident)
    assert not Case.objects.visible_to(department).filter(pk=case.pk).exists()
    coordination.whistle(
        actor=community_admin, case_id=case.pk, unit_id=casebook.city_admin.pk, reason="需执法"
    )
    assert Case.objects.visible_to(department).filter(pk=case.pk).exists()


def test_merge(casebook: Casebook, resident, community_admin) -> None:
    target = report(resident)
    duplicate = report(resident)
    with pytest.raises(ValidationFailed):
        coordination.merge(actor=community_admin, case_id=target.pk, into_id=target.pk)
    coordination.merge(actor=community_admin, case_id=duplicate.pk, into_id=target.pk)
    duplicate.refresh_from_db()
    assert (duplicate.state, duplicate.merged_into_id, duplicate.stage_due) == (
        "merged",
        target.pk,
        None,
    )
    assert target.log.filter(action="merged_in", note=duplicate.number).count() == 1
    with pytest.raises(ConflictError):  # a merged case cannot be a target
        coordination.merge(actor=community_admin, case_id=target.pk, into_id=duplicate.pk)


def test_return_sends_it_back_for_dispatch(
    casebook: Casebook, resident, community_admin, department
) -> None:
    case = _dispatched(casebook, resident, community_admin)
    with pytest.raises(ValidationFailed):
        services.return_case(actor=department, case_id=case.pk, reason="")
    services.return_case(actor=department, case_id=case.pk, reason="不属于城管职责")
    case.refresh_from_db()
    assert (case.state, case.lead_unit, case.return_count, case.stage) == (
        "registered",
        None,
        1,
        "dispatch",
    )
    assert list(case.support_units.all()) == []
