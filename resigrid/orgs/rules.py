"""Pure rules of the orgs registry: the Party organisation ladder and the credit-code check."""

from __future__ import annotations

import re

from resigrid.orgs.choices import OrgKind

# Which kinds may sit directly above each kind: a group sits in a branch; a branch in a general
# branch or a committee; a general branch in a committee; a committee in a higher committee.
ALLOWED_PARENTS: dict[str, frozenset[str]] = {
    OrgKind.COMMITTEE: frozenset({OrgKind.COMMITTEE}),
    OrgKind.GENERAL_BRANCH: frozenset({OrgKind.COMMITTEE}),
    OrgKind.BRANCH: frozenset({OrgKind.GENERAL_BRANCH, OrgKind.COMMITTEE}),
    OrgKind.GROUP: frozenset({OrgKind.BRANCH}),
}
# Kinds that need a parent (a group or a branch never stands alone).
NEEDS_PARENT = frozenset({OrgKind.GROUP, OrgKind.BRANCH, OrgKind.GENERAL_BRANCH})


def parent_allowed(child_kind: str, parent_kind: str | None) -> bool:
    if parent_kind is None:
        return child_kind not in NEEDS_PARENT
    return parent_kind in ALLOWED_PARENTS.get(child_kind, frozenset())


# GB 32100-2015 unified social credit code (统一社会信用代码): 18 characters from a 31-symbol
# alphabet (digits and capitals without I, O, Z, S, V); the 18th is a check character.
CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_PATTERN = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(CREDIT_ALPHABET.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return CREDIT_ALPHABET[(31 - total % 31) % 31]


def credit_code_problem(code: str) -> str | None:
    """None when `code` is a well-formed credit code, else 'format' or 'check'."""
    if not _CREDIT_PATTERN.match(code):
        return "format"
    if credit_check_char(code[:17]) != code[17]:
        return "check"
    return None
