from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AlertsConfig(AppConfig):
    name = "resigrid.alerts"
    label = "alerts"
    verbose_name = _("Alerts (预警 / 通知 / 指令)")

    def ready(self) -> None:
        # Signed acknowledgement links in messages and delivery times fed back (notify cannot
        # import alerts: it calls these through its hook registry).
        from resigrid.alerts import hooks

        hooks.register()
