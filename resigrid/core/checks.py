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


@register(deploy=True)
def check_personal_data_keys(app_configs: Any, **kwargs: Any) -> list[Error]:
    if not settings.PII_ENCRYPTION_KEY or not settings.PII_HASH_KEY:
        return [
            Error(
                "RESIGRID_PII_KEY and RESIGRID_PII_HASH_KEY must be set in production: "
                "personal data must not be encrypted with a key derived from SECRET_KEY.",
                id="resigrid.E002",
            )
        ]
    return []
