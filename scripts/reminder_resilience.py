#!/usr/bin/env python
"""Resilience check for reminder delivery: no duplicate and no missing notification
while Celery workers are killed with SIGKILL and Redis is restarted.

What it does, all on this machine, bounded in time, stopping everything it started by PID:

1. creates a fresh PostgreSQL database (``bullying_resilience``) and migrates it;
2. starts a private ``redis-server`` on a spare port (the system Redis is not touched);
3. creates 1,000 overdue investigations (one school's committee of 2 + its county
   officer ⇒ 3,000 expected notifications);
4. starts 3 workers; a beat stand-in queues a sweep every second (tiny batches, so kills
   land mid-transaction); workers are killed with ``kill -9`` at random moments and
   restarted, several times; Redis is restarted once;
5. waits until every reminder is sent (or the time limit), then counts.

Exit status 0 when duplicates == 0 and missing == 0. Run: ``make resilience``.
"""

import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PG = os.environ.get("RESILIENCE_PG", "postgres://postgres@127.0.0.1:5432")
DB_NAME = "bullying_resilience"
REDIS_PORT = int(os.environ.get("RESILIENCE_REDIS_PORT", "6391"))
CASES = int(os.environ.get("RESILIENCE_CASES", "1000"))
WORKERS = 3
KILLS = int(os.environ.get("RESILIENCE_KILLS", "6"))
TIME_LIMIT = float(os.environ.get("RESILIENCE_SECONDS", "240"))

ENV = {
    **os.environ,
    "DATABASE_URL": f"{PG}/{DB_NAME}",
    "REDIS_URL": f"redis://127.0.0.1:{REDIS_PORT}/0",
    "CELERY_TASK_ALWAYS_EAGER": "0",
    "CELERY_VISIBILITY_TIMEOUT": "5",  # a killed task comes back after 5 s
    "REMINDER_BATCH_SIZE": "1",
    "BULLYING_REQUIRE_MFA": "0",
    "DJANGO_SETTINGS_MODULE": "bullying.settings",
}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


def run(*args: str) -> None:
    subprocess.run(args, cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL)


class Redis:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="resilience-redis-")
        self.process = None

    def start(self):
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                self.dir,
            ],
            stdout=subprocess.DEVNULL,
        )
        for _ in range(50):
            if (
                subprocess.run(["redis-cli", "-p", str(REDIS_PORT), "ping"], capture_output=True).stdout.strip()
                == b"PONG"
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("redis did not start")

    def stop(self):
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_worker(n: int) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "bullying",
            "worker",
            "-P",
            "prefork",
            "-c",
            "2",
            "-n",
            f"res{n}@%h",
            "--without-heartbeat",
            "--without-mingle",
            "--without-gossip",
            "-l",
            "error",
        ],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # so kill -9 of the group takes the pool children too
    )


def kill9(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=10)


def setup_django():
    os.environ.update(ENV)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def create_data():
    from datetime import date, datetime, timedelta
    from zoneinfo import ZoneInfo

    from accounts.models import Level, Role
    from accounts.services import _Row, org_units_import, user_add
    from cases.models import Case, Party, Status

    org_units_import(
        rows=[
            _Row(2, "330000", "浙江省", Level.PROVINCE, ""),
            _Row(3, "330100", "杭州市", Level.CITY, "330000"),
            _Row(4, "330106", "西湖区", Level.COUNTY, "330100"),
            _Row(5, "2133010601", "实验小学", Level.SCHOOL, "330106"),
        ]
    )
    password = "Resilience-Check-2026"
    chair, _, _ = user_add(username="r_chair", org_code="2133010601", role=Role.COMMITTEE_CHAIR, password=password)
    user_add(username="r_member", org_code="2133010601", role=Role.COMMITTEE_MEMBER, password=password)
    user_add(username="r_county", org_code="330106", role=Role.COUNTY_OFFICER, password=password)
    from accounts.models import OrgUnit

    school = OrgUnit.objects.get(code="2133010601")
    today = date.today()
    started = today - timedelta(days=20)
    cases = [
        Case(
            school=school,
            number=f"R-{i:05d}",
            year=today.year,
            sequence=i,
            status=Status.INVESTIGATING,
            occurred_at=datetime(started.year, started.month, started.day, 8, tzinfo=ZoneInfo("Asia/Shanghai")),
            location="操场",
            source="staff",
            forms=["verbal"],
            summary="resilience",
            reported_on=started,
            reported_by=chair,
            investigation_started_on=started,
            investigation_due=started + timedelta(days=10),
            last_step_on=started,
        )
        for i in range(1, CASES + 1)
    ]
    Case.objects.bulk_create(cases, batch_size=500)
    Party.objects.bulk_create(
        [Party(case=c, role="victim", name="甄秘密") for c in Case.objects.all()], batch_size=1000
    )
    from bullying.deadlines.reminders import reminders_plan

    planned = reminders_plan()
    log(f"created {CASES} overdue investigations, {planned} due reminders")
    return planned


