"""A role on an area covers its whole subtree, and nothing else."""

from resigrid.areas.models import Area


def codes(qs):
    return sorted(qs.values_list("code", flat=True))


def test_community_secretary_sees_own_community_and_its_grids(tree, community_admin):
    assert codes(Area.objects.visible_to(community_admin)) == [
        "330106001001000",
        "330106001001001",
        "330106001001002",
    ]


def test_grid_worker_sees_only_own_grid(tree, grid_worker):
    assert codes(Area.objects.visible_to(grid_worker)) == ["330106001001001"]


def test_street_staff_sees_street_subtree(tree, street_admin):
    assert codes(Area.objects.visible_to(street_admin)) == [
        "330106001000000",
        "330106001001000",
        "330106001001001",
        "330106001001002",
        "330106001002000",
        "330106001002001",
    ]


def test_outsider_sees_nothing(tree, outsider):
    assert codes(Area.objects.visible_to(outsider)) == []


def test_inactive_user_sees_nothing(tree, community_admin):
    community_admin.is_active = False
    community_admin.save()
    assert codes(Area.objects.visible_to(community_admin)) == []
