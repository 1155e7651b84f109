#!/usr/bin/env python
"""Load run: gunicorn with production settings on loopback, driven by locust.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bullying_scale python scripts/load_run.py
    make load-run                      # the same, against the scale database by default

Against a database filled by ``manage.py generate_scale_data`` (docs/benchmarks.md):

1. collects the static files when ``staticfiles/`` is missing or older than the project's
   static folders (``DEBUG=0`` serves them through the manifest storage; ``--collectstatic``
   forces it);
2. signs in, through Django's session store, the first county officer, city officer,
   province officer and school committee chair of the data set (one session per virtual
   user), and issues an API token to the county officer (``accounts.api.authentication``);
3. starts gunicorn on 127.0.0.1 on a free port, as in the production image (3 workers,
   60 s timeout, no control socket) with ``DEBUG=0``, a random ``SECRET_KEY``, ``ALLOWED_HOSTS=127.0.0.1``,
   ``BULLYING_REQUIRE_MFA=0``, and the HTTPS switches off for plain HTTP on loopback
   (``SECURE_SSL_REDIRECT=0``, ``SESSION_COOKIE_SECURE=0``, ``CSRF_COOKIE_SECURE=0``,
   ``SECURE_HSTS_SECONDS=0``);
4. runs ``locust --headless`` (``scripts/locustfile.py``) with 50 users for 60 s;
5. prints a table per endpoint (requests, failures, p50, p95, max, req/s), the failures
   and any traceback or worker timeout in gunicorn's log; removes its sessions and token.

Bounded in time (locust's ``-t`` plus a hard limit), everything it starts is stopped by
PID (its process group). Exit status 0 only when no request failed (non-2xx/3xx, or a
redirect to the sign-in page) and gunicorn logged no error.
"""

import argparse
import csv
import json
import os
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/bullying_scale"


T0 = time.monotonic()


def log(message: str) -> None:
    # Elapsed seconds: django.setup() below switches the process's TZ to the project's.
    print(f"[{time.monotonic() - T0:6.1f}s] {message}", flush=True)


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_DB)
    p.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="cache (and broker); empty: none")
    p.add_argument("--users", type=int, default=50)
    p.add_argument("--spawn-rate", type=float, default=10)
    p.add_argument("--duration", type=int, default=60, help="seconds of load")
    p.add_argument("--stop-timeout", type=int, default=30, help="seconds for in-flight requests at the end")
    p.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "3")))
    p.add_argument("--gunicorn-timeout", type=int, default=60)
    p.add_argument("--out", default="", help="directory for the CSV and logs (default: a new temporary one)")
    p.add_argument("--collectstatic", action="store_true", help="even when staticfiles/ looks up to date")
    return p.parse_args()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(args) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bullying.settings",
        "DATABASE_URL": args.database_url,
        "DEBUG": "0",
        "SECRET_KEY": "load-run-" + secrets.token_urlsafe(48),
        "ALLOWED_HOSTS": "127.0.0.1",
        "BULLYING_REQUIRE_MFA": "0",
        # Plain HTTP on loopback: no redirect to HTTPS, cookies without the Secure flag.
        "SECURE_SSL_REDIRECT": "0",
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "SECURE_HSTS_SECONDS": "0",
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
    }
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    else:
        env.pop("REDIS_URL", None)
    return env


# ----------------------------------------------------------------------------------------
# Users, sessions and ids (in this process, with the same settings as the server)


