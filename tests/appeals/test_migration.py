"""Appeals moved from the case app to an app of their own without losing a row.

GIVEN a database that holds appeals, a review panel with its django-guardian grants and
appeal material, taken back to the schema before the move (appeal tables named
``cases_*``, content types labelled ``cases``),
WHEN the migrations run forward again,
THEN every row is there under the new tables, the grants still open the case to the
panel, and the audit chain (whose model moved to the ``audit`` app) still verifies.

PostgreSQL runs DDL inside the test's transaction, so the round trip is rolled back.
"""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from bullying.audit.services import audit_verify
from cases import selectors as case_selectors
from cases.appeals import selectors as appeal_selectors
from cases.appeals.models import Appeal, AppealAttachment, AppealUserObjectPermission, PanelMember

BEFORE_THE_MOVE = [
    ("appeals", None),
    ("cases", "0003_unmask_grants"),
    ("audit", None),
    ("bullying", "0006_escalation_per_unit"),
]
APPEAL_TABLES = ("appeal", "panelmember", "appealattachment", "appealuserobjectpermission")


def _tables() -> set[str]:
    with connection.cursor() as cursor:
        return set(connection.introspection.table_names(cursor))


def _count(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {connection.ops.quote_name(table)}")
        return cursor.fetchone()[0]


def _migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    ContentType.objects.clear_cache()


def _latest() -> list[tuple[str, str]]:
    executor = MigrationExecutor(connection)
    return executor.loader.graph.leaf_nodes()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs transactional DDL")
def test_appeals_survive_the_move_to_their_own_app(db, reviewing, personas, django_user_model):
    appeal = reviewing()
    AppealAttachment.objects.create(
        appeal=appeal,
        file="appeals/x/material",
        original_name="申诉材料.pdf",
        content_type="application/pdf",
        size=10,
        uploaded_by=personas["officer_x"],
    )
    member = PanelMember.objects.filter(appeal=appeal).select_related("user").first()
    before = {
        name: model.objects.count()
        for name, model in zip(
            APPEAL_TABLES, (Appeal, PanelMember, AppealAttachment, AppealUserObjectPermission), strict=True
        )
    }
    assert before["appeal"] == 1 and before["panelmember"] == 3 and before["appealuserobjectpermission"] == 3

    _migrate(BEFORE_THE_MOVE)

    tables = _tables()
    assert {f"cases_{t}" for t in APPEAL_TABLES} <= tables
    assert not any(f"appeals_{t}" in tables for t in APPEAL_TABLES)
    assert {f"cases_{t}": _count(f"cases_{t}") for t in APPEAL_TABLES} == {f"cases_{t}": n for t, n in before.items()}
    assert ContentType.objects.filter(app_label="cases", model="appeal").exists()
    assert not ContentType.objects.filter(app_label="appeals").exists()
    assert ContentType.objects.filter(app_label="bullying", model="auditevent").exists()

    _migrate(_latest())

    tables = _tables()
    assert {f"appeals_{t}" for t in APPEAL_TABLES} <= tables
    assert not any(f"cases_{t}" in tables for t in APPEAL_TABLES)
    after = {
        name: model.objects.count()
        for name, model in zip(
            APPEAL_TABLES, (Appeal, PanelMember, AppealAttachment, AppealUserObjectPermission), strict=True
        )
    }
    assert after == before
    assert not ContentType.objects.filter(app_label="cases", model__in=APPEAL_TABLES).exists()
    assert ContentType.objects.get(app_label="audit", model="auditevent")
    # The panel member's django-guardian grant still opens the appeal and its case.
    user = django_user_model.objects.get(pk=member.user_id)
    assert list(appeal_selectors.granted_appeals(user)) == [appeal]
    assert case_selectors.granted_case_ids(user) == [appeal.case_id]
    assert Appeal.objects.get(pk=appeal.pk).number == appeal.number
    # New rows take the next ids of the renamed tables' sequences.
    assert (
        AppealAttachment.objects.create(
            appeal=appeal,
            file="appeals/x/more",
            original_name="补充材料.pdf",
            content_type="application/pdf",
            size=10,
            uploaded_by=personas["officer_x"],
        ).pk
        > 0
    )
    checked, broken = audit_verify()
    assert checked > 0 and broken is None
