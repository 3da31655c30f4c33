"""System checks that stop an unsafe production start."""

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register(deploy=True)
def check_secret_key(app_configs: Any, **kwargs: Any) -> list[Error]:
    if settings.SECRET_KEY == settings.DEV_SECRET_KEY:
        return [
            Error(
                "RESIGRID_SECRET_KEY is not set: the development key must not be used "
                "in production.",
                id="resigrid.E001",
            )
        ]
    return []
