from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "欺凌事件"
    name = "cases"

    def ready(self):
        # Registers the investigation clock with the statutory calendar.
        from cases import services  # noqa: F401
