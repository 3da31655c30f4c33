"""Rating through the service (band boundaries, configurable cuts, residual), review cadence
and the overdue list (time_machine), escalation (exactly one case), controls, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.test import override_settings

from resigrid.cases.models import Case
from resigrid.core.errors import (
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    ValidationFailed,
)
from resigrid.response.risks import escalation, rating, reads, services
from resigrid.response.risks.models import (
    ReviewKind,
    RiskControl,
    RiskLog,
    RiskPoint,
    RiskReview,
    RiskStatus,
)
from tests.factories import Tree, UserFactory
from tests.response.risks.conftest import add_risk, matrix

pytestmark = pytest.mark.django_db
SHANGHAI = dt.timezone(dt.timedelta(hours=8))


@pytest.mark.parametrize(
    ("l_", "harm", "score", "band"),
    [
        (1, 3, 3, "low"),
        (2, 2, 4, "general"),
        (3, 3, 9, "general"),
        (2, 5, 10, "large"),
        (4, 4, 16, "large"),
        (4, 5, 20, "major"),
        (5, 5, 25, "major"),
    ],
)
def test_matrix_bands_at_the_boundaries(
    tree: Tree, community_admin: Any, l_: int, harm: int, score: int, band: str
) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(l_, harm))
    assert (risk.score, risk.band, risk.inherent_band, risk.severity) == (
        Decimal(score),
        band,
        band,
        harm,
    )
    assert risk.residual_band == "" and risk.residual_score is None


def test_severity_is_the_worst_of_three(tree: Tree, community_admin: Any) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(2, 1, scale=4, loss=2))
    assert (risk.severity, risk.score, risk.band) == (4, Decimal(8), "general")


@override_settings(RISK_MATRIX_CUTS={"general_from": 5, "large_from": 12, "major_from": 16})
def test_cut_points_come_from_settings(tree: Tree, community_admin: Any) -> None:
    assert add_risk(community_admin, tree.grid11, matrix(2, 2)).band == "low"  # 4 < 5
    assert add_risk(community_admin, tree.grid11, matrix(4, 4)).band == "major"  # 16


@pytest.mark.parametrize(
    ("l_", "e", "c", "d", "band"),
    [
        ("10", "1", "7", "70", "general"),
        ("3", "3", "7", "63", "low"),
        ("6", "6", "7", "252", "large"),
        ("10", "6", "7", "420", "major"),
        ("0.1", "0.5", "1", "0.05", "low"),
    ],
)
def test_lec_bands(
    tree: Tree, community_admin: Any, l_: str, e: str, c: str, d: str, band: str
) -> None:
    factors = rating.Factors(method="lec", lec_l=l_, lec_e=e, lec_c=c)
    risk = add_risk(community_admin, tree.grid11, factors, hazard_class="accident")
    risk.refresh_from_db()
    assert (risk.score, risk.band, risk.likelihood) == (Decimal(d), band, None)


def test_residual_lowers_the_current_band_and_never_rises(tree: Tree, community_admin: Any) -> None:
    risk = add_risk(
        community_admin,
        tree.grid11,
        matrix(4, 5, residual_likelihood=2, residual_severity=4),
    )
    assert (risk.score, risk.inherent_band, risk.residual_score, risk.residual_band) == (
        Decimal(20),
        "major",
        Decimal(8),
        "general",
    )
    assert risk.band == "general"
    before = RiskPoint.objects.count()
    with pytest.raises(ValidationFailed) as raised:
        add_risk(
            community_admin, tree.grid11, matrix(2, 3, residual_likelihood=3, residual_severity=1)
        )
    assert raised.value.field == "residual_likelihood"
    with pytest.raises(ValidationFailed) as raised:
        add_risk(
            community_admin,
            tree.grid11,
            rating.Factors(
                method="lec", lec_l="3", lec_e="2", lec_c="7", residual_lec_l="3",
                residual_lec_e="3", residual_lec_c="1",
            ),
        )  # fmt: skip
    assert raised.value.field == "residual_lec_e"
    assert RiskPoint.objects.count() == before


@pytest.mark.parametrize(
    ("factors", "field"),
    [
        (matrix(0, 3), "likelihood"),
        (matrix(6, 3), "likelihood"),
        (
            rating.Factors(method="matrix", likelihood=2, harm=2, scale=None, property_loss=1),
            "scale",
        ),
        (rating.Factors(method="lec", lec_l="7", lec_e="1", lec_c="1"), "lec_l"),
        (rating.Factors(method="lec", lec_l="1", lec_e="abc", lec_c="1"), "lec_e"),
        (rating.Factors(method="other"), "method"),
        (matrix(2, 2, residual_likelihood=1), "residual_severity"),
    ],
)
def test_bad_factors_name_the_field(
    tree: Tree, community_admin: Any, factors: rating.Factors, field: str
) -> None:
    with pytest.raises(ValidationFailed) as raised:
        add_risk(community_admin, tree.grid11, factors)
    assert raised.value.field == field
    assert RiskPoint.objects.count() == RiskReview.objects.count() == 0


def test_bad_details(tree: Tree, community_admin: Any) -> None:
    cases: list[tuple[dict[str, Any], str]] = [
        ({"name": " "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"hazard_class": "meteor"}, "hazard_class"),
        ({"lon": 121.0, "lat": 30.05}, "lon"),  # outside the grid
        ({"lon": "abc", "lat": 30.05}, "lon"),
        ({"description": "y" * 4001}, "description"),
    ]
    for extra, field in cases:
        kwargs: dict[str, Any] = {"name": "积水", "hazard_class": "natural", **extra}
        with pytest.raises(ValidationFailed) as raised:
            services.create_risk(
                actor=community_admin,
                area=tree.grid11,
                details=services.Details(**kwargs),
                factors=matrix(2, 2),
            )
        assert raised.value.field == field, extra
    admin = UserFactory(username="root", is_superuser=True)
    with pytest.raises(ValidationFailed) as raised:
        add_risk(admin, tree.district)
    assert raised.value.field == "area"
    other = tree.grid21
    from resigrid.areas.models import Building

    building = Building.objects.create(grid=other, name="9号楼", lon=120.25, lat=30.05)
    with pytest.raises(ValidationFailed) as raised:
        add_risk(community_admin, tree.community1, building=building)
    assert raised.value.field == "building"
    assert RiskPoint.objects.count() == 0


def test_point_defaults_to_the_building(tree: Tree, community_admin: Any) -> None:
    risk = add_risk(community_admin, tree.grid11, building=tree.building11)
    assert (risk.lon, risk.lat) == (120.05, 30.05)
    assert reads.position(add_risk(community_admin, tree.grid11)) is not None


def test_scope_of_writes(
    tree: Tree, community_admin: Any, grid_worker: Any, outsider: Any, street_admin: Any
) -> None:
    with pytest.raises(PermissionDeniedError):
        add_risk(grid_worker, tree.grid11)
    with pytest.raises(NotFoundError):
        add_risk(outsider, tree.grid11)
    with pytest.raises(NotFoundError):
        add_risk(community_admin, tree.grid21)  # the other community
    risk = add_risk(street_admin, tree.grid21)
    with pytest.raises(NotFoundError):
        services.review_risk(actor=community_admin, risk_id=risk.pk, note="看过")
    mine = add_risk(community_admin, tree.grid11)
    with pytest.raises(PermissionDeniedError):
        services.review_risk(actor=grid_worker, risk_id=mine.pk, note="看过")
    assert RiskReview.objects.filter(kind=ReviewKind.REVIEW).count() == 0


@time_machine.travel(dt.datetime(2026, 1, 31, 10, tzinfo=SHANGHAI), tick=False)
def test_review_cadence_and_overdue(tree: Tree, community_admin: Any) -> None:
    major = add_risk(community_admin, tree.grid11, matrix(5, 5), name="燃气管道")
    low = add_risk(community_admin, tree.grid11, matrix(1, 2), name="健身器材")
    general = add_risk(community_admin, tree.grid11, matrix(2, 3), name="楼道堆物")
    assert major.next_review_due == dt.date(2026, 2, 28)  # monthly, clamped
    assert low.next_review_due == general.next_review_due == dt.date(2026, 7, 31)
    assert reads.overdue(community_admin) == []
    with time_machine.travel(dt.datetime(2026, 2, 28, 23, 0, tzinfo=SHANGHAI), tick=False):
        assert reads.overdue(community_admin) == []  # due today: not yet overdue
    with time_machine.travel(dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI), tick=False):
        assert [(r.pk, days) for r, days in reads.overdue(community_admin)] == [(major.pk, 3)]
        review = services.review_risk(
            actor=community_admin,
            risk_id=major.pk,
            note="阀门已更换",
            factors=matrix(5, 5, residual_likelihood=2, residual_severity=4),
            controlled=True,
        )
        assert (review.reviewed_on, review.next_due, review.residual_band) == (
            dt.date(2026, 3, 3),
            dt.date(2026, 9, 3),  # now general: six months
            "general",
        )
        major.refresh_from_db()
        assert (major.status, major.band, major.next_review_due) == (
            "controlled",
            "general",
            dt.date(2026, 9, 3),
        )
        assert reads.overdue(community_admin) == []
    with time_machine.travel(dt.datetime(2026, 8, 1, 9, tzinfo=SHANGHAI), tick=False):
        assert [r.pk for r, _ in reads.overdue(community_admin)] == [low.pk, general.pk]
        services.close_risk(actor=community_admin, risk_id=low.pk, note="器材已拆除")
        assert [r.pk for r, _ in reads.overdue(community_admin)] == [general.pk]
    assert [r.kind for r in major.reviews.order_by("pk")] == ["assessment", "review"]


def test_review_needs_a_note_and_an_open_risk(tree: Tree, community_admin: Any) -> None:
    risk = add_risk(community_admin, tree.grid11)
    with pytest.raises(ValidationFailed) as raised:
        services.review_risk(actor=community_admin, risk_id=risk.pk, note="  ")
    assert raised.value.field == "note"
    services.close_risk(actor=community_admin, risk_id=risk.pk, note="整改完毕")
    with pytest.raises(ConflictError):
        services.review_risk(actor=community_admin, risk_id=risk.pk, note="x")
    with pytest.raises(ConflictError):
        services.close_risk(actor=community_admin, risk_id=risk.pk, note="x")
    assert risk.reviews.count() == 1
    assert list(risk.log.order_by("pk").values_list("action", flat=True)) == ["create", "close"]


def test_update_reassesses(tree: Tree, community_admin: Any) -> None:
    risk = add_risk(community_admin, tree.grid11, matrix(2, 2))
    services.update_risk(
        actor=community_admin,
        risk_id=risk.pk,
        details=services.Details(name="低洼积水点（地下车库）", subtype="内涝"),
        factors=matrix(4, 4),
        note="汛期临近",
    )
    risk.refresh_from_db()
    assert (risk.name, risk.subtype, risk.band, risk.hazard_class) == (
        "低洼积水点（地下车库）",
        "内涝",
        "large",
        "natural",
    )
    assert risk.next_review_due == rating.next_due(services.today(), "large")
    assert [r.kind for r in risk.reviews.order_by("pk")] == ["assessment", "reassessment"]


def test_controls(tree: Tree, community_admin: Any, grid_worker: Any) -> None:
    risk = add_risk(community_admin, tree.grid11)
    control = services.add_control(
        actor=community_admin, risk_id=risk.pk, measure="设置警示标志", owner="物业"
    )
    with pytest.raises(ValidationFailed) as raised:
        services.add_control(actor=community_admin, risk_id=risk.pk, measure="设置警示标志")
    assert raised.value.field == "measure"
    with pytest.raises(ValidationFailed):
        services.add_control(actor=community_admin, risk_id=risk.pk, measure="")
    with pytest.raises(PermissionDeniedError):
        services.set_control_state(actor=grid_worker, control_id=control.pk, state="in_place")
    services.set_control_state(actor=community_admin, control_id=control.pk, state="in_place")
    assert RiskControl.objects.get().state == "in_place"


def test_escalation_opens_exactly_one_case(
    tree: Tree, community_admin: Any, categories: Any, grid_worker: Any
) -> None:
    mine = add_risk(community_admin, tree.grid11)
    with pytest.raises(PermissionDeniedError):
        escalation.escalate(actor=grid_worker, risk_id=mine.pk, note="无法处置")
    risk = add_risk(community_admin, tree.community1, matrix(4, 5), name="地下车库倒灌")
    with pytest.raises(ValidationFailed) as raised:
        escalation.escalate(actor=community_admin, risk_id=risk.pk, note="")
    assert raised.value.field == "note"
    case = escalation.escalate(actor=community_admin, risk_id=risk.pk, note="需街道协调泵车")
    risk.refresh_from_db()
    assert (risk.status, risk.escalated_case_id, risk.escalated_to_id) == (
        RiskStatus.ESCALATED,
        case.pk,
        tree.street.pk,
    )
    assert (case.category.code, case.priority, case.source, case.grid_id) == (
        "04.01",
        "urgent",
        "inspection",
        tree.grid11.pk,  # a point inside the community's first grid
    )
    assert "地下车库倒灌" in case.title and "和平街道" in case.description
    logs = RiskLog.objects.count()
    with pytest.raises(ConflictError):
        escalation.escalate(actor=community_admin, risk_id=risk.pk, note="再次上报")
    assert Case.objects.count() == 1 and RiskLog.objects.count() == logs


def test_escalation_category(tree: Tree, community_admin: Any, categories: Any) -> None:
    fire = add_risk(community_admin, tree.grid11, name="电动车充电", hazard_class="accident")
    with pytest.raises(ValidationFailed) as raised:
        escalation.escalate(actor=community_admin, risk_id=fire.pk, note="x", category="99")
    assert raised.value.field == "category"
    assert Case.objects.count() == 0
    case = escalation.escalate(actor=community_admin, risk_id=fire.pk, note="x")
    assert (case.category.code, case.priority) == ("04.03", "normal")
