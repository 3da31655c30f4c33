"""Photo checks by content (never by file name): a real JPEG, PNG or WebP within the size and
pixel limits. Accepted photos are re-encoded as JPEG without metadata, so EXIF (with the
reporter's GPS position and phone model) never reaches storage, and shrunk to a sane size."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from resigrid.core.errors import ValidationFailed

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_PIXELS = 40_000_000
MAX_SIDE = 2560


@dataclass(frozen=True)
class CheckedPhoto:
    content: bytes
    width: int
    height: int
    sha256: str

    content_type = "image/jpeg"


def check_photo(data: bytes, *, field: str = "photos") -> CheckedPhoto:
    limit = settings.CASE_PHOTO_MAX_BYTES
    if not data:
        raise ValidationFailed(_("The photo is empty."), field=field)
    if len(data) > limit:
        raise ValidationFailed(
            _("The photo is too large (%(size).1f MB); the limit is %(limit).1f MB.")
            % {"size": len(data) / 1e6, "limit": limit / 1e6},
            field=field,
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as probe:
                kind = probe.format
                width, height = probe.size
                if kind not in ALLOWED_FORMATS:
                    raise ValidationFailed(
                        _("The file is not a JPEG, PNG or WebP photo."), field=field
                    )
                if width * height > MAX_PIXELS:
                    raise ValidationFailed(_("The photo has too many pixels."), field=field)
                probe.verify()
            with Image.open(io.BytesIO(data)) as image:
                image.load()
                upright = ImageOps.exif_transpose(image)
                rgb = upright.convert("RGB")
    except ValidationFailed:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationFailed(
            _("The file is not a readable JPEG, PNG or WebP photo."), field=field
        ) from None
    rgb.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    rgb.save(out, format="JPEG", quality=85, optimize=True)
    content = out.getvalue()
    return CheckedPhoto(content, rgb.width, rgb.height, hashlib.sha256(content).hexdigest())
