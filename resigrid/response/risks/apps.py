from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RisksConfig(AppConfig):
    name = "resigrid.response.risks"
    label = "risks"
    verbose_name = _("Risk register")
