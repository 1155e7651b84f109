"""A real Celery worker, started as a separate process against Redis and PostgreSQL."""

import os
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from bullying import celery_app
from bullying.deadlines.models import Notification
from tests.bullying.test_reminders import open_investigation

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        pytest.skip("needs PostgreSQL and Redis")
    redis.Redis.from_url(settings.REDIS_URL).flushdb()
    env = {
        **os.environ,
        "DATABASE_URL": _test_database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "BULLYING_REQUIRE_MFA": "0",
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bullying",
            "worker",
            "-P",
            "solo",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    try:
        yield process
    finally:
        celery_app.conf.task_always_eager = eager
        process.kill()
        process.wait(timeout=10)


def _wait_for(predicate, *, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)  # polling another process, not pacing the test
    return False


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_runs_the_sweep_task(worker, personas, tree):
    """GIVEN an overdue investigation WHEN the beat task is queued on Redis
    THEN a separate worker process delivers the reminders into PostgreSQL."""
    case = open_investigation(personas, tree, started=date(2026, 1, 5))
    assert case.investigation_due < date.today()
    from bullying.deadlines.tasks import sweep_reminders

    sweep_reminders.delay()
    delivered = _wait_for(lambda: Notification.objects.filter(recipient=personas["chair_a"]).exists(), seconds=60)
    if not delivered:
        worker.kill()
        pytest.fail(worker.stdout.read().decode(errors="replace")[-3000:])
    assert Notification.objects.filter(recipient=personas["officer_x"]).count() == 1
    assert Notification.objects.filter(recipient=personas["chair_a"]).count() == 1
