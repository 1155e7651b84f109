"""Time the hot paths on a large data set (see ``generate_scale_data``, docs/benchmarks.md).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bullying_scale python manage.py benchmark [--runs 5]

Each figure is the median of ``--runs`` runs (after one warm-up run) of the real view
code through the Django test client (``force_login``; MFA switched off by a settings
override), beside the median of a hand-written SQL query computing the same numbers,
their ratio, and the number of queries the request made (``CaptureQueriesContext``).
The reminder sweep runs inside a transaction that is rolled back, so it can be repeated.
Read-only otherwise, except the audit rows the case detail/PDF views write themselves.
"""

import statistics
import time
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone

from accounts.models import Membership, OrgUnit


def _ms(seconds: float) -> float:
    return seconds * 1000.0


class Command(BaseCommand):
    help = "Benchmark dashboards, lists, detail, sweep and PDF against hand-written SQL."

    def add_arguments(self, parser):
        parser.add_argument("--runs", type=int, default=5)
        parser.add_argument("--deep-page", type=int, default=200)
        parser.add_argument("--only", default="", help="comma-separated row keys to run")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError("benchmark needs the PostgreSQL scale database (see generate_scale_data).")
        self.runs = opts["runs"]
        with override_settings(BULLYING_REQUIRE_MFA=False, ALLOWED_HOSTS=["*"], DEBUG=False):
            self._run(opts)

    # ----------------------------------------------------------------------------------
    def _user(self, role: str, level_filter: dict | None = None):
        m = Membership.objects.filter(role=role, **(level_filter or {})).select_related("user", "org_unit")
        m = m.order_by("org_unit_id").first()
        if m is None:
            raise CommandError(f"no {role} in the database: run generate_scale_data first")
        return m.user, m.org_unit

    def _client(self, user) -> Client:
        c = Client()
        c.force_login(user)
        # accounts.middleware.SessionLimitsMiddleware wants the sign-in time in the session.
        from accounts.middleware import SESSION_AUTH_AT

        session = c.session
        session[SESSION_AUTH_AT] = time.time()
        session.save()
        return c

    def _time(self, fn):
        fn()  # warm-up
        times, queries, result = [], None, None
        for _ in range(self.runs):
            with CaptureQueriesContext(connection) as ctx:
                t = time.perf_counter()
                result = fn()
                times.append(time.perf_counter() - t)
            queries = len(ctx.captured_queries)
        return statistics.median(times), queries, result

    def _sql(self, statements):
        def run():
            out = []
            with connection.cursor() as cur:
                for sql, params in statements:
                    cur.execute(sql, params)
                    out.append(cur.fetchall())
            return out

        return run

    def _get(self, client, url, status=200):
        def run():
            r = client.get(url)
            if r.status_code != status:
                raise CommandError(f"GET {url} → {r.status_code}")
            if hasattr(r, "streaming_content"):
                b"".join(r.streaming_content)
            return r

        return run

    # ----------------------------------------------------------------------------------
    def _run(self, opts):
        from reporting import conf
        from reporting.models import ReportKind

        only = {k for k in opts["only"].split(",") if k}
        province_user, province = self._user("province_officer")
        city_user, city = self._user("city_officer")
        county_user, county = self._user("county_officer")
        counts = {}
        with connection.cursor() as cur:
            for t in ("accounts_orgunit", "cases_case", "cases_party", "reporting_incidentreport", "appeals_appeal"):
                cur.execute(f"SELECT count(*) FROM {t}")
                counts[t] = cur.fetchone()[0]
            cur.execute(
                "SELECT c.id FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
                "WHERE s.parent_id = %s AND c.status = 'closed' AND c.is_bullying "
                "AND (SELECT count(*) FROM cases_party p WHERE p.case_id = c.id) = 3 ORDER BY c.id LIMIT 1",
                [county.pk],
            )
            case3 = cur.fetchone()[0]
            cur.execute(
                "SELECT c.id FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
                "WHERE s.parent_id = %s AND (SELECT count(*) FROM cases_party p WHERE p.case_id = c.id) = 2 "
                "ORDER BY c.id LIMIT 1",
                [county.pk],
            )
            case2 = cur.fetchone()[0]
            cur.execute(
                "SELECT count(*) FROM cases_case c JOIN accounts_orgunit s ON s.id=c.school_id WHERE s.path LIKE %s",
                [county.path + "%"],
            )
            county_cases = cur.fetchone()[0]
        self.stdout.write(
            f"data: {counts['accounts_orgunit']:,} units, {counts['cases_case']:,} cases, "
            f"{counts['cases_party']:,} parties, {counts['reporting_incidentreport']:,} reports, "
            f"{counts['appeals_appeal']:,} appeals; county {county.pk} has {county_cases:,} cases; runs={self.runs}"
        )
        now = timezone.now()
        today = now.astimezone(conf.SHANGHAI).date()
        lapsed_initial = conf.last_lapsed_day(now, conf.report_hours(ReportKind.INITIAL))
        lapsed_final = conf.last_lapsed_day(now, conf.report_hours(ReportKind.FINAL))
        follow_cutoff = now - timedelta(hours=conf.report_hours(ReportKind.FOLLOW_UP))

        pc, cc, kc = self._client(province_user), self._client(city_user), self._client(county_user)
        per_page = 30
        # Clamped to the last page, so that HTML and API show the same (existing) page.
        deep = max(1, min(opts["deep_page"], -(-county_cases // per_page)))
        api_deep = max(1, min(opts["deep_page"], -(-county_cases // 50)))
        rows = []

        def row(key, label, fn, sql, note=""):
            if only and key not in only:
                return
            t, q, _ = self._time(fn)
            ts = self._time(sql)[0] if sql else None
            rows.append((label, t, ts, q, note))
            self.stdout.write(f"  {label}: {_ms(t):.0f} ms, sql {_ms(ts) if ts else 0:.0f} ms, {q} queries")

        dash_sql = lambda unit: self._sql(  # noqa: E731
            self._dashboard_sql(unit, today, now, lapsed_initial, lapsed_final, follow_cutoff, conf)
        )
        row(
            "dash_province",
            "Dashboard API, province",
            self._get(pc, f"/api/v1/dashboard/?org_unit={province.pk}"),
            dash_sql(province),
        )
        row("dash_city", "Dashboard API, city", self._get(cc, f"/api/v1/dashboard/?org_unit={city.pk}"), dash_sql(city))

        list_sql = lambda offset, limit: self._sql(  # noqa: E731
            [
                (
                    "SELECT count(*) FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
                    "WHERE s.path LIKE %s",
                    [county.path + "%"],
                ),
                (
                    "SELECT c.*, s.name, cty.name FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
                    "JOIN accounts_orgunit cty ON cty.id = s.parent_id WHERE s.path LIKE %s "
                    "ORDER BY c.reported_on DESC, c.id DESC LIMIT %s OFFSET %s",
                    [county.path + "%", limit, offset],
                ),
            ]
        )
        row("list_p1", "County case list (HTML), page 1", self._get(kc, "/cases/"), list_sql(0, per_page))
        row(
            "list_deep",
            f"County case list (HTML), page {deep}",
            self._get(kc, f"/cases/?page={deep}"),
            list_sql((deep - 1) * per_page, per_page),
        )
        row("api_list", "API case list, county, page 1 (50)", self._get(kc, "/api/v1/cases/"), list_sql(0, 50))
        row(
            "api_list_deep",
            f"API case list, county, page {api_deep} (50)",
            self._get(kc, f"/api/v1/cases/?page={api_deep}"),
            list_sql((api_deep - 1) * 50, 50),
        )

        detail_sql = lambda pk: self._sql(  # noqa: E731
            [
                (
                    "SELECT c.*, s.*, cty.*, u.username FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
                    "JOIN accounts_orgunit cty ON cty.id = s.parent_id JOIN accounts_user u ON u.id = c.reported_by_id "
                    "WHERE c.id = %s",
                    [pk],
                ),
                ("SELECT * FROM cases_party WHERE case_id = %s ORDER BY role, id", [pk]),
                ("SELECT * FROM cases_determination WHERE case_id = %s ORDER BY decided_on DESC, id DESC", [pk]),
                ("SELECT * FROM cases_measure WHERE case_id = %s ORDER BY decided_on, id", [pk]),
                ("SELECT * FROM cases_timelineentry WHERE case_id = %s ORDER BY at, id", [pk]),
                ("SELECT * FROM appeals_appeal WHERE case_id = %s", [pk]),
                ("SELECT * FROM reporting_incidentreport WHERE case_id = %s", [pk]),
            ]
        )
        row("detail", "Case detail (HTML), 3 parties", self._get(kc, f"/cases/{case3}/"), detail_sql(case3))
        row("detail2", "Case detail (HTML), 2 parties", self._get(kc, f"/cases/{case2}/"), detail_sql(case2))
        row("api_detail", "API case detail, 3 parties", self._get(kc, f"/api/v1/cases/{case3}/"), detail_sql(case3))
        row("api_detail2", "API case detail, 2 parties", self._get(kc, f"/api/v1/cases/{case2}/"), detail_sql(case2))
        row("api_ps10", "API case list, page_size=10", self._get(kc, "/api/v1/cases/?page_size=10"), list_sql(0, 10))
        row(
            "api_ps200", "API case list, page_size=200", self._get(kc, "/api/v1/cases/?page_size=200"), list_sql(0, 200)
        )
        row("pdf", "Case file PDF, 3 parties", self._get(kc, f"/cases/{case3}/pdf/"), detail_sql(case3))

        if not only or "sweep" in only:
            # No hand-written counterpart: the sweep writes as well as reads.
            t, q, result = self._time(self._sweep)
            rows.append(("Reminder sweep, first (everything due at once)", t, None, q, f"{result}"))
            self.stdout.write(f"  sweep: {_ms(t):.0f} ms, {q} queries, {result}")
        if not only or "sweep_steady" in only:
            t, q, result = self._steady_sweep()
            rows.append(("Reminder sweep, routine (all open deadlines)", t, None, q, f"{result}"))
            self.stdout.write(f"  routine sweep: {_ms(t):.0f} ms, {q} queries, {result}")

        self._table(rows)

    def _sweep(self):
        from bullying.deadlines.reminders import reminders_sweep

        with transaction.atomic():
            result = reminders_sweep()
            transaction.set_rollback(True)
        return result

    def _steady_sweep(self):
        """The sweep beat runs every few minutes: over every open deadline, after an earlier
        sweep delivered what was due (both rolled back)."""
        from bullying.deadlines.reminders import reminders_sweep

        times, queries, result = [], None, None
        for _ in range(self.runs):
            with transaction.atomic():
                reminders_sweep()
                with CaptureQueriesContext(connection) as ctx:
                    t = time.perf_counter()
                    result = reminders_sweep()
                    times.append(time.perf_counter() - t)
                queries = len(ctx.captured_queries)
                transaction.set_rollback(True)
        return statistics.median(times), queries, result

    def _table(self, rows):
        self.stdout.write("")
        head = f"| {'Path':<52} | {'Django (ms)':>11} | {'SQL (ms)':>8} | {'Ratio':>6} | {'Queries':>7} |"
        self.stdout.write(head)
        self.stdout.write("|" + "-" * 54 + "|" + "-" * 13 + ":|" + "-" * 9 + ":|" + "-" * 7 + ":|" + "-" * 8 + ":|")
        for label, t, ts, q, _note in rows:
            ratio = f"{t / ts:.1f}×" if ts else "–"
            sql = f"{_ms(ts):.1f}" if ts else "–"
            self.stdout.write(f"| {label:<52} | {_ms(t):>11.1f} | {sql:>8} | {ratio:>6} | {q:>7} |")
        for label, *_rest, note in rows:
            if note:
                self.stdout.write(f"{label}: {note}")

    # ----------------------------------------------------------------------------------
    def _dashboard_sql(self, unit: OrgUnit, today, now, lapsed_initial, lapsed_final, follow_cutoff, conf):
        """The same figures as ``reporting.selectors.dashboard``: five grouped scans."""
        part = unit.depth + 3  # split_part index of the child id in '/1/7/31/'
        prefix = unit.path + "%"
        rep = list(conf.reportable_severities())
        conceal = list(conf.concealment_sources())
        triggers = list(conf.follow_up_triggers())
        child = f"NULLIF(split_part(s.path, '/', {part}), '')::bigint"
        reportable = "(c.is_bullying AND c.severity = ANY(%(rep)s))"
        has_initial = "EXISTS (SELECT 1 FROM reporting_incidentreport r WHERE r.case_id = c.id AND r.kind = 'initial')"
        has_final = "EXISTS (SELECT 1 FROM reporting_incidentreport r WHERE r.case_id = c.id AND r.kind = 'final')"
        unreported_change = (
            "EXISTS (SELECT 1 FROM cases_timelineentry t WHERE t.case_id = c.id AND t.kind = ANY(%(triggers)s) "
            "AND t.at < %(cutoff)s "
            "AND EXISTS (SELECT 1 FROM reporting_incidentreport r WHERE r.case_id = c.id AND r.submitted_at < t.at) "
            "AND NOT EXISTS (SELECT 1 FROM reporting_incidentreport r WHERE r.case_id = c.id "
            "AND r.submitted_at >= t.at))"
        )
        concealed = (
            "((c.source = ANY(%(conceal)s) AND NOT EXISTS (SELECT 1 FROM reporting_incidentreport r "
            "WHERE r.case_id = c.id AND r.reported_on <= c.reported_on)) OR EXISTS (SELECT 1 FROM appeals_appeal a "
            "WHERE a.case_id = c.id AND NOT EXISTS (SELECT 1 FROM reporting_incidentreport r "
            "WHERE r.case_id = c.id AND r.reported_on <= a.received_on)))"
        )
        cols = [
            "count(*)",
            "count(*) FILTER (WHERE c.status = 'investigating' AND c.investigation_due < %(today)s)",
            "count(*) FILTER (WHERE c.status <> 'closed')",
            "count(*) FILTER (WHERE c.is_bullying)",
            "count(*) FILTER (WHERE NOT c.is_bullying)",
            "count(*) FILTER (WHERE c.investigation_started_on IS NOT NULL)",
            "count(*) FILTER (WHERE c.determined_on <= c.investigation_due)",
            "count(*) FILTER (WHERE c.determined_on > c.investigation_due)",
            "count(*) FILTER (WHERE c.reopened_by_review)",
            f"count(*) FILTER (WHERE {reportable})",
        ]
        # The four detections as WHERE filters (anti- and semi-joins), one UNION ALL.
        detection_where = {
            "missing_initial": f"{reportable} AND c.determined_on <= %(li)s AND NOT {has_initial}",
            "follow_up_overdue": f"c.status <> 'closed' AND {unreported_change}",
            "missing_final": f"c.status = 'closed' AND ({reportable} OR {has_initial}) "
            f"AND c.closed_on <= %(lf)s AND NOT {has_final}",
            "possibly_concealed": concealed,
        }
        detections = " UNION ALL ".join(
            f"(SELECT {child}, '{name}', count(*) FROM cases_case c JOIN accounts_orgunit s ON s.id = c.school_id "
            f"WHERE s.path LIKE %(prefix)s AND {where} GROUP BY 1)"
            for name, where in detection_where.items()
        )
        for v in ("reported", "investigating", "determined", "handling", "follow_up", "closed"):
            cols.append(f"count(*) FILTER (WHERE c.status = '{v}')")
        for v in ("minor", "serious", "severe", "criminal"):
            cols.append(f"count(*) FILTER (WHERE c.is_bullying AND c.severity = '{v}')")
        for v in ("physical", "verbal", "cyber", "property", "exclusion"):
            cols.append(f"count(*) FILTER (WHERE c.forms @> '[\"{v}\"]')")
        for v in (
            "staff",
            "student",
            "parent",
            "complaint_box",
            "hotline",
            "police",
            "referral",
            "petition",
            "anonymous",
        ):
            cols.append(f"count(*) FILTER (WHERE c.source = '{v}')")
        params = dict(
            today=today,
            rep=rep,
            li=lapsed_initial,
            lf=lapsed_final,
            cutoff=follow_cutoff,
            triggers=triggers,
            conceal=conceal,
            prefix=prefix,
            now=now,
        )
        cases = (
            f"SELECT {child} AS child, {', '.join(cols)} FROM cases_case c "
            f"JOIN accounts_orgunit s ON s.id = c.school_id WHERE s.path LIKE %(prefix)s GROUP BY 1"
        )
        reports = (
            f"SELECT {child}, count(*), count(*) FILTER (WHERE r.is_late), count(*) FILTER (WHERE r.public_concern), "
            "count(*) FILTER (WHERE r.ministry_reported_at IS NOT NULL), "
            + ", ".join(
                f"count(*) FILTER (WHERE r.kind = '{k}'), count(*) FILTER (WHERE r.kind = '{k}' AND r.is_late)"
                for k in ("initial", "follow_up", "final")
            )
            + " FROM reporting_incidentreport r JOIN accounts_orgunit s ON s.id = r.school_id "
            "WHERE s.path LIKE %(prefix)s GROUP BY 1"
        )
        hops = (
            f"SELECT {child}, count(*), count(*) FILTER (WHERE h.acknowledged_at IS NOT NULL), "
            "count(*) FILTER (WHERE h.acknowledged_at > h.ack_due_at OR (h.acknowledged_at IS NULL "
            "AND h.ack_due_at < %(now)s)), count(*) FILTER (WHERE h.acknowledged_at IS NULL), "
            "count(*) FILTER (WHERE h.acknowledged_at IS NULL AND h.ack_due_at < %(now)s), "
            "count(*) FILTER (WHERE h.forward_due_at IS NOT NULL AND h.forwarded_at IS NULL "
            "AND h.forward_due_at < %(now)s), count(*) FILTER (WHERE h.forwarded_at IS NOT NULL) "
            "FROM reporting_reporthop h JOIN accounts_orgunit s ON s.id = h.org_unit_id "
            "WHERE s.path LIKE %(prefix)s GROUP BY 1"
        )
        appeals = (
            f"SELECT {child}, count(*), count(*) FILTER (WHERE a.overturned), "
            "count(*) FILTER (WHERE a.status = 'upheld' OR (a.status IN ('decided', 'filed') AND NOT a.overturned)), "
            "count(*) FILTER (WHERE a.status = 'reviewing' AND a.review_due < %(today)s), "
            "count(*) FILTER (WHERE a.decided_on > a.review_due), "
            + ", ".join(
                f"count(*) FILTER (WHERE a.status = '{v}')"
                for v in ("received", "reviewing", "upheld", "not_accepted", "decided", "filed")
            )
            + " FROM appeals_appeal a JOIN cases_case c ON c.id = a.case_id "
            "JOIN accounts_orgunit s ON s.id = c.school_id WHERE s.path LIKE %(prefix)s GROUP BY 1"
        )
        children = ("SELECT * FROM accounts_orgunit WHERE parent_id = %(unit)s ORDER BY path",)
        params["unit"] = unit.pk
        return [
            (children[0], params),
            (cases, params),
            (detections, params),
            (reports, params),
            (hops, params),
            (appeals, params),
        ]
