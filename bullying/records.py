"""Abstract models shared by the apps: a stored file, and an append-only row.

Field definitions here are exactly those the apps' tables already have, so adopting a
base changes no schema.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """A file kept in private storage under a random name (the subclass declares ``file``
    with its own ``upload_to``). The original name, which may hold a child's name, is kept
    in the database only and never reaches the file system or a URL."""

    original_name = models.CharField(_("文件名"), max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        abstract = True
        ordering = ["uploaded_at", "id"]


class AppendOnly(models.Model):
    """A row that is written once: ``save()`` refuses an update and ``delete()`` refuses.

    Rows still go when their parent is deleted (a database cascade does not call
    ``delete()``), which is how an archive is purged.
    """

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"{type(self).__name__} rows are append-only")
