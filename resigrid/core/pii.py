"""Personal data (PIPL, GB/T 35273): validation, masking, encryption at rest, keyed hashes.

ID numbers and phone numbers are stored encrypted (AES-256-GCM) and found through an HMAC-SHA256
keyed hash of the normalised value, so an exact search never decrypts a table. Ciphertexts carry a
key version ("v1:…") so that keys can be rotated. Pure functions apart from reading the keys.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from datetime import date
from functools import cache

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.translation import gettext as _

from resigrid.core.errors import ValidationFailed

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_PATTERN = re.compile(r"^\d{17}[\dX]$")
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}\d{7,8}$")
_KEY_VERSION = "v1"
_NONCE_BYTES = 12


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def normalise_id_number(raw: str, *, field: str = "id_number") -> str:
    """Validate a mainland resident ID number (GB 11643) and return it upper-cased."""
    value = (raw or "").strip().upper()
    if not _ID_PATTERN.match(value):
        raise ValidationFailed(
            _("An ID number has 18 characters: 17 digits and a digit or X."), field=field
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationFailed(
            _("The birth date inside the ID number is not a real date."), field=field
        ) from None
    if id_check_digit(value[:17]) != value[17]:
        raise ValidationFailed(
            _("The ID number's check digit is wrong: please check for a typing error."),
            field=field,
        )
    return value


def birth_date_from_id(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def normalise_phone(raw: str, *, field: str = "phone") -> str:
    """A mainland mobile (11 digits, 1[3-9]…) or a landline with area code, digits only."""
    value = re.sub(r"[\s\-()]", "", raw or "")
    if value.startswith("+86"):
        value = value[3:]
    elif value.startswith("0086"):
        value = value[4:]
    if _MOBILE.match(value) or _LANDLINE.match(value):
        return value
    raise ValidationFailed(
        _("Not a mainland phone number: give 11 mobile digits or a landline with its area code."),
        field=field,
    )


def mask_id_number(value: str) -> str:
    """`110105********1234`: the division code and the last four characters stay visible."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """`138****5678` for a mobile; landlines keep their area code and last four digits."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_name(value: str) -> str:
    """`张*`, `欧阳**`-style: the first character of a name stays visible."""
    return value[:1] + "*" * (len(value) - 1) if value else value


@cache
def _keys(secret: str, enc_setting: str, hash_setting: str) -> tuple[bytes, bytes]:
    def derive(label: bytes) -> bytes:
        return hashlib.sha256(label + secret.encode()).digest()

    enc = base64.urlsafe_b64decode(enc_setting) if enc_setting else derive(b"resigrid-pii-enc")
    mac = base64.urlsafe_b64decode(hash_setting) if hash_setting else derive(b"resigrid-pii-mac")
    if len(enc) != 32 or len(mac) < 32:
        raise ValueError("RESIGRID_PII_KEY must be 32 bytes and RESIGRID_PII_HASH_KEY >= 32 bytes")
    return enc, mac


def _current_keys() -> tuple[bytes, bytes]:
    return _keys(settings.SECRET_KEY, settings.PII_ENCRYPTION_KEY, settings.PII_HASH_KEY)


def encrypt(plaintext: str) -> str:
    enc, _mac = _current_keys()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(enc).encrypt(nonce, plaintext.encode(), None)
    return f"{_KEY_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    version, _sep, body = token.partition(":")
    if version != _KEY_VERSION:
        raise ValueError(f"unknown personal-data key version {version!r}")
    enc, _mac = _current_keys()
    raw = base64.urlsafe_b64decode(body)
    return AESGCM(enc).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()


def keyed_hash(normalised: str) -> str:
    """HMAC-SHA256 of a normalised value: equal inputs give equal hashes, nothing else leaks."""
    _enc, mac = _current_keys()
    return hmac.new(mac, normalised.encode(), hashlib.sha256).hexdigest()
