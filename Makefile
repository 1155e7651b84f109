# Two commands for a fresh machine (see README):
#   make demo   — the portal with demo data on SQLite, tasks in-process, at http://127.0.0.1:8000
#   make test   — lint, type check, Django checks and the whole test suite against PostgreSQL and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
PORT ?= 8000
PYTEST_WORKERS ?= auto

TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bullying
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
DEB_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk libharfbuzz-subset0 poppler-utils chromium

.PHONY: demo test venv venv-dev system-deps lint typecheck checks pytest clean resilience load-run

$(VENV)/.runtime: requirements.txt constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -c constraints.txt -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PIP) install -q -c constraints.txt -r requirements-dev.txt
	touch $@

venv: $(VENV)/.runtime
venv-dev: $(VENV)/.dev

# Debian packages for Chinese PDFs (WeasyPrint's Pango, fonts, fast font subsetting) and browser tests.
system-deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

demo: venv
	@dpkg -s fonts-noto-cjk >/dev/null 2>&1 || echo "提示：未安装 fonts-noto-cjk，PDF 中文将无法显示（make system-deps）"
	BULLYING_REQUIRE_MFA=0 $(PY) manage.py migrate --noinput
	BULLYING_REQUIRE_MFA=0 $(PY) manage.py seed_demo
	BULLYING_REQUIRE_MFA=0 $(PY) manage.py send_reminders --every 300 & sweeper=$$!; \
	  trap "kill $$sweeper 2>/dev/null" EXIT INT TERM; \
	  BULLYING_REQUIRE_MFA=0 $(PY) manage.py runserver 127.0.0.1:$(PORT)

lint: venv-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# mypy with the Django and DRF plugins over the files listed in pyproject.toml ([tool.mypy]);
# the plugin imports the settings, so they get the same environment as the checks below.
typecheck: venv-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(VENV)/bin/mypy

checks: venv-dev
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py check --fail-level WARNING
	DATABASE_URL=$(TEST_DATABASE_URL) $(PY) manage.py makemigrations --check --dry-run
	DEBUG=0 SECRET_KEY=check-deploy-$$(date +%s)-a-long-random-string-for-the-check-only \
	  ALLOWED_HOSTS=portal.example.edu.cn DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) manage.py check --deploy --fail-level WARNING

# --dist loadgroup: see pytest_collection_modifyitems in tests/conftest.py.
pytest: venv-dev
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) CELERY_TASK_ALWAYS_EAGER=1 \
	  $(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadgroup -p no:cacheprovider \
	  $(if $(CI),--create-db,--reuse-db) $(PYTEST_ARGS)

test: system-deps venv-dev lint typecheck checks pytest

# Kills Celery workers with SIGKILL and restarts a private Redis while 1,000 reminders
# are delivered; fails on any duplicate or missing notification (docs/reminders.md).
resilience: venv-dev
	$(PY) scripts/reminder_resilience.py

# gunicorn (DEBUG=0, 3 workers) on a free loopback port, 50 locust users for 60 s over the
# main pages and the API; prints p50/p95/max per endpoint, fails on any failed request.
# Needs the scale data set (docs/benchmarks.md: generate_scale_data).
LOAD_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/bullying_scale
load-run: venv-dev
	DATABASE_URL=$${DATABASE_URL:-$(LOAD_DATABASE_URL)} $(PY) scripts/load_run.py $(LOAD_ARGS)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles var .pytest_cache .ruff_cache .mypy_cache
