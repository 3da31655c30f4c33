"""Filing cases: who may use which source, anonymous contacts, location, photos, duplicates."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from resigrid.cases import reads
from resigrid.cases.models import Case
from resigrid.cases.photos import check_photo
from resigrid.core import pii
from resigrid.core.errors import PermissionDeniedError, ValidationFailed
from resigrid.notify.models import Delivery
from tests.cases.conftest import Casebook, report

pytestmark = pytest.mark.django_db


def _jpeg(size: tuple[int, int] = (64, 48), exif_gps: bool = False) -> bytes:
    out = io.BytesIO()
    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    if exif_gps:
        exif[0x010F] = "PhoneMaker"  # Make
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def test_anonymous_report_needs_a_contact_and_gets_a_tracking_code(casebook: Casebook) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(None)
    assert err.value.field == "contact_phone"
    case = report(None, contact_phone="139 1234 5678", contact_name="王")
    assert case.reporter is None
    assert len(case.tracking_code) == 12
    assert pii.decrypt(case.contact_phone_enc) == "13912345678"
    assert "1391234" not in case.contact_phone_enc


def test_bad_phone_and_email_name_their_fields(casebook: Casebook) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(None, contact_phone="12345", contact_email="not-mail")
    assert set(err.value.errors) == {"contact_phone", "contact_email"}
    assert Case.objects.count() == 0


def test_point_outside_every_grid(casebook: Casebook, resident) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(resident, lon=121.5, lat=31.2)
    assert err.value.errors == {"point": ["The point lies outside every grid."]}
    assert Case.objects.count() == 0


def test_unknown_or_non_leaf_category(casebook: Casebook, resident) -> None:
    for code in ("99.99", "01"):
        with pytest.raises(ValidationFailed) as err:
            report(resident, category=code)
        assert err.value.field == "category"
    assert Case.objects.count() == 0


def test_empty_and_huge_text(casebook: Casebook, resident) -> None:
    with pytest.raises(ValidationFailed) as err:
        report(resident, title=" ", description="x" * 4001)
    assert set(err.value.errors) == {"title", "description"}


def test_staff_sources_need_staff_of_the_grid(casebook: Casebook, resident, grid_worker) -> None:
    with pytest.raises(PermissionDeniedError):
        report(resident, source="patrol")
    case = report(grid_worker, source="patrol")
    assert case.source == "patrol"


def test_gcj02_point_is_stored_as_wgs84(casebook: Casebook, resident) -> None:
    from resigrid.core.geo import wgs84_to_gcj02

    glon, glat = wgs84_to_gcj02(120.05, 30.05)
    case = report(resident, lon=glon, lat=glat, crs="gcj02")
    assert (round(case.lon, 5), round(case.lat, 5)) == (120.05, 30.05)


def test_new_case_tells_the_community(casebook: Casebook, resident, community_admin) -> None:
    case = report(resident)
    assert (
        Delivery.objects.filter(
            user=community_admin, message__topic="case.new", message__source=f"cases.case:{case.pk}"
        ).count()
        == 1
    )


def test_photos_are_checked_by_content_and_stripped(casebook: Casebook, resident) -> None:
    photo = check_photo(_jpeg(exif_gps=True))
    assert b"PhoneMaker" not in photo.content
    case = report(resident, photos=[photo])
    stored = case.photos.get()
    assert (stored.stage, stored.width, stored.height, stored.content_type) == (
        "report",
        64,
        48,
        "image/jpeg",
    )
    with stored.file.open("rb") as fh:
        assert fh.read() == photo.content


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The photo is empty."),
        (b"GIF89a" + b"\0" * 100, "The file is not a readable JPEG, PNG or WebP photo."),
        (b"%PDF-1.4 not an image", "The file is not a readable JPEG, PNG or WebP photo."),
    ],
)
def test_not_a_photo(data: bytes, message: str) -> None:
    with pytest.raises(ValidationFailed) as err:
        check_photo(data)
    assert (err.value.field, str(err.value.message)) == ("photos", message)


def test_gif_is_refused_even_when_valid() -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="GIF")
    with pytest.raises(ValidationFailed) as err:
        check_photo(out.getvalue())
    assert str(err.value.message) == "The file is not a JPEG, PNG or WebP photo."


def test_too_large_photo(settings) -> None:
    settings.CASE_PHOTO_MAX_BYTES = 1000
    with pytest.raises(ValidationFailed) as err:
        check_photo(_jpeg((400, 400)) + b"\0" * 1000)
    assert "too large" in str(err.value.message)


def test_duplicates_nearby(casebook: Casebook, resident) -> None:
    first = report(resident, lon=120.05, lat=30.05)
    report(resident, lon=120.09, lat=30.09)  # ~5.7 km away
    other_category = report(resident, category="02.01", lon=120.05, lat=30.05)
    found = reads.duplicates_near(
        category_id=casebook.garbage.pk, lon=120.0503, lat=30.0502, radius_m=100
    )
    assert [c.pk for c, _ in found] == [first.pk]
    assert other_category.pk not in [c.pk for c, _ in found]


def test_system_reports_need_no_actor_or_contact(casebook: Casebook) -> None:
    from resigrid.cases import intake

    with pytest.raises(ValidationFailed):
        report(None, source="sensor")
    case = intake.report_case(
        actor=None,
        report=intake.Report(
            category="01.01",
            title="水位超警",
            description="1号监测点水位 3.2 m",
            lon=120.05,
            lat=30.05,
            source="sensor",
        ),
        system=True,
    )
    assert (case.source, case.reporter, case.state) == ("sensor", None, "reported")
