from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallupsConfig(AppConfig):
    name = "resigrid.response.callups"
    label = "callups"
    verbose_name = _("Volunteer call-ups")
