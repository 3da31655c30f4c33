"""Shared fixtures: a small area tree and one persona per role (see tests/factories.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from resigrid.accounts.models import User
from resigrid.accounts.roles import Role
from tests.factories import Tree, UserFactory, bind


@pytest.fixture
def tree(db: None) -> Tree:
    return Tree()


@pytest.fixture
def resident(tree: Tree) -> User:
    user = UserFactory(username="resident", full_name="居民甲")
    bind(user, tree.grid11, Role.RESIDENT)
    return user


@pytest.fixture
def grid_worker(tree: Tree) -> User:
    user = UserFactory(username="gridworker", full_name="网格员乙")
    bind(user, tree.grid11, Role.GRID_WORKER)
    return user


@pytest.fixture
def community_admin(tree: Tree) -> User:
    user = UserFactory(username="secretary1", full_name="书记丙")
    bind(user, tree.community1, Role.COMMUNITY_SECRETARY)
    return user


@pytest.fixture
def community_staff(tree: Tree) -> User:
    user = UserFactory(username="staff1", full_name="社工丁")
    bind(user, tree.community1, Role.COMMUNITY_STAFF)
    return user


@pytest.fixture
def street_admin(tree: Tree) -> User:
    user = UserFactory(username="street", full_name="街道戊")
    bind(user, tree.street, Role.STREET_STAFF)
    return user


@pytest.fixture
def department(tree: Tree) -> User:
    user = UserFactory(username="dept", full_name="部门己")
    bind(user, tree.district, Role.DEPARTMENT_STAFF)
    return user


@pytest.fixture
def outsider(db: None) -> User:
    """An active account with no role anywhere."""
    return UserFactory(username="outsider", full_name="外人庚")


@pytest.fixture
def client_for(client: Client):
    """`client_for(user)` returns the test client logged in as that user."""

    def login(user: User) -> Client:
        client.force_login(user)
        return client

    return login
