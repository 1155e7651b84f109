"""The audit log is tamper-evident and append-only."""

from datetime import timedelta
from itertools import pairwise

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from bullying.audit.models import AuditEvent
from bullying.audit.services import audit_record, audit_verify


@pytest.fixture
def events(db):
    return [audit_record(action="login.failure", outcome="failure", username=f"user{i}") for i in range(5)]


def test_each_row_links_to_the_one_before(events):
    rows = list(AuditEvent.objects.order_by("id"))
    assert rows[0].prev_hash == "0" * 64
    for before, after in pairwise(rows):
        assert after.prev_hash == before.hash
    assert audit_verify() == (5, None)


def test_verify_audit_passes_on_an_intact_log(events, capsys):
    call_command("verify_audit")
    assert "共校验 5 条" in capsys.readouterr().out


def _tamper(sql: str, params: list) -> None:
    """Change a row the way someone with database access would, bypassing the trigger."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks block ALTER
            cursor.execute("ALTER TABLE bullying_auditevent DISABLE TRIGGER bullying_audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE bullying_auditevent ENABLE TRIGGER bullying_audit_append_only")


def test_editing_a_row_makes_verify_audit_fail_and_name_it(events):
    target = events[2]
    _tamper("UPDATE bullying_auditevent SET username = %s WHERE id = %s", ["someone-else", target.pk])
    with pytest.raises(CommandError) as failure:
        call_command("verify_audit")
    assert f"id={target.pk}" in str(failure.value)


def test_deleting_a_row_makes_verify_audit_name_the_next_one(events):
    _tamper("DELETE FROM bullying_auditevent WHERE id = %s", [events[1].pk])
    checked, broken = audit_verify()
    assert broken.pk == events[2].pk
    assert checked == 1


def test_the_application_cannot_update_or_delete_audit_rows(events):
    with pytest.raises(ValueError):
        events[0].save()
    with pytest.raises(ValueError):
        events[0].delete()


def test_postgresql_refuses_update_and_delete_even_in_raw_sql(events):
    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's")
    for sql in (
        "UPDATE bullying_auditevent SET action = 'x' WHERE id = %s",
        "DELETE FROM bullying_auditevent WHERE id = %s",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [events[0].pk])
    assert AuditEvent.objects.count() == 5


def test_the_purge_keeps_everything_younger_than_the_retention(events, settings):
    settings.AUDIT_RETENTION_DAYS = 185
    call_command("purge_audit")
    assert AuditEvent.objects.count() == 5
    if connection.vendor == "postgresql":
        _tamper(
            "UPDATE bullying_auditevent SET at = %s WHERE id = %s", [timezone.now() - timedelta(days=200), events[0].pk]
        )
        call_command("purge_audit")
        assert AuditEvent.objects.count() == 4
