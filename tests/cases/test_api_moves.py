"""Every move through the API: the happy loop, 409 naming the state, 403/404, requests,
whistles, merge and rating (also anonymously with the tracking code)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from resigrid.cases.models import Case, CaseLog, CaseRequest, Whistle
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import T0, client_of, move_to, post

pytestmark = pytest.mark.django_db


def act(pk: int, action: str) -> str:
    return f"/api/cases/{pk}/actions/{action}"


def log_of(case: Case) -> list[tuple[str, str, str]]:
    return list(
        CaseLog.objects.filter(case=case)
        .order_by("pk")
        .values_list("action", "from_state", "to_state")
    )


def test_the_whole_loop(casebook: Casebook, resident, community_admin, department, grid_worker):
    with time_machine.travel(T0, tick=False) as clock:
        case = report(resident)
        admin, unit = client_of(community_admin), client_of(department)
        checker, me = client_of(grid_worker), client_of(resident)
        clock.shift(dt.timedelta(minutes=10))
        accepted = post(admin, act(case.pk, "accept"), {"register": True, "note": "收到"})
        assert accepted.status_code == 200
        body = accepted.json()
        assert (body["view"], body["state"], body["stage"], body["stage_due"]) == (
            "staff",
            "registered",
            "dispatch",
            "2026-11-02T11:10:00Z",
        )
        assert (body["accepted_at"], body["registered_at"]) == ("2026-11-02T09:10:00Z",) * 2
        dispatched = post(admin, act(case.pk, "dispatch"), {"expected_state": "registered"})
        assert dispatched.json()["lead_unit"] == {
            "id": casebook.city_admin.pk,
            "name": "城管执法队",
        }
        assert dispatched.json()["support_units"] == [
            {"id": casebook.property_co.pk, "name": "东湖物业"}
        ]
        assert post(unit, act(case.pk, "start"), {}).json()["state"] == "in_progress"
        handled = post(unit, act(case.pk, "handle"), {"result": "已清运。"}).json()
        assert (handled["state"], handled["result"], handled["handled_by"]) == (
            "handled",
            "已清运。",
            "部门己",
        )
        failed = post(checker, act(case.pk, "verify"), {"passed": False, "note": "还有残留"})
        assert (failed.json()["state"], failed.json()["rework_count"]) == ("in_progress", 1)
        post(unit, act(case.pk, "handle"), {"result": "已彻底清运。"})
        assert post(checker, act(case.pk, "verify"), {"passed": True}).json()["state"] == (
            "verified"
        )
        closed = post(admin, act(case.pk, "close"), {"note": "结案"}).json()
        assert (closed["state"], closed["closed_on_time"]) == ("closed", True)
        mine = me.get(f"/api/cases/{case.pk}").json()
        assert (mine["view"], mine["can_rate"], mine["result"]) == ("public", True, "已彻底清运。")
        rated = post(me, act(case.pk, "rate"), {"rating": "satisfied", "expected_state": "closed"})
        assert rated.status_code == 200
        assert (rated.json()["state"], rated.json()["rating"], rated.json()["view"]) == (
            "rated",
            "satisfied",
            "public",
        )
    assert log_of(case) == [
        ("report", "", "reported"),
        ("accept", "reported", "accepted"),
        ("register", "accepted", "registered"),
        ("dispatch", "registered", "dispatched"),
        ("start", "dispatched", "in_progress"),
        ("handle", "in_progress", "handled"),
        ("verify_fail", "handled", "in_progress"),
        ("handle", "in_progress", "handled"),
        ("verify_pass", "handled", "verified"),
        ("close", "verified", "closed"),
        ("rate", "closed", "rated"),
    ]


def test_illegal_move_is_409_naming_the_state(casebook: Casebook, resident, community_admin):
    case = report(resident)
    response = post(client_of(community_admin), act(case.pk, "close"), {})
    assert response.status_code == 409
    assert response.json() == {
        "detail": "“Close” is not possible while the case is “Reported”.",
        "state": "reported",
    }
    assert log_of(case) == [("report", "", "reported")]


def test_a_case_that_moved_on_is_409(casebook: Casebook, resident, community_admin):
    case = report(resident)
    admin = client_of(community_admin)
    assert post(admin, act(case.pk, "accept"), {"expected_state": "reported"}).status_code == 200
    again = post(admin, act(case.pk, "reject"), {"expected_state": "reported", "reason": "重复"})
    assert again.status_code == 409
    assert again.json() == {
        "detail": "The case is now “Accepted”, not “Reported”; reload it.",
        "state": "accepted",
    }
    case.refresh_from_db()
    assert (case.state, case.rejection_reason) == ("accepted", "")


def test_the_handler_may_not_verify(casebook: Casebook, resident, community_admin, grid_worker):
    # The community handles the case itself (自办), then tries to verify its own work.
    case = move_to(
        report(resident),
        "registered",
        manager=community_admin,
        unit=community_admin,
        verifier=grid_worker,
    )
    admin = client_of(community_admin)
    post(admin, act(case.pk, "dispatch"), {"lead_unit": casebook.property_co.pk, "note": "物业"})
    assert post(admin, act(case.pk, "handle"), {"result": "已处理"}).status_code == 200
    response = post(admin, act(case.pk, "verify"), {"passed": True})
    assert response.status_code == 403
    assert response.json() == {"detail": "The person who handled the case cannot verify it."}
    case.refresh_from_db()
    assert (case.state, case.verified_by) == ("handled", None)
    assert post(client_of(grid_worker), act(case.pk, "verify"), {"passed": True}).status_code == 200


def test_outsiders_get_404_and_residents_403(casebook: Casebook, resident, outsider):
    case = report(resident)
    assert post(client_of(outsider), act(case.pk, "accept"), {}).status_code == 404
    denied = post(client_of(resident), act(case.pk, "accept"), {})
    assert denied.status_code == 403
    assert denied.json() == {"detail": "You may not accept cases in this grid."}
    assert post(Client(), act(case.pk, "accept"), {}).status_code == 401
    assert log_of(case) == [("report", "", "reported")]


def test_reject_and_return_need_reasons(
    casebook: Casebook, resident, community_admin, department, grid_worker
):
    case = report(resident)
    admin = client_of(community_admin)
    blank = post(admin, act(case.pk, "reject"), {"reason": " "})
    assert blank.status_code == 422
    assert blank.json()["detail"] == [
        {"loc": ["body", "reason"], "msg": "Please give a reason.", "type": "value_error"}
    ]
    move_to(case, "dispatched", manager=community_admin, unit=department, verifier=grid_worker)
    unit = client_of(department)
    assert post(unit, act(case.pk, "return"), {"reason": ""}).status_code == 422
    returned = post(unit, act(case.pk, "return"), {"reason": "不归我们管"})
    assert returned.status_code == 200
    # The unit is no longer working on the case: it gets the public view of it.
    assert (returned.json()["view"], returned.json()["state"]) == ("public", "registered")
    assert post(unit, act(case.pk, "start"), {}).status_code == 404
    case.refresh_from_db()
    assert (case.state, case.lead_unit, case.return_count) == ("registered", None, 1)


def test_dispatch_override_and_unknown_units(
    casebook: Casebook, resident, community_admin, department, grid_worker
):
    case = move_to(
        report(resident),
        "registered",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )
    admin = client_of(community_admin)
    override = post(admin, act(case.pk, "dispatch"), {"lead_unit": casebook.property_co.pk})
    assert override.status_code == 422
    assert override.json()["detail"][0]["loc"] == ["body", "note"]
    unknown = post(admin, act(case.pk, "dispatch"), {"lead_unit": 999999, "note": "x"})
    assert unknown.json()["detail"][0] == {
        "loc": ["body", "lead_unit"],
        "msg": "Unknown lead unit.",
        "type": "value_error",
    }
    case.refresh_from_db()
    assert (case.state, case.lead_unit) == ("registered", None)


def test_merge_a_duplicate(casebook: Casebook, resident, grid_worker, community_admin, outsider):
    first = report(grid_worker, source="patrol")
    duplicate = report(resident)
    admin = client_of(community_admin)
    unknown = post(admin, act(duplicate.pk, "merge"), {"into": 999999})
    assert unknown.json()["detail"][0]["loc"] == ["body", "into"]
    merged = post(admin, act(duplicate.pk, "merge"), {"into": first.pk, "note": "同一处"})
    assert merged.status_code == 200
    assert (merged.json()["state"], merged.json()["merged_into"]) == ("merged", first.number)
    reporter_view = client_of(resident).get(f"/api/cases/{duplicate.pk}").json()
    assert reporter_view["timeline"][-1]["note"] == f"Merged into {first.number}. 同一处"


def test_anonymous_rates_with_the_tracking_code(
    casebook: Casebook, community_admin, department, grid_worker
):
    case = move_to(
        report(None, contact_phone="13800138000"),
        "closed",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )
    anonymous = Client()
    assert post(anonymous, act(case.pk, "rate"), {"rating": "satisfied"}).status_code == 404
    wrong = post(anonymous, act(case.pk, "rate"), {"rating": "satisfied", "tracking_code": "X"})
    assert wrong.status_code == 404
    unhappy = post(
        anonymous,
        act(case.pk, "rate"),
        {"rating": "unsatisfied", "tracking_code": case.tracking_code, "comment": ""},
    )
    assert unhappy.status_code == 422
    assert unhappy.json()["detail"][0]["loc"] == ["body", "comment"]
    rated = post(
        anonymous,
        act(case.pk, "rate"),
        {"rating": "unsatisfied", "tracking_code": case.tracking_code, "comment": "没清干净"},
    )
    assert rated.status_code == 200
    assert (rated.json()["rating"], rated.json()["rating_comment"]) == ("unsatisfied", "没清干净")
    reopen = CaseRequest.objects.get(case=case)
    assert (reopen.kind, reopen.reason, reopen.requested_by) == ("reopen", "没清干净", None)


def test_staff_may_not_rate(casebook: Casebook, resident, community_admin, department, grid_worker):
    case = move_to(
        report(resident), "closed", manager=community_admin, unit=department, verifier=grid_worker
    )
    response = post(client_of(community_admin), act(case.pk, "rate"), {"rating": "satisfied"})
    assert (response.status_code, response.json()) == (
        403,
        {"detail": "Only the reporter may rate the case."},
    )
    bad = post(client_of(resident), act(case.pk, "rate"), {"rating": "great"})
    assert bad.json()["detail"][0] == {
        "loc": ["body", "rating"],
        "msg": "Choose satisfied, basically satisfied or unsatisfied.",
        "type": "value_error",
    }
    case.refresh_from_db()
    assert (case.state, case.rating) == ("closed", "")


def test_postponement_request_and_decision(
    casebook: Casebook, resident, community_admin, department, grid_worker
):
    case = move_to(
        report(resident),
        "dispatched",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )
    due = case.handle_due
    assert due is not None
    unit, admin = client_of(department), client_of(community_admin)
    with time_machine.travel(T0, tick=False):
        asked = post(
            unit,
            f"/api/cases/{case.pk}/requests",
            {"kind": "postpone", "reason": "需要采购井盖", "extra_minutes": 1440},
        )
    assert asked.status_code == 201
    row = CaseRequest.objects.get()
    assert asked.json() == {
        "id": row.pk,
        "case_id": case.pk,
        "kind": "postpone",
        "reason": "需要采购井盖",
        "extra_minutes": 1440,
        "requested_by": "部门己",
        "requested_at": "2026-11-02T09:00:00Z",
        "approved": None,
        "decided_by": None,
        "decided_at": None,
        "decision_note": "",
    }
    assert post(unit, f"/api/cases/{case.pk}/requests", {"kind": "later", "reason": "x"}).json()[
        "detail"
    ][0]["loc"] == ["body", "kind"]
    denied = post(unit, f"/api/cases/requests/{row.pk}/decision", {"approve": True})
    assert denied.status_code == 403
    with time_machine.travel(T0 + dt.timedelta(hours=1), tick=False):
        decided = post(admin, f"/api/cases/requests/{row.pk}/decision", {"approve": True})
    assert decided.status_code == 200
    assert {k: decided.json()[k] for k in ("approved", "decided_by", "decided_at")} == {
        "approved": True,
        "decided_by": "书记丙",
        "decided_at": "2026-11-02T10:00:00Z",
    }
    case.refresh_from_db()
    assert case.handle_due == due + dt.timedelta(days=1)
    twice = post(admin, f"/api/cases/requests/{row.pk}/decision", {"approve": False, "note": "x"})
    assert (twice.status_code, twice.json()["detail"]) == (
        409,
        "This request has already been decided.",
    )
    # The reporter sees the case, but deciding is the community's.
    by_reporter = post(
        client_of(resident), f"/api/cases/requests/{row.pk}/decision", {"approve": 0}
    )
    assert (by_reporter.status_code, by_reporter.json()) == (
        403,
        {"detail": "You may not decide requests for this grid."},
    )
    assert post(
        client_of(resident), "/api/cases/requests/999999/decision", {"approve": 1}
    ).json() == {"detail": "No such request."}


def test_suspension_and_resume(
    casebook: Casebook, resident, community_admin, department, grid_worker
):
    case = move_to(
        report(resident),
        "dispatched",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )
    unit, admin = client_of(department), client_of(community_admin)
    asked = post(unit, f"/api/cases/{case.pk}/requests", {"kind": "suspend", "reason": "等待"})
    post(admin, f"/api/cases/requests/{asked.json()['id']}/decision", {"approve": True})
    staff = admin.get(f"/api/cases/{case.pk}").json()
    assert staff["suspended_at"] is not None and "resume" in staff["actions"]
    resumed = post(admin, f"/api/cases/{case.pk}/resume", {"note": "材料到了"})
    assert resumed.status_code == 200
    assert resumed.json()["suspended_at"] is None
    again = post(admin, f"/api/cases/{case.pk}/resume", {})
    assert (again.status_code, again.json()) == (
        409,
        {"detail": "The case is not suspended.", "state": "dispatched"},
    )


def test_whistle_and_answer(casebook: Casebook, resident, community_admin, department, outsider):
    case = report(resident)
    admin, unit = client_of(community_admin), client_of(department)
    with time_machine.travel(T0, tick=False):
        blown = post(
            admin,
            f"/api/cases/{case.pk}/whistles",
            {"unit": casebook.city_admin.pk, "reason": "占道经营需执法", "answer_minutes": 60},
        )
    assert blown.status_code == 201
    whistle = Whistle.objects.get()
    assert blown.json() == {
        "id": whistle.pk,
        "case_id": case.pk,
        "unit": {"id": casebook.city_admin.pk, "name": "城管执法队"},
        "reason": "占道经营需执法",
        "summoned_by": "书记丙",
        "summoned_at": "2026-11-02T09:00:00Z",
        "due_at": "2026-11-02T10:00:00Z",
        "answered_by": None,
        "answered_at": None,
        "answer": "",
        "late": False,
    }
    twice = post(
        admin, f"/api/cases/{case.pk}/whistles", {"unit": casebook.city_admin.pk, "reason": "再吹"}
    )
    assert twice.status_code == 409
    answer_url = f"/api/cases/whistles/{whistle.pk}/answer"
    assert post(client_of(outsider), answer_url, {"text": "到"}).status_code == 404
    assert post(admin, answer_url, {"text": "到"}).status_code == 403
    with time_machine.travel(T0 + dt.timedelta(minutes=20), tick=False):
        answered = post(unit, answer_url, {"text": "已派人到场"})
    assert answered.status_code == 200
    assert {k: answered.json()[k] for k in ("answered_by", "answered_at", "answer", "late")} == {
        "answered_by": "部门己",
        "answered_at": "2026-11-02T09:20:00Z",
        "answer": "已派人到场",
        "late": False,
    }
    assert post(unit, answer_url, {"text": "again"}).status_code == 409
