"""Chain audit rows by hash and make the table append-only in PostgreSQL."""

import hashlib
import json
from datetime import UTC

from django.db import migrations, models

TRIGGER_SQL = """
CREATE OR REPLACE FUNCTION bullying_audit_append_only() RETURNS trigger AS $$
BEGIN
  -- The retention purge (manage.py purge_audit) may delete rows past the 185-day floor.
  IF TG_OP = 'DELETE' AND current_setting('bullying.audit_purge', true) = 'on'
     AND OLD.at < now() - interval '185 days' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS bullying_audit_append_only ON bullying_auditevent;
CREATE TRIGGER bullying_audit_append_only BEFORE UPDATE OR DELETE ON bullying_auditevent
FOR EACH ROW EXECUTE FUNCTION bullying_audit_append_only();
"""

DROP_SQL = """
DROP TRIGGER IF EXISTS bullying_audit_append_only ON bullying_auditevent;
DROP FUNCTION IF EXISTS bullying_audit_append_only();
"""


def chain_existing_rows(apps, schema_editor):
    AuditEvent = apps.get_model("bullying", "AuditEvent")
    previous = "0" * 64
    for event in AuditEvent.objects.order_by("id"):
        parts = [
            previous,
            event.at.astimezone(UTC).isoformat(timespec="microseconds"),
            str(event.actor_id or ""),
            event.username,
            event.roles,
            str(event.org_unit_id or ""),
            event.action,
            event.object_type,
            event.object_id,
            event.outcome,
            str(event.ip or ""),
            json.dumps(event.detail, sort_keys=True, ensure_ascii=False, separators=(",", ":")),
        ]
        digest = hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        AuditEvent.objects.filter(pk=event.pk).update(prev_hash=previous, hash=digest)
        previous = digest


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER_SQL, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [("bullying", "0004_notifications_and_reminders")]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_rows, migrations.RunPython.noop),
        migrations.RunPython(create_trigger, drop_trigger),
    ]