def prepare(args, env: dict) -> tuple[dict, callable]:
    os.environ.update(env)
    if not args.redis_url:
        os.environ.pop("REDIS_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db import connection

    from accounts.api.authentication import _digest, token_issue
    from accounts.middleware import SESSION_AUTH_AT
    from accounts.models import ApiToken, Membership

    if connection.vendor != "postgresql":
        raise SystemExit("load_run needs the PostgreSQL scale database (DATABASE_URL)")
    store = import_module(settings.SESSION_ENGINE).SessionStore

    def first(role: str):
        m = Membership.objects.filter(role=role).select_related("user", "org_unit").order_by("org_unit_id").first()
        if m is None:
            raise SystemExit(f"no {role} in {args.database_url}: run manage.py generate_scale_data first")
        return m.user, m.org_unit

    people = {
        "county": first("county_officer"),
        "city": first("city_officer"),
        "province": first("province_officer"),
        "chair": first("committee_chair"),
    }
    session_keys: list[str] = []
    sessions = {}
    for role, (user, _unit) in people.items():
        keys = []
        for _ in range(args.users):
            s = store()
            s[SESSION_KEY] = str(user.pk)
            s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            s[HASH_SESSION_KEY] = user.get_session_auth_hash()
            s[SESSION_AUTH_AT] = time.time()
            s.create()
            keys.append(s.session_key)
        sessions[role] = keys
        session_keys += keys
    county_user, county = people["county"]
    token = token_issue(user=county_user)

    with connection.cursor() as cur:
        cur.execute(
            "SELECT count(*) FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id WHERE s.path LIKE %s",
            [county.path + "%"],
        )
        county_cases = cur.fetchone()[0]
        cur.execute(
            "SELECT c.id FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
            "WHERE s.path LIKE %s ORDER BY random() LIMIT 500",
            [county.path + "%"],
        )
        county_ids = [r[0] for r in cur.fetchall()]
        cur.execute(
            "SELECT id FROM cases_case WHERE school_id = %s ORDER BY random() LIMIT 200", [people["chair"][1].pk]
        )
        chair_ids = [r[0] for r in cur.fetchall()]
    if not county_ids or not chair_ids:
        raise SystemExit("the chosen county or school has no cases: is the data set complete?")
    config = {
        "session_cookie": settings.SESSION_COOKIE_NAME,
        "sessions": sessions,
        "token": token,
        "units": {role: unit.pk for role, (_u, unit) in people.items()},
        "county_cases": county_ids,
        "chair_cases": chair_ids,
        # Page 200 as in manage.py benchmark, clamped to the county's last page (30 / 50 a page).
        "deep_page": max(1, min(200, -(-county_cases // 30))),
        "api_deep_page": max(1, min(200, -(-county_cases // 50))),
        "request_timeout": args.gunicorn_timeout + 30,
        "summary": {
            role: f"{user.username} ({unit.name}, org_unit {unit.pk})" for role, (user, unit) in people.items()
        },
        "county_case_count": county_cases,
    }

    def cleanup(app_name: str):
        # A worker killed at its timeout leaves its query running in PostgreSQL: end them.
        with connection.cursor() as cur:
            cur.execute(
                "SELECT pid, state, now() - query_start, left(query, 100), pg_terminate_backend(pid) "
                "FROM pg_stat_activity WHERE application_name = %s",
                [app_name],
            )
            for pid, state, age, query, _ in cur.fetchall():
                if state != "idle":
                    log(f"ended a query left running by the server: pid {pid}, {state} for {age}: {query}…")
        for key in session_keys:
            store(key).delete()
        ApiToken.objects.filter(digest=_digest(token)).delete()

    return config, cleanup


# ----------------------------------------------------------------------------------------
# Processes


class Started:
    """Processes started here, each in its own process group, stopped by PID."""

    def __init__(self):
        self.procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict, logfile: Path) -> subprocess.Popen:
        out = open(logfile, "wb")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        out.close()
        self.procs.append((name, proc))
        log(f"started {name} (pid {proc.pid})")
        return proc

    @staticmethod
    def stop(name: str, proc: subprocess.Popen, grace: float = 20) -> None:
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                log(f"{name} (pid {proc.pid}) did not stop in {grace:.0f}s: SIGKILL")
                try:
                    os.killpg(proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                proc.wait(10)
        # Workers left behind by a master that died are in the same process group.
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop_all(self) -> None:
        for name, proc in reversed(self.procs):
            self.stop(name, proc)
        self.procs.clear()


def static_up_to_date() -> bool:
    """staticfiles/ (``DEBUG=0`` reads its manifest) is newer than every file of the project's
    own static folders; collectstatic with compression takes most of a minute on 2 cores."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    built = manifest.stat().st_mtime
    for folder in [ROOT / "static", *ROOT.glob("*/static")]:
        for f in folder.rglob("*"):
            if f.is_file() and f.stat().st_mtime > built:
                return False
    return True


def wait_healthy(url: str, proc: subprocess.Popen, limit: float = 60) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {proc.returncode} at start-up (see its log)")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"gunicorn did not answer {url} within {limit:.0f}s")


# ----------------------------------------------------------------------------------------
# Report


def _num(row: dict, key: str) -> float:
    value = row.get(key, "")
    try:
        return float(value)
    except ValueError:
        return float("nan")


def report(out: Path) -> int:
    with open(out / "locust_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    width = max([len(r["Name"]) for r in rows] + [10])
    head = f"| {'Endpoint':<{width}} | {'Requests':>8} | {'Failures':>8} | {'p50 (ms)':>8} | {'p95 (ms)':>8} | {'max (ms)':>8} | {'req/s':>6} |"
    print(head)
    print("|" + "-" * (width + 2) + "|" + "|".join("-" * (n + 1) + ":" for n in (8, 8, 8, 8, 8, 6)) + "|")
    failures = 0
    for r in rows:
        aggregated = r["Name"] == "Aggregated"
        name = "all" if aggregated else r["Name"]
        failures += 0 if aggregated else int(r["Failure Count"])
        print(
            f"| {name:<{width}} | {int(r['Request Count']):>8} | {int(r['Failure Count']):>8} | "
            f"{_num(r, '50%'):>8.0f} | {_num(r, '95%'):>8.0f} | {_num(r, 'Max Response Time'):>8.0f} | "
            f"{_num(r, 'Requests/s'):>6.2f} |"
        )
    fail_file = out / "locust_failures.csv"
    if fail_file.exists():
        with open(fail_file, encoding="utf-8") as f:
            for r in csv.DictReader(f):
                print(f"failure: {r['Method']} {r['Name']}: {r['Error']} × {r['Occurrences']}")
    return failures


# gunicorn's default access log line, plus the time spent in the worker.
ACCESS_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
ACCESS_LINE = re.compile(r"^\S+ - \S+ \[")  # gunicorn's access log
RECORD_START = re.compile(r"^(\[\d{4}-|\d{4}-\d\d-\d\d \d\d:)")  # a gunicorn or Django log record
PROBLEM = re.compile(r"Traceback|WORKER TIMEOUT|\b(ERROR|CRITICAL)\b")


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


def server_times(logfile: Path) -> None:
    """Time spent in the gunicorn worker per path (the client's figures add the queueing)."""
    pattern = re.compile(r'"GET (\S+) HTTP/[\d.]+" (\d{3}) .* (\d+)ms$')
    times: dict[str, list[float]] = {}
    for line in logfile.read_text(encoding="utf-8", errors="replace").splitlines():
        m = pattern.search(line) if ACCESS_LINE.match(line) else None
        if m and m.group(1) != "/healthz":
            times.setdefault(re.sub(r"/\d+/", "/{id}/", m.group(1)), []).append(float(m.group(3)))
    if not times:
        return
    width = max(len(k) for k in times)
    print("\nTime in the worker per path (gunicorn access log; the table above adds the queueing):")
    print(f"  {'path':<{width}}  count  p50 (ms)  max (ms)")
    for path, values in sorted(times.items()):
        print(f"  {path:<{width}}  {len(values):>5}  {_pct(values, 0.5):>8.0f}  {max(values):>8.0f}")


def server_errors(logfile: Path) -> int:
    """Print the error records of gunicorn's log (each with its traceback); return their number."""
    lines = logfile.read_text(encoding="utf-8", errors="replace").splitlines()
    blocks: list[list[str]] = []
    i = 0
    while i < len(lines):
        if not ACCESS_LINE.match(lines[i]) and PROBLEM.search(lines[i]):
            block = [lines[i]]
            i += 1
            while i < len(lines) and not ACCESS_LINE.match(lines[i]) and not RECORD_START.match(lines[i]):
                block.append(lines[i])
                i += 1
            blocks.append(block)
            continue
        i += 1
    if blocks:
        print(f"\ngunicorn log ({logfile}): {len(blocks)} error record(s):")
        for block in blocks[:12]:
            print("\n".join(block[:60]) + ("\n  …" if len(block) > 60 else ""))
        if len(blocks) > 12:
            print(f"… and {len(blocks) - 12} more")
    statuses: dict[str, int] = {}
    for line in lines:
        m = re.search(r'" (\d{3}) ', line) if ACCESS_LINE.match(line) else None
        if m:
            statuses[m.group(1)] = statuses.get(m.group(1), 0) + 1
    if statuses:
        print(
            "gunicorn access log, responses by status: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
        )
    return len(blocks)


def main() -> int:
    args = parse_args()
    out = Path(args.out or tempfile.mkdtemp(prefix="load-run-"))
    out.mkdir(parents=True, exist_ok=True)
    env = server_env(args)
    python = sys.executable
    bindir = Path(python).parent
    started = Started()

    def on_signal(signum, _frame):
        started.stop_all()
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)

    db_label = re.sub(r"//[^@/]*@", "//…@", args.database_url)
    log(f"database {db_label}; output in {out}")
    if args.collectstatic or not static_up_to_date():
        t = time.monotonic()
        subprocess.run(
            [python, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True, timeout=600
        )
        log(f"collectstatic: {time.monotonic() - t:.0f}s")
    config, cleanup = prepare(args, env)
    for role, who in config["summary"].items():
        log(f"  {role}: {who}")
    log(
        f"  county has {config['county_case_count']:,} cases; deep pages: HTML {config['deep_page']}, "
        f"API {config['api_deep_page']}"
    )
    config_file = out / "config.json"
    config_file.write_text(json.dumps(config), encoding="utf-8")
    os.chmod(config_file, 0o600)

    port = free_port()
    gunicorn_log = out / "gunicorn.log"
    # The server's connections carry this name, so that what it leaves behind can be found.
    app_name = f"load-run-{os.getpid()}"
    sep = "&" if "?" in args.database_url else "?"
    gunicorn_env = {**env, "DATABASE_URL": f"{args.database_url}{sep}application_name={app_name}"}
    rc = 1
    try:
        server = started.start(
            "gunicorn",
            [
                str(bindir / "gunicorn"),
                "bullying.wsgi:application",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--timeout",
                str(args.gunicorn_timeout),
                "--graceful-timeout",
                "10",
                "--worker-tmp-dir",
                "/dev/shm",
                "--no-control-socket",
                "--access-logfile",
                "-",
                "--access-logformat",
                ACCESS_FORMAT,
                "--error-logfile",
                "-",
            ],
            gunicorn_env,
            gunicorn_log,
        )
        base = f"http://127.0.0.1:{port}"
        wait_healthy(base + "/healthz", server)
        log(f"gunicorn answers on {base} ({args.workers} workers)")

        locust_env = {**os.environ, "LOAD_RUN_CONFIG": str(config_file)}
        t = time.monotonic()
        log(f"locust: {args.users} users (spawn {args.spawn_rate}/s) for {args.duration}s")
        locust = started.start(
            "locust",
            [
                str(bindir / "locust"),
                "-f",
                str(ROOT / "scripts" / "locustfile.py"),
                "--headless",
                "--host",
                base,
                "-u",
                str(args.users),
                "-r",
                str(args.spawn_rate),
                "-t",
                f"{args.duration}s",
                "--stop-timeout",
                str(args.stop_timeout),
                "--csv",
                str(out / "locust"),
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            locust_env,
            out / "locust.log",
        )
        limit = args.duration + args.stop_timeout + 60
        try:
            locust_rc = locust.wait(limit)
        except subprocess.TimeoutExpired:
            log(f"locust still running after {limit}s: stopping it")
            started.stop("locust", locust)
            locust_rc = -1
        log(f"locust finished in {time.monotonic() - t:.0f}s (exit {locust_rc})")
        server_alive = server.poll() is None
        started.stop_all()

        print()
        failures = report(out)
        server_times(gunicorn_log)
        errors = server_errors(gunicorn_log)
        if not server_alive:
            print("gunicorn had exited before the end of the run")
        if locust_rc not in (0, 1):  # 1 = some request failed, reported above
            print(f"locust exited with {locust_rc}; its log: {out / 'locust.log'}")
            print((out / "locust.log").read_text(encoding="utf-8", errors="replace")[-3000:])
        rc = 0 if failures == 0 and errors == 0 and server_alive and locust_rc in (0, 1) else 1
        print(
            f"\n{'OK' if rc == 0 else 'FAILED'}: {failures} failed request(s), {errors} server error line(s); files in {out}"
        )
    finally:
        started.stop_all()
        try:
            cleanup(app_name)
        except Exception as exc:  # the report matters more than the clean-up
            print(f"clean-up of sessions/token failed: {exc}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