def main() -> int:
    log(f"database {DB_NAME}, private redis on {REDIS_PORT}")
    subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    subprocess.run(["createdb", "-h", "127.0.0.1", "-U", "postgres", DB_NAME], check=True)
    run(sys.executable, "manage.py", "migrate", "--noinput")
    setup_django()
    expected_reminders = create_data()

    from django.db.models import Count

    from bullying import celery_app
    from bullying.deadlines.models import Notification, Reminder
    from bullying.deadlines.tasks import sweep_reminders

    celery_app.conf.task_always_eager = False
    redis = Redis()
    workers: list[subprocess.Popen] = []
    rng = random.Random(20261123)
    try:
        redis.start()
        workers = [start_worker(i) for i in range(WORKERS)]
        started = time.monotonic()
        kills_done, redis_restarted = 0, False
        next_kill = started + rng.uniform(1.0, 3.0)
        while time.monotonic() - started < TIME_LIMIT:
            try:
                sweep_reminders.delay()  # the beat stand-in
            except Exception as exc:  # Redis is down for a moment during its restart
                log(f"enqueue failed ({type(exc).__name__}); beat would retry next tick")
            now = time.monotonic()
            if kills_done < KILLS and now >= next_kill:
                victim = rng.randrange(len(workers))
                kill9(workers[victim])
                workers[victim] = start_worker(victim + 10 * (kills_done + 1))
                kills_done += 1
                left = Reminder.objects.filter(status="pending").count()
                log(f"kill -9 worker {victim} ({kills_done}/{KILLS}) with {left} reminders pending, restarted")
                next_kill = now + rng.uniform(1.0, 4.0)
            if not redis_restarted and kills_done >= KILLS // 2:
                redis.stop()
                log("redis stopped")
                time.sleep(1.0)
                redis.start()
                redis_restarted = True
                log("redis restarted")
            pending = Reminder.objects.filter(status="pending").count()
            if pending == 0 and kills_done >= KILLS and redis_restarted:
                break
            time.sleep(1.0)
        elapsed = time.monotonic() - started

        sent = Reminder.objects.filter(status="sent").count()
        pending = Reminder.objects.filter(status="pending").count()
        expected = expected_reminders * 3  # chair + member + county officer
        total = Notification.objects.count()
        duplicates = (
            Notification.objects.values("recipient_id", "title", "link").annotate(n=Count("id")).filter(n__gt=1).count()
        )
        missing = max(expected - total, 0)
        names_leaked = Notification.objects.filter(title__contains="甄秘密").count()
        log(
            f"elapsed {elapsed:.1f}s, kills {kills_done}, redis restarts {int(redis_restarted)}, "
            f"reminders sent {sent}/{expected_reminders} (pending {pending})"
        )
        log(
            f"notifications {total}/{expected}: duplicates {duplicates}, missing {missing}, names leaked {names_leaked}"
        )
        ok = duplicates == 0 and missing == 0 and pending == 0 and names_leaked == 0 and total == expected
        print("RESULT:", "PASS" if ok else "FAIL")
        return 0 if ok else 1
    finally:
        for worker in workers:
            kill9(worker)
        redis.cleanup()
        from django.db import connections

        connections.close_all()
        subprocess.run(["dropdb", "--if-exists", "-h", "127.0.0.1", "-U", "postgres", DB_NAME])


if __name__ == "__main__":
    sys.exit(main())
