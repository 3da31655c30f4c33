"""Personal-data primitives: GB 11643 check digit, phone pattern, masking, encryption, hashes."""

import pytest
from cryptography.exceptions import InvalidTag
from hypothesis import given
from hypothesis import strategies as st

from resigrid.core import pii
from resigrid.core.errors import ValidationFailed


def test_check_digit_of_the_standard_example():
    # GB 11643-1999's own example: 11010519491231002X.
    assert pii.id_check_digit("11010519491231002") == "X"
    assert pii.normalise_id_number(" 11010519491231002x ") == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "An ID number has 18 characters: 17 digits and a digit or X."),
        ("1101051949123100", "An ID number has 18 characters: 17 digits and a digit or X."),
        (
            "110105194912310021",
            "The ID number's check digit is wrong: please check for a typing error.",
        ),
        ("110105194902300027", "The birth date inside the ID number is not a real date."),
    ],
)
def test_bad_id_numbers_are_refused_with_the_reason(raw, message):
    with pytest.raises(ValidationFailed) as caught:
        pii.normalise_id_number(raw)
    assert caught.value.field == "id_number"
    assert str(caught.value.message) == message


@given(
    st.from_regex(
        r"\d{6}(19[5-9]\d|20[01]\d)(0[1-9]|1[0-2])(0[1-9]|1\d|2[0-8])\d{3}", fullmatch=True
    )
)
def test_any_number_with_its_computed_check_digit_is_valid(first17):
    full = first17 + pii.id_check_digit(first17)
    assert pii.normalise_id_number(full) == full
    wrong = "0" if full[-1] != "0" else "1"
    with pytest.raises(ValidationFailed):
        pii.normalise_id_number(first17 + wrong)


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("13812345678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("0086 13812345678", "13812345678"),
        ("0571-88881234", "057188881234"),
    ],
)
def test_phone_normalisation(raw, normal):
    assert pii.normalise_phone(raw) == normal


@pytest.mark.parametrize("raw", ["", "12345", "12812345678", "1381234567", "abc13812345678"])
def test_not_a_phone(raw):
    with pytest.raises(ValidationFailed) as caught:
        pii.normalise_phone(raw)
    assert caught.value.field == "phone"


def test_masks():
    assert pii.mask_id_number("11010519491231002X") == "110105********002X"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("欧阳明") == "欧**"
    assert pii.mask_name("") == ""


def test_encryption_round_trip_and_randomised_nonce():
    a = pii.encrypt("11010519491231002X")
    b = pii.encrypt("11010519491231002X")
    assert a != b
    assert a.startswith("v1:")
    assert "11010519491231002X" not in a
    assert pii.decrypt(a) == pii.decrypt(b) == "11010519491231002X"


def test_keyed_hash_is_stable_and_keyed(settings):
    h = pii.keyed_hash("13812345678")
    assert h == pii.keyed_hash("13812345678")
    assert len(h) == 64
    settings.PII_HASH_KEY = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE="
    assert pii.keyed_hash("13812345678") != h


def test_tampered_ciphertext_is_refused():
    token = pii.encrypt("13812345678")
    body = token[3:]
    flipped = body[:-2] + ("A" if body[-2] != "A" else "B") + body[-1]
    with pytest.raises(InvalidTag):
        pii.decrypt("v1:" + flipped)
