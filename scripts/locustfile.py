"""Locust users for ``scripts/load_run.py`` (run that, not this file directly).

The users, their sessions and the ids they visit are prepared by ``load_run.py`` and
handed over in the JSON file named by ``LOAD_RUN_CONFIG``: one signed-in session per
virtual user (a county officer, a city officer, the province officer or a school
committee chair of the scale data set) and an API token of the county officer.

Every request is made without following redirects: a 2xx is a success, a 3xx is a
success unless it sends the user to the sign-in or second-factor page (a lost session),
anything else is a failure.
"""

import json
import os
import random
from collections import defaultdict

from locust import HttpUser, between, task

CONFIG = json.loads(open(os.environ["LOAD_RUN_CONFIG"], encoding="utf-8").read())
TIMEOUT = float(CONFIG.get("request_timeout", 90))
# Sessions not yet handed to a virtual user, per role (locust runs users in one process).
_SESSIONS = defaultdict(list, {role: list(keys) for role, keys in CONFIG["sessions"].items()})


class PortalUser(HttpUser):
    abstract = True
    role = ""
    wait_time = between(1, 3)

    def on_start(self):
        pool = _SESSIONS[self.role]
        # More virtual users than prepared sessions would share one: never expected.
        key = pool.pop() if pool else CONFIG["sessions"][self.role][0]
        self.client.cookies.set(CONFIG["session_cookie"], key)
        self.unit = CONFIG["units"][self.role]

    def get(self, url: str, name: str | None = None, headers: dict | None = None):
        with self.client.get(
            url, name=name or url, headers=headers, allow_redirects=False, timeout=TIMEOUT, catch_response=True
        ) as r:
            if 300 <= r.status_code < 400:
                target = r.headers.get("Location", "")
                if "/accounts/login" in target or "/accounts/mfa" in target:
                    r.failure(f"{r.status_code} to {target}: session not accepted")
                else:
                    r.success()
            elif 200 <= r.status_code < 300:
                r.success()
            elif r.status_code == 0:  # no answer: connection dropped (e.g. a worker killed) or timed out
                r.failure(f"no response: {type(r.error).__name__}: {str(r.error)[:120]}")
            else:
                r.failure(f"HTTP {r.status_code}")


class CountyOfficer(PortalUser):
    role = "county"
    weight = 5

    @task(2)
    def home(self):
        self.get("/", name="home (county)")

    @task(4)
    def case_list(self):
        self.get("/cases/", name="case list p1 (county)")

    @task(2)
    def case_list_deep(self):
        self.get(f"/cases/?page={CONFIG['deep_page']}", name=f"case list p{CONFIG['deep_page']} (county)")

    @task(6)
    def case_detail(self):
        self.get(f"/cases/{random.choice(CONFIG['county_cases'])}/", name="case detail (county)")

    @task(1)
    def dashboard_page(self):
        self.get(f"/reporting/?org_unit={self.unit}", name="dashboard page (county)")

    @task(1)
    def dashboard_api(self):
        self.get(f"/api/v1/dashboard/?org_unit={self.unit}", name="dashboard API (county)")

    @task(1)
    def notifications(self):
        self.get("/notifications/", name="notifications (county)")


class CityOfficer(PortalUser):
    role = "city"
    weight = 2

    @task(2)
    def home(self):
        self.get("/", name="home (city)")

    @task(1)
    def dashboard_page(self):
        self.get(f"/reporting/?org_unit={self.unit}", name="dashboard page (city)")

    @task(1)
    def dashboard_api(self):
        self.get(f"/api/v1/dashboard/?org_unit={self.unit}", name="dashboard API (city)")

    @task(2)
    def case_list(self):
        self.get("/cases/", name="case list p1 (city)")

    @task(1)
    def notifications(self):
        self.get("/notifications/", name="notifications (city)")


class ProvinceOfficer(PortalUser):
    """A single virtual user: the province dashboard is the slowest page (weighted low)."""

    role = "province"
    fixed_count = 1
    wait_time = between(3, 6)

    @task(3)
    def home(self):
        self.get("/", name="home (province)")

    @task(1)
    def dashboard_api(self):
        self.get(f"/api/v1/dashboard/?org_unit={self.unit}", name="dashboard API (province)")


class SchoolChair(PortalUser):
    role = "chair"
    weight = 2

    @task(2)
    def home(self):
        self.get("/", name="home (chair)")

    @task(3)
    def case_list(self):
        self.get("/cases/", name="case list p1 (chair)")

    @task(4)
    def case_detail(self):
        self.get(f"/cases/{random.choice(CONFIG['chair_cases'])}/", name="case detail (chair)")

    @task(1)
    def notifications(self):
        self.get("/notifications/", name="notifications (chair)")


class ApiClient(PortalUser):
    """A county's system reading the API with a bearer token (no session cookie)."""

    role = "api"
    weight = 1

    def on_start(self):
        self.headers = {"Authorization": f"Token {CONFIG['token']}"}

    @task(3)
    def case_list(self):
        self.get("/api/v1/cases/", name="API case list p1 (county)", headers=self.headers)

    @task(1)
    def case_list_deep(self):
        page = CONFIG["api_deep_page"]
        self.get(f"/api/v1/cases/?page={page}", name=f"API case list p{page} (county)", headers=self.headers)

    @task(2)
    def case_detail(self):
        pk = random.choice(CONFIG["county_cases"])
        self.get(f"/api/v1/cases/{pk}/", name="API case detail (county)", headers=self.headers)
