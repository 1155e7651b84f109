from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "欺凌事件"
    name = "cases"
