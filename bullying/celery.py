"""The Celery application. Settings come from Django settings (``CELERY_*``)."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bullying.settings")

app = Celery("bullying")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
