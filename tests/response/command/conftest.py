"""Command fixtures: the incidents world plus a depot with two items, a shelter and cases."""

from tests.response.incidents.conftest import World, commander2, world  # noqa: F401

__all__ = ["World"]
