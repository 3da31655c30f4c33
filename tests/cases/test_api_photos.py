"""POST /api/cases/{id}/photos: checked by content, EXIF gone, who may add which, limits."""

from __future__ import annotations

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from resigrid.cases.models import CaseLog, CasePhoto
from tests.cases.conftest import Casebook, report
from tests.cases.test_api_support import T0, Z0, jpeg, move_to, png

pytestmark = pytest.mark.django_db


def url(pk: int) -> str:
    return f"/api/cases/{pk}/photos"


def upload(client: Client, pk: int, *files: tuple[str, bytes], **fields: str):
    data: dict[str, object] = dict(fields)
    data["photos"] = [SimpleUploadedFile(name, content) for name, content in files]
    return client.post(url(pk), data)


def test_reporter_adds_a_photo_stripped_of_exif(casebook: Casebook, resident, client_for):
    with time_machine.travel(T0, tick=False):
        case = report(resident)
    original = jpeg(640, 480)
    assert b"Exif" in original and b"PhoneModel" in original
    with time_machine.travel(T0, tick=False):
        response = upload(client_for(resident), case.pk, ("garbage.jpg", original))
    assert response.status_code == 201
    photo = CasePhoto.objects.get()
    assert response.json() == {
        "case_id": case.pk,
        "added": [
            {
                "id": photo.pk,
                "stage": "report",
                "url": photo.file.url,
                "width": 640,
                "height": 480,
                "size": photo.size,
                "created_at": Z0,
            }
        ],
    }
    stored = photo.file.read()
    assert stored[:2] == b"\xff\xd8" and b"Exif" not in stored and b"PhoneModel" not in stored
    assert (photo.uploaded_by, photo.size) == (resident, len(stored))
    row = CaseLog.objects.filter(case=case).order_by("pk").last()
    assert row is not None
    assert (row.action, row.note, row.public) == ("photos", "Report", True)


def test_not_an_image_is_refused_by_content(casebook: Casebook, resident, client_for):
    case = report(resident)
    response = upload(
        client_for(resident),
        case.pk,
        ("a.jpg", jpeg()),
        ("fake.jpg", b"<?php echo 'hello'; ?>" * 10),
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": [
            {
                "loc": ["body", "photos"],
                "msg": "fake.jpg: The file is not a readable JPEG, PNG or WebP photo.",
                "type": "value_error",
            }
        ]
    }
    assert CasePhoto.objects.count() == 0
    assert CaseLog.objects.filter(action="photos").count() == 0


def test_a_gif_is_not_accepted(casebook: Casebook, resident, client_for):
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 8)).save(out, format="GIF")
    case = report(resident)
    response = upload(client_for(resident), case.pk, ("p.png", out.getvalue()))
    assert response.status_code == 422
    assert response.json()["detail"][0]["msg"] == (
        "p.png: The file is not a JPEG, PNG or WebP photo."
    )


def test_too_large_by_content(casebook: Casebook, resident, client_for, settings):
    settings.CASE_PHOTO_MAX_BYTES = 50_000
    big = png(300, 300, noise=True)  # ≈ 270 kB of noise, though named small.jpg
    assert len(big) > 50_000
    case = report(resident)
    response = upload(client_for(resident), case.pk, ("small.jpg", big))
    assert response.status_code == 422
    assert response.json()["detail"] == [
        {
            "loc": ["body", "photos"],
            "msg": f"small.jpg: The photo is too large ({len(big) / 1e6:.1f} MB); "
            "the limit is 0.1 MB.",
            "type": "value_error",
        }
    ]
    assert CasePhoto.objects.count() == 0


def test_a_huge_body_is_refused_before_it_is_read(casebook: Casebook, resident, client_for):
    case = report(resident)
    client = client_for(resident)
    # Content-Length says 1 GB: the API answers from the header alone.
    response = client.post(
        url(case.pk), b"", content_type="multipart/form-data; boundary=x", CONTENT_LENGTH="10" * 5
    )
    assert response.status_code == 422
    detail = response.json()["detail"][0]
    assert detail["loc"] == ["body", "photos"]
    assert detail["msg"].startswith("The upload is too large (1010.1 MB)")
    assert CasePhoto.objects.count() == 0


