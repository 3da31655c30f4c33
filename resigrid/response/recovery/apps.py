from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecoveryConfig(AppConfig):
    name = "resigrid.response.recovery"
    label = "recovery"
    verbose_name = _("Recovery and reviews")
