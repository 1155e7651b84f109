from django.apps import AppConfig


class ReportingConfig(AppConfig):
    verbose_name = "报告与统计"
    name = "reporting"
