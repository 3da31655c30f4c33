"""People pages: scope, masking, the logged "show" button, the phone contact form, the map."""

from __future__ import annotations

from resigrid.accounts.models import PersonalDataAccess
from resigrid.people.models import ContactLog, Vulnerability


def test_list_is_scoped_and_masked(people, grid_worker, client_for):
    html = client_for(grid_worker).get("/people/").content.decode()
    assert "王大爷" in html and "李四" not in html
    assert people.id_old not in html
    assert "139****5678" in html


def test_detail_show_button_only_for_unmaskers(people, grid_worker, community_admin, client_for):
    assert (
        'id="unmask"'
        not in client_for(grid_worker).get(f"/people/{people.old.pk}/").content.decode()
    )
    client = client_for(community_admin)
    assert 'id="unmask"' in client.get(f"/people/{people.old.pk}/").content.decode()
    shown = client.get(f"/people/{people.old.pk}/unmask/", HTTP_HX_REQUEST="true").content.decode()
    assert people.id_old in shown and "13912345678" in shown
    assert (
        PersonalDataAccess.objects.filter(action="unmasked_read", user=community_admin).count() == 1
    )


def test_grid_worker_unmask_refused_and_not_logged(people, grid_worker, client_for):
    response = client_for(grid_worker).get(f"/people/{people.old.pk}/unmask/")
    assert response.status_code == 403
    assert PersonalDataAccess.objects.count() == 0


def test_contact_form_logs_a_visit(people, grid_worker, client_for):
    Vulnerability.objects.create(person=people.old, grid=people.old.grid, tag="living_alone")
    client = client_for(grid_worker)
    response = client.post(
        f"/people/{people.old.pk}/contacts/",
        {"date": "2026-01-05", "way": "phone", "outcome": "needs_help", "note": "要买药"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert list(ContactLog.objects.values_list("way", "outcome", "note")) == [
        ("phone", "needs_help", "要买药")
    ]
    assert "要买药" in response.content.decode()


def test_contact_form_refused_for_street_staff(people, street_admin, client_for):
    response = client_for(street_admin).post(
        f"/people/{people.old.pk}/contacts/",
        {"date": "2026-01-05", "way": "phone", "outcome": "ok"},
    )
    assert response.status_code == 404
    assert ContactLog.objects.count() == 0


def test_other_grid_is_404(people, grid_worker, client_for):
    client = client_for(grid_worker)
    assert client.get(f"/people/{people.far.pk}/").status_code == 404
    assert client.get(f"/people/households/{people.home21.pk}/").status_code == 404


def test_map_layer_gives_counts_and_name_visibility(
    people, street_admin, community_admin, client_for
):
    Vulnerability.objects.create(person=people.old, grid=people.old.grid, tag="living_alone")
    street = client_for(street_admin).get("/api/people/vulnerable/geojson").json()
    props = {f["properties"]["code"]: f["properties"] for f in street["features"]}
    assert props["330106001001001"]["vulnerable"] == 1
    assert props["330106001001001"]["names_visible"] is False
    assert "王大爷" not in str(street)
    secretary = client_for(community_admin).get("/api/people/vulnerable/geojson").json()
    assert [f["properties"]["names_visible"] for f in secretary["features"]] == [True, True]
    assert client_for(street_admin).get("/people/vulnerable/map/").status_code == 200


def test_volunteer_and_household_pages(people, grid_worker, client_for):
    from resigrid.people import volunteers

    volunteers.register_volunteer(actor=grid_worker, person=people.old, skills=["driver"])
    client = client_for(grid_worker)
    assert "王大爷" in client.get("/people/volunteers/?skill=driver").content.decode()
    assert "王大爷" not in client.get("/people/volunteers/?skill=medical").content.decode()
    assert "王小妹" in client.get(f"/people/households/{people.home11.pk}/").content.decode()
