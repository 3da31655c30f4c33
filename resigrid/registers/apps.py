from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistersConfig(AppConfig):
    name = "resigrid.registers"
    label = "registers"
    verbose_name = _("Registers: categories and the responsibility list")