def test_no_file_and_too_many_files(casebook: Casebook, resident, client_for, settings):
    settings.CASE_PHOTO_MAX_COUNT = 2
    case = report(resident)
    client = client_for(resident)
    none = client.post(url(case.pk), {"stage": "report"})
    assert none.status_code == 422
    assert none.json()["detail"][0]["msg"] == "Attach at least one photo (form field “photos”)."
    three = upload(client, case.pk, ("1.jpg", jpeg()), ("2.jpg", jpeg()), ("3.jpg", jpeg()))
    assert three.status_code == 422
    assert three.json()["detail"][0]["msg"] == "At most 2 photos."
    assert upload(client, case.pk, ("1.jpg", jpeg()), ("2.jpg", jpeg())).status_code == 201
    again = upload(client, case.pk, ("3.jpg", jpeg()))
    assert again.status_code == 422
    assert again.json()["detail"][0] == {
        "loc": ["body", "photos"],
        "msg": "At most 2 photos.",
        "type": "value_error",
    }
    assert CasePhoto.objects.count() == 2


def test_anonymous_reporter_uses_the_tracking_code(casebook: Casebook):
    case = report(None, contact_phone="13800138000")
    anonymous = Client()
    wrong = upload(anonymous, case.pk, ("a.jpg", jpeg()), tracking_code="WRONGCODE123")
    assert wrong.status_code == 404
    ok = upload(anonymous, case.pk, ("a.jpg", jpeg()), tracking_code=case.tracking_code.lower())
    assert ok.status_code == 201
    photo = CasePhoto.objects.get()
    assert (photo.case, photo.stage, photo.uploaded_by) == (case, "report", None)


def test_outsider_gets_404_and_other_residents_too(
    casebook: Casebook, resident, outsider, client_for
):
    case = report(resident)
    assert upload(client_for(outsider), case.pk, ("a.jpg", jpeg())).status_code == 404
    assert upload(Client(), case.pk, ("a.jpg", jpeg())).status_code == 404
    assert CasePhoto.objects.count() == 0


def test_result_photos_belong_to_the_handling_unit(
    casebook: Casebook, resident, community_admin, department, grid_worker, client_for
):
    case = move_to(
        report(resident),
        "in_progress",
        manager=community_admin,
        unit=department,
        verifier=grid_worker,
    )
    refused = upload(client_for(resident), case.pk, ("r.jpg", jpeg()), stage="result")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "You may not add these photos to this case."}
    done = upload(client_for(department), case.pk, ("r.jpg", jpeg()), stage="result")
    assert done.status_code == 201
    assert done.json()["added"][0]["stage"] == "result"
    # Report photos are for cases not yet handled.
    late = upload(client_for(community_admin), case.pk, ("x.jpg", jpeg()), stage="report")
    assert late.status_code == 201
    case = move_to(case, "handled", manager=community_admin, unit=department, verifier=grid_worker)
    too_late = upload(client_for(resident), case.pk, ("x.jpg", jpeg()))
    assert too_late.status_code == 409
    assert too_late.json() == {
        "detail": "Photos of this kind cannot be added while the case is “Handled”.",
        "state": "handled",
    }
    # The verifier's photos are staff-only: the reporter's view leaves them out.
    check = upload(client_for(grid_worker), case.pk, ("v.jpg", jpeg()), stage="verify")
    assert check.status_code == 201
    public = client_for(resident).get(f"/api/cases/{case.pk}").json()
    assert [p["stage"] for p in public["photos"]] == ["result", "report"]
    staff = client_for(community_admin).get(f"/api/cases/{case.pk}").json()
    assert [p["stage"] for p in staff["photos"]] == ["result", "report", "verify"]


def test_unknown_stage(casebook: Casebook, resident, client_for):
    case = report(resident)
    response = upload(client_for(resident), case.pk, ("a.jpg", jpeg()), stage="selfie")
    assert response.status_code == 422
    assert response.json()["detail"][0] == {
        "loc": ["body", "stage"],
        "msg": "Choose report, result or verify photos.",
        "type": "value_error",
    }
