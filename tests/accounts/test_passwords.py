"""Password policy: staff accounts need length and mixed character classes; residents do not."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from resigrid.accounts.models import SecurityEvent
from resigrid.accounts.passwords import StaffComplexityValidator, character_classes
from tests.accounts.conftest import events, make_user, post_login
from tests.factories import TEST_PASSWORD

LOWER_AND_DIGITS = "meadowlark2719"  # 14 characters, 2 classes, not common
STRONG = "Meadow#Lark2719"


def codes(password: str, user: object) -> list[str]:
    try:
        StaffComplexityValidator().validate(password, user)
    except ValidationError as exc:
        return [str(e.code) for e in exc.error_list]
    return []


def test_character_classes():
    assert character_classes("abc") == 1
    assert character_classes("abC1") == 3
    assert character_classes("aB1!") == 4
    assert character_classes("a b") == 2  # space counts as a symbol


def test_resident_is_held_to_the_general_rules_only(resident):
    assert codes(LOWER_AND_DIGITS, resident) == []
    validate_password(LOWER_AND_DIGITS, resident)


def test_role_holder_other_than_resident_needs_a_mix(grid_worker):
    assert codes(LOWER_AND_DIGITS, grid_worker) == ["staff_password_too_simple"]
    with pytest.raises(ValidationError):
        validate_password(LOWER_AND_DIGITS, grid_worker)
    validate_password(STRONG, grid_worker)


def test_django_staff_flag_makes_a_staff_account(db):
    user = make_user(username="opsadmin", is_staff=True)
    assert codes(LOWER_AND_DIGITS, user) == ["staff_password_too_simple"]


def test_short_and_simple_staff_password_gets_both_errors(community_admin):
    assert codes("abc", community_admin) == [
        "staff_password_too_short",
        "staff_password_too_simple",
    ]


def test_length_limit_comes_from_settings(community_admin, settings):
    settings.STAFF_PASSWORD_MIN_LENGTH = 20
    assert codes(STRONG, community_admin) == ["staff_password_too_short"]


def test_new_unsaved_user_without_staff_flag_is_not_staff(db):
    from resigrid.accounts.models import User

    assert codes(LOWER_AND_DIGITS, User(username="new")) == []
    assert codes(LOWER_AND_DIGITS, None) == ["staff_password_too_simple"]


def test_help_text_names_the_limits():
    text = StaffComplexityValidator().get_help_text()
    assert str(settings.STAFF_PASSWORD_MIN_LENGTH) in text


def change(client: Any, old: str, new: str) -> Any:
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": new},
    )


def test_password_change_page_renders(anon, resident):
    post_login(anon, "resident")
    response = anon.get(reverse("accounts:password_change"))
    assert response.status_code == 200
    assert b'name="new_password1"' in response.content


def test_password_change_anonymous_goes_to_login(anon, db):
    response = anon.get(reverse("accounts:password_change"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_resident_changes_password_and_it_is_recorded(anon, resident):
    post_login(anon, "resident")
    response = change(anon, TEST_PASSWORD, LOWER_AND_DIGITS)
    assert response.status_code == 302
    assert response["Location"] == reverse("web:home")
    resident.refresh_from_db()
    assert resident.check_password(LOWER_AND_DIGITS)
    assert events() == [("login", "resident"), ("password_changed", "resident")]
    # This session survives the change.
    assert anon.get(reverse("accounts:tokens")).status_code == 200


def test_staff_weak_new_password_is_refused_and_nothing_changes(anon, grid_worker):
    post_login(anon, "gridworker")
    before = grid_worker.password
    response = change(anon, TEST_PASSWORD, LOWER_AND_DIGITS)
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["new_password2"]] == [
        "staff_password_too_simple"
    ]
    grid_worker.refresh_from_db()
    assert grid_worker.password == before
    assert not SecurityEvent.objects.filter(kind="password_changed").exists()


def test_wrong_old_password_is_refused(anon, grid_worker):
    post_login(anon, "gridworker")
    response = change(anon, "not-my-password", STRONG)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["old_password"]
    assert not SecurityEvent.objects.filter(kind="password_changed").exists()


def test_other_sessions_end_after_a_password_change(resident):
    from django.test import Client

    first, second = Client(), Client()
    post_login(first, "resident")
    post_login(second, "resident")
    change(first, TEST_PASSWORD, LOWER_AND_DIGITS)
    assert first.get(reverse("accounts:tokens")).status_code == 200
    assert second.get(reverse("accounts:tokens")).status_code == 302
