from django.apps import AppConfig


class BullyingConfig(AppConfig):
    name = "bullying"
    verbose_name = "平台基础"
