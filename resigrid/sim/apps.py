from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SimConfig(AppConfig):
    name = "resigrid.sim"
    label = "sim"
    verbose_name = _("Simulation")
