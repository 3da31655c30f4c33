from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SweepsConfig(AppConfig):
    name = "resigrid.response.sweeps"
    label = "sweeps"
    verbose_name = _("Vulnerable-person sweeps")
