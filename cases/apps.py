from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "欺凌事件"
    name = "cases"

    def ready(self):
        # Registers the investigation clock with the statutory calendar, and the
        # investigation deadline with the reminder sweep.
        from cases import reminders, services  # noqa: F401
