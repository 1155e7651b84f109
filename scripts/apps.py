from django.apps import AppConfig


class ScriptsConfig(AppConfig):
    """Operator tooling: demo data, the scale data set, the benchmark, the load and
    resilience runs. The top of the house: it may import every app, and none imports it."""

    name = "scripts"
    verbose_name = "运维脚本"
