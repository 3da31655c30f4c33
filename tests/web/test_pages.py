"""Home, map and navigation pages: scope per persona, navigation per role, anonymous access."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from resigrid.accounts.models import User
from tests.factories import Tree


def names(rows: Any) -> list[str]:
    return [a.name for a in rows]


REGISTRIES = [
    "people:person_list",
    "people:vulnerable_map",
    "people:volunteer_list",
    "orgs:tree",
    "orgs:units",
]
RESOURCES = ["resources:depots", "resources:facilities"]
LISTS = [
    "registers:duties",
    "registers:categories",
    "risks:list",
    "institutions:procedures",
    "institutions:schedules",
]
RESPONSE_VIEW = ["incidents:list", "plans:list"]
RESPONSE = [
    *RESPONSE_VIEW,
    "callups:list",
    "sweeps:list",
    "allocations:list",
    "allocations:deliveries",
    "recovery:list",
    "bulletins:list",
]
WARN = ["alerts:list", "alerts:mine", "monitoring:overview", "notify:robots"]
REPORTING = ["cases:report", "cases:mine"]
CASES = [*REPORTING, "cases:queues", "cases:map", "case_metrics:page"]


def nav(response: Any) -> list[str]:
    return [e.url_name for e in response.context["nav_entries"]]


@pytest.mark.django_db
@pytest.mark.parametrize("url_name", ["web:home", "web:map"])
def test_anonymous_is_sent_to_login(client: Client, url_name: str) -> None:
    url = reverse(url_name)
    response = client.get(url)
    assert response.status_code == 302
    assert response.headers["Location"] == f"{reverse('accounts:login')}?next={url}"


@pytest.mark.parametrize(
    ("persona", "counts", "rows", "absent"),
    [
        (
            "community_admin",
            {"communities": 1, "grids": 2, "buildings": 1, "households": 720, "residents": 2100},
            ["东湖社区"],
            ["西湖社区", "西湖一网格"],
        ),
        (
            "community_staff",
            {"communities": 1, "grids": 2, "buildings": 1, "households": 720, "residents": 2100},
            ["东湖社区"],
            ["西湖社区", "西湖一网格"],
        ),
        (
            "grid_worker",
            {"communities": 0, "grids": 1, "buildings": 1, "households": 400, "residents": 1200},
            ["东湖一网格"],
            ["东湖二网格", "西湖社区"],
        ),
        (
            "resident",
            {"communities": 0, "grids": 1, "buildings": 1, "households": 400, "residents": 1200},
            ["东湖一网格"],
            ["东湖二网格", "西湖社区"],
        ),
        (
            "street_admin",
            {"communities": 2, "grids": 3, "buildings": 1, "households": 1200, "residents": 3600},
            ["东湖社区", "西湖社区"],
            [],
        ),
        (
            "department",
            {"communities": 2, "grids": 3, "buildings": 1, "households": 1200, "residents": 3600},
            ["东湖社区", "西湖社区"],
            [],
        ),
    ],
)
def test_home_shows_the_persona_scope(
    request: pytest.FixtureRequest,
    client_for: Any,
    persona: str,
    counts: dict[str, int],
    rows: list[str],
    absent: list[str],
) -> None:
    user: User = request.getfixturevalue(persona)
    response = client_for(user).get(reverse("web:home"))
    assert response.status_code == 200
    s = response.context["summary"]
    got = {k: getattr(s, k) for k in counts}
    assert got == counts
    assert names(s.rows) == rows
    html = response.content.decode()
    for name in rows:
        assert name in html
    for name in absent:
        assert name not in html
    for key, value in counts.items():
        assert f'data-count="{key}">{value}</div>' in html
    assert user.display_name in html


def test_home_for_someone_without_a_role(client_for: Any, outsider: User, tree: Tree) -> None:
    response = client_for(outsider).get(reverse("web:home"))
    s = response.context["summary"]
    assert (s.communities, s.grids, s.buildings, s.residents, s.rows) == (0, 0, 0, 0, [])
    assert s.bindings == []
    html = response.content.decode()
    assert "东湖" not in html
    assert "西湖" not in html
    assert nav(response) == ["alerts:mine"]  # alerts may be addressed to any account


def test_home_for_a_superuser_lists_everything(client_for: Any, tree: Tree) -> None:
    admin = User.objects.create_user(username="root", is_superuser=True, is_staff=True)
    response = client_for(admin).get(reverse("web:home"))
    s = response.context["summary"]
    assert s.everywhere is True
    assert (s.communities, s.grids, s.residents) == (2, 3, 3600)
    assert nav(response) == [
        "web:home",
        "web:map",
        *CASES,
        *REGISTRIES,
        *RESOURCES,
        *WARN,
        *LISTS,
        *RESPONSE,
        "sim:list",
        "accounts:security_log",
    ]
    assert reverse("admin:index") in response.content.decode()


def test_the_role_list_names_the_bound_area(client_for: Any, community_admin: User) -> None:
    response = client_for(community_admin).get(reverse("web:home"))
    assert [(b.role, b.area.name) for b in response.context["summary"].bindings] == [
        ("community_secretary", "东湖社区")
    ]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "community_admin",
            [
                "web:home",
                "web:map",
                *CASES,
                *REGISTRIES,
                *RESOURCES,
                *WARN,
                *LISTS,
                *RESPONSE,
                "sim:list",
            ],
        ),
        (
            "grid_worker",
            [
                "web:home",
                "web:map",
                *CASES,
                *REGISTRIES,
                *RESOURCES,
                "alerts:list",
                "alerts:mine",
                "monitoring:overview",
                *LISTS,
                *RESPONSE_VIEW,
                "sweeps:list",
                "allocations:deliveries",
                "recovery:list",
            ],
        ),
        ("resident", ["web:home", "web:map", *REPORTING, "alerts:mine"]),
        (
            "street_admin",
            [
                "web:home",
                "web:map",
                *CASES,
                *REGISTRIES,
                *RESOURCES,
                *WARN,
                *LISTS,
                *RESPONSE,
                "sim:list",
            ],
        ),
        (
            "department",
            [
                "web:home",
                "web:map",
                *REPORTING,
                "orgs:tree",
                "orgs:units",
                *RESOURCES,
                "alerts:mine",
                "monitoring:overview",
                *LISTS,
                *RESPONSE_VIEW,
            ],
        ),
    ],
)
def test_navigation_hides_what_the_role_may_not_see(
    request: pytest.FixtureRequest, client_for: Any, persona: str, expected: list[str]
) -> None:
    response = client_for(request.getfixturevalue(persona)).get(reverse("web:home"))
    assert nav(response) == expected
    html = response.content.decode()
    assert 'data-nav="web:map"' in html
    assert 'data-nav="accounts:security_log"' not in html
    assert reverse("admin:index") not in html


def test_user_menu_links_and_post_logout(client_for: Any, community_admin: User) -> None:
    html = client_for(community_admin).get(reverse("web:home")).content.decode()
    assert f'href="{reverse("accounts:password_change")}"' in html
    assert f'href="{reverse("accounts:tokens")}"' in html
    logout_form = html[html.index('id="logout-form"') - 80 :]
    assert f'action="{reverse("accounts:logout")}" method="post"' in logout_form[:200]
    assert "csrfmiddlewaretoken" in logout_form[:400]
    assert "cdn" not in html.lower()


def test_language_switch_changes_the_page_language(
    client_for: Any, grid_worker: User, settings: Any
) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # the product default (the suite runs in English)
    client = client_for(grid_worker)
    assert '<html lang="zh-hans">' in client.get(reverse("web:home")).content.decode()
    response = client.post(reverse("set_language"), {"language": "en", "next": "/map/"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/map/"
    assert '<html lang="en">' in client.get(reverse("web:map")).content.decode()


def test_map_page_config(client_for: Any, community_admin: User, settings: Any) -> None:
    response = client_for(community_admin).get(reverse("web:map"))
    assert response.status_code == 200
    config = response.context["map_config"]
    assert config["geojsonUrl"] == "/api/areas/grids/geojson"
    assert config["tiles"] == []
    html = response.content.decode()
    assert 'id="map-config" type="application/json"' in html
    assert "/static/vendor/leaflet/leaflet.js" in html
    assert "/static/web/map.js" in html


def test_map_tiles_follow_the_setting(client_for: Any, community_admin: User, settings: Any):
    client = client_for(community_admin)
    settings.MAP_TILES = "osm"
    tiles = client.get(reverse("web:map")).context["map_config"]["tiles"]
    assert [t["url"] for t in tiles] == ["https://tile.openstreetmap.org/{z}/{x}/{y}.png"]
    settings.MAP_TILES = "tianditu"
    settings.TIANDITU_KEY = "k123"
    tiles = client.get(reverse("web:map")).context["map_config"]["tiles"]
    assert [t["url"].split("?")[0] for t in tiles] == [
        "https://t{s}.tianditu.gov.cn/vec_w/wmts",
        "https://t{s}.tianditu.gov.cn/cva_w/wmts",
    ]
    assert all(t["url"].endswith("&tk=k123") for t in tiles)
    assert "LAYER=cva" in tiles[1]["url"]


@pytest.mark.parametrize(
    ("persona", "grids"),
    [
        ("community_admin", ["东湖一网格", "东湖二网格"]),
        ("grid_worker", ["东湖一网格"]),
        ("resident", ["东湖一网格"]),
        ("street_admin", ["东湖一网格", "东湖二网格", "西湖一网格"]),
        ("department", ["东湖一网格", "东湖二网格", "西湖一网格"]),
        ("outsider", []),
    ],
)
def test_the_map_layer_holds_only_grids_in_scope(
    request: pytest.FixtureRequest, client_for: Any, tree: Tree, persona: str, grids: list[str]
) -> None:
    client = client_for(request.getfixturevalue(persona))
    url = client.get(reverse("web:map")).context["map_config"]["geojsonUrl"]
    response = client.get(url)
    assert response.status_code == 200
    features = response.json()["features"]
    assert [f["properties"]["name"] for f in features] == grids


def test_registry_entries_share_one_dropdown(client_for: Any, community_admin: User) -> None:
    response = client_for(community_admin).get(reverse("web:home"))
    groups = [
        (str(g.label) if g.label else None, g.url_names) for g in response.context["nav_groups"]
    ]
    assert groups == [
        (None, ["web:home", "web:map"]),
        ("Cases", CASES),
        ("Registries", REGISTRIES),
        ("Supplies and facilities", RESOURCES),
        ("Warnings and monitoring", WARN),
        ("Three lists", LISTS),
        ("Emergency response", RESPONSE),
        (None, ["sim:list"]),
    ]
    assert response.content.decode().count('class="dropdown-item') >= len(REGISTRIES + RESOURCES)


def test_unit_accounts_see_the_case_queues(client_for: Any, tree: Any, department: User) -> None:
    from resigrid.orgs.models import Unit, UnitAccount

    unit = Unit.objects.create(kind="government", name="城管执法队", area=tree.street)
    UnitAccount.objects.create(unit=unit, user=department)
    response = client_for(department).get(reverse("web:home"))
    assert [n for n in nav(response) if n.startswith("cases:")] == [
        n for n in CASES if n.startswith("cases:")
    ]


def test_volunteer_needs_only_for_registered_volunteers(
    client_for: Any, outsider: User, tree: Tree
) -> None:
    """An account linked to a volunteer gets "Volunteer needs"; the others never do."""
    import datetime as dt

    from resigrid.people.models import Household, Person, Volunteer
    from resigrid.response.callups.models import VolunteerAccount

    home = Household.objects.create(grid=tree.grid11, room="1")
    person = Person.objects.create(
        household=home, grid=tree.grid11, name="志愿者", sex="F", birth_date=dt.date(1990, 1, 1)
    )
    volunteer = Volunteer.objects.create(person=person)
    VolunteerAccount.objects.create(user=outsider, volunteer=volunteer)
    response = client_for(outsider).get(reverse("web:home"))
    assert nav(response) == ["alerts:mine", "callups:open"]
    Volunteer.objects.filter(pk=volunteer.pk).update(active=False)
    assert nav(client_for(outsider).get(reverse("web:home"))) == ["alerts:mine"]
