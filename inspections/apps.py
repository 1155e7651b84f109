from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    verbose_name = "督导检查"
    name = "inspections"
