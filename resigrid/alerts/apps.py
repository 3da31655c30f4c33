from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "resigrid.alerts"
    label = "alerts"
    verbose_name = _("Alerts (预警 / 通知 / 指令)")
