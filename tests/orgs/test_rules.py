"""Pure rules: the organisation ladder and the GB 32100 credit-code check character."""

from __future__ import annotations

import pytest

from resigrid.orgs.choices import OrgKind
from resigrid.orgs.rules import credit_check_char, credit_code_problem, parent_allowed


@pytest.mark.parametrize(
    "code",
    ["91350100M000100Y43", "91110000600037341L", "911101087263808985", "12100000400000624D"],
)
def test_published_credit_codes_pass(code: str) -> None:
    assert credit_code_problem(code) is None


def test_wrong_check_character_is_named() -> None:
    assert credit_check_char("91350100M000100Y4") == "3"
    assert credit_code_problem("91350100M000100Y44") == "check"


@pytest.mark.parametrize(
    "code",
    ["", "91350100M000100Y4", "91350100M000100Y433", "91350100M00010OY43", "91350100M000I00Y43"],
)
def test_malformed_credit_codes(code: str) -> None:
    assert credit_code_problem(code) == "format"


@pytest.mark.parametrize(
    ("child", "parent", "ok"),
    [
        (OrgKind.GROUP, OrgKind.BRANCH, True),
        (OrgKind.GROUP, OrgKind.GENERAL_BRANCH, False),
        (OrgKind.GROUP, OrgKind.COMMITTEE, False),
        (OrgKind.GROUP, None, False),
        (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, True),
        (OrgKind.BRANCH, OrgKind.COMMITTEE, True),
        (OrgKind.BRANCH, OrgKind.BRANCH, False),
        (OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE, True),
        (OrgKind.GENERAL_BRANCH, OrgKind.BRANCH, False),
        (OrgKind.COMMITTEE, None, True),
        (OrgKind.COMMITTEE, OrgKind.COMMITTEE, True),
        (OrgKind.COMMITTEE, OrgKind.GROUP, False),
    ],
)
def test_ladder(child: str, parent: str | None, ok: bool) -> None:
    assert parent_allowed(child, parent) is ok
