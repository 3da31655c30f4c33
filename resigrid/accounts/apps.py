from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "resigrid.accounts"
    label = "accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from resigrid.accounts import receivers  # noqa: F401  (security-event log)
