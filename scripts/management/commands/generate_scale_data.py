"""Fill a dedicated PostgreSQL database with a province's worth of synthetic cases.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bullying_scale \\
        python manage.py generate_scale_data --reset [--schools 5000 --cases 1000000]

Writes straight to PostgreSQL with ``COPY … FROM STDIN`` from an in-memory buffer per
chunk; ids are computed here and the sequences are set afterwards with ``setval``, and
the organisation paths (``/1/7/31/``) are built directly. No model code, services or
signals run, so no audit rows or notifications are produced.

``--reset`` runs ``TRUNCATE … RESTART IDENTITY CASCADE`` on the organisation tree, the
users and every case/report table (and so on every table that points at them). Use it
only on a database kept for this purpose (``bullying_scale``), never on a real one.

Shape (seeded, so reproducible): 1 province, ``--cities`` cities, ``--counties``
counties, ``--schools`` schools (uneven sizes); cases spread over the last three years,
mostly closed, recent ones open, a few old investigations left overdue; 2–3 parties per
case; a signed determination for every case past investigation; one measure per
bullying case in handling or later; an initial report (+ a final one when closed) with a
county hop for serious/severe/criminal cases; ~1% of determined cases appealed. Users: a
chair per school, an officer per county/city/province and one ``scale-reporter``.
"""

import io
import json
import random
import time
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

CHUNK = 50_000

SOURCES = ["staff"] * 30 + ["student"] * 25 + ["parent"] * 20 + ["complaint_box"] * 6 + ["hotline"] * 6
SOURCES += ["police"] * 3 + ["referral"] * 4 + ["petition"] * 2 + ["anonymous"] * 4
FORMS = ["physical", "verbal", "cyber", "property", "exclusion"]
FORM_W = [35, 30, 15, 8, 12]
SEVERITIES = ["minor"] * 60 + ["serious"] * 28 + ["severe"] * 9 + ["criminal"] * 3
REPORTABLE = {"serious", "severe", "criminal"}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫宇浩然子轩欣怡雨涵梓萱一诺思远"
GRADES = ["一年级", "二年级", "三年级", "四年级", "五年级", "六年级", "初一", "初二", "初三", "高一", "高二", "高三"]
LOCATIONS = ["教室", "走廊", "操场", "宿舍", "食堂", "厕所", "校门外", "网络群聊", "上学途中"]
MEASURES = ["criticism", "apology_written", "warning_talk", "sanction_warning", "education_plan", "family_support"]


def _copy(cursor, table: str, columns: list[str], buf: io.StringIO) -> None:
    buf.seek(0)
    cols = ", ".join(f'"{c}"' for c in columns)
    cursor.copy_expert(f"COPY {table} ({cols}) FROM STDIN", buf)


def _v(value) -> str:
    if value is None:
        return r"\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    return str(value)


class Table:
    """Columns of one table and a buffer of COPY text lines."""

    def __init__(self, name: str, columns: str):
        self.name = name
        self.columns = columns.split()
        self.buf = io.StringIO()
        self.count = 0

    def add(self, *values) -> None:
        self.buf.write("\t".join(map(_v, values)))
        self.buf.write("\n")
        self.count += 1

    def flush(self, cursor) -> None:
        if self.buf.tell():
            _copy(cursor, self.name, self.columns, self.buf)
        self.buf = io.StringIO()


def _name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + rnd.choice(GIVEN) + (rnd.choice(GIVEN) if rnd.random() < 0.7 else "")


def _ts(d: date, hour: int = 10) -> str:
    # 10:00 Beijing time is 02:00 UTC
    return f"{d.isoformat()} {hour:02d}:00:00+08"


class Command(BaseCommand):
    help = "Generate a large synthetic data set on PostgreSQL (COPY) for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--cities", type=int, default=14)
        parser.add_argument("--counties", type=int, default=100)
        parser.add_argument("--schools", type=int, default=5000)
        parser.add_argument("--cases", type=int, default=1_000_000)
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20260101)
        parser.add_argument("--reset", action="store_true", help="TRUNCATE the generated tables first")

    def handle(self, *args, **opts):
        if connection.vendor != "postgresql":
            raise CommandError(
                "generate_scale_data needs PostgreSQL (it uses COPY); "
                "set DATABASE_URL=postgres://…/bullying_scale — refusing to run on "
                f"{connection.vendor}."
            )
        if opts["counties"] < opts["cities"] or opts["schools"] < opts["counties"]:
            raise CommandError("need cities <= counties <= schools")
        self.rnd = random.Random(opts["seed"])
        started = time.monotonic()
        with connection.cursor() as cursor:
            if not opts["reset"]:
                cursor.execute("SELECT EXISTS (SELECT 1 FROM cases_case) OR EXISTS (SELECT 1 FROM accounts_orgunit)")
                if cursor.fetchone()[0]:
                    raise CommandError("the database already holds data; run with --reset (truncates it)")
            else:
                self._reset(cursor)
            self._units_and_users(cursor, opts)
            self.stdout.write(f"  units and users: {time.monotonic() - started:.1f}s")
            self._cases(cursor, opts, started)
            self._sequences(cursor)
            t = time.monotonic()
            cursor.execute("ANALYZE")
            self.stdout.write(f"  analyze: {time.monotonic() - t:.1f}s")
        self.stdout.write(self.style.SUCCESS(f"done in {time.monotonic() - started:.1f}s"))

    # ------------------------------------------------------------------------------
    TABLES = [
        "accounts_orgunit",
        "accounts_user",
        "cases_case",
        "reporting_incidentreport",
        "bullying_reminder",
        "bullying_escalation",
    ]

    def _reset(self, cursor) -> None:
        t = time.monotonic()
        tables = [name for name in self.TABLES if self._exists(cursor, name)]
        cursor.execute(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE")
        self.stdout.write(f"  reset (TRUNCATE … CASCADE): {time.monotonic() - t:.1f}s")

    @staticmethod
    def _exists(cursor, name: str) -> bool:
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
        return cursor.fetchone()[0]

    def _units_and_users(self, cursor, opts) -> None:
        rnd = self.rnd
        units = Table("accounts_orgunit", "id code name level parent_id path is_active")
        users = Table(
            "accounts_user",
            "id password last_login is_superuser username first_name last_name email is_staff is_active "
            "date_joined name phone",
        )
        members = Table("accounts_membership", "id user_id org_unit_id role created_at")
        now = timezone.now().isoformat()
        self.uid = 0
        self.mid = 0

        def user(username: str, name: str, unit_id: int | None, role: str | None) -> int:
            self.uid += 1
            users.add(self.uid, "!unusable", None, False, username, "", "", "", False, True, now, name, "")
            if unit_id is not None:
                self.mid += 1
                members.add(self.mid, self.uid, unit_id, role, now)
            return self.uid

        self.reporter_id = user("scale-reporter", "登记员", None, None)
        uid = 1
        units.add(uid, "330000", "浙东省", "province", None, "/1/", True)
        user("scale-province", "省级工作人员", 1, "province_officer")
        cities, counties, schools = [], [], []
        for i in range(opts["cities"]):
            uid += 1
            cities.append((uid, f"/1/{uid}/"))
            units.add(uid, f"33{i + 1:02d}00", f"第{i + 1}市", "city", 1, f"/1/{uid}/", True)
            user(f"scale-city-{i + 1}", "市级工作人员", uid, "city_officer")
        for i in range(opts["counties"]):
            uid += 1
            city_id, city_path = cities[i % len(cities)]
            code = f"33{i % len(cities) + 1:02d}{i // len(cities) + 1:02d}"
            counties.append((uid, f"{city_path}{uid}/", code))
            units.add(uid, code, f"第{i + 1}县", "county", city_id, f"{city_path}{uid}/", True)
            user(f"scale-county-{i + 1}", "县级工作人员", uid, "county_officer")
        self.county_user = {}
        for i in range(opts["schools"]):
            uid += 1
            county_id, county_path, county_code = counties[rnd.randrange(len(counties)) if i >= len(counties) else i]
            code = f"2{county_code}{i + 1:05d}"
            schools.append((uid, county_id, code))
            units.add(uid, code, f"第{i + 1}学校", "school", county_id, f"{county_path}{uid}/", True)
            user(f"scale-school-{i + 1}", "欺凌治理委员会主任", uid, "committee_chair")
        self.schools = schools
        self.counties = {c[0]: c for c in counties}
        # County officers were created in order: user id = 2 + cities + index + 1
        for i, c in enumerate(counties):
            self.county_user[c[0]] = 2 + opts["cities"] + i + 1
        for t in (units, users, members):
            t.flush(cursor)
        self.stdout.write(
            f"  {units.count} units ({len(cities)} cities, {len(counties)} counties, {len(schools)} schools), "
            f"{users.count} users"
        )

    def _cases(self, cursor, opts, started) -> None:
        rnd = self.rnd
        today = timezone.localdate()
        span = 365 * opts["years"]
        weights = [rnd.paretovariate(2.0) for _ in self.schools]
        cum, acc = [], 0.0
        for w in weights:
            acc += w
            cum.append(acc)
        seq: dict[tuple[int, int], int] = {}
        appeal_seq: dict[tuple[int, int], int] = {}
        ids = dict(case=0, party=0, det=0, measure=0, tl=0, report=0, hop=0, appeal=0)
        school_user = {s[0]: self.reporter_id for s in self.schools}
        total = opts["cases"]
        done = 0
        while done < total:
            n = min(CHUNK, total - done)
            tables = self._chunk(rnd, n, today, span, cum, seq, appeal_seq, ids, school_user)
            for t in tables:
                t.flush(cursor)
            done += n
            self.stdout.write(f"  {done:>9,} cases  ({time.monotonic() - started:.0f}s)")
        self.counts = ids
        self.stdout.write("  rows: " + ", ".join(f"{k}={v:,}" for k, v in ids.items()))

    def _status(self, rnd, age: int) -> str:
        r = rnd.random()
        if age <= 1:
            return "reported" if r < 0.5 else "investigating"
        if age <= 14:
            return "investigating" if r < 0.8 else ("determined" if r < 0.9 else "handling")
        if age <= 45:
            for status, p in (("investigating", 0.04), ("determined", 0.10), ("handling", 0.50), ("follow_up", 0.80)):
                if r < p:
                    return status
            return "closed"
        if age <= 120:
            return "handling" if r < 0.05 else ("follow_up" if r < 0.30 else "closed")
        if r < 0.002:
            return "investigating"
        return "follow_up" if r < 0.012 else "closed"

    def _chunk(self, rnd, n, today, span, cum, seq, appeal_seq, ids, school_user):
        cases = Table(
            "cases_case",
            "id school_id number year sequence status occurred_at location source forms summary reported_on "
            "reported_by_id investigation_started_on investigation_due investigation_due_steps determined_on "
            "handling_started_on follow_up_started_on closed_on closing_summary last_step_on is_bullying severity "
            "reopened_by_review created_at updated_at",
        )
        parties = Table("cases_party", "id case_id role name student_no grade class_name is_external")
        dets = Table(
            "cases_determination",
            "id case_id meeting_on members_present_note is_bullying severity reasoning decided_on recorded_by_id "
            "signed_off_by_id signed_off_at",
        )
        measures = Table(
            "cases_measure",
            "id case_id kind party_id description responsible decided_on due_on completed_on planned_hours "
            "completed_hours approved_on approval_authority recorded_by_id",
        )
        timeline = Table("cases_timelineentry", "id case_id at on kind text actor_id data")
        reports = Table(
            "reporting_incidentreport",
            "id case_id school_id number sequence kind status current_unit_id content severity public_concern "
            "reported_on submitted_at submitted_by_id due_at is_late ministry_reported_at ministry_reported_by_id "
            "updated_at",
        )
        hops = Table(
            "reporting_reporthop",
            "id report_id org_unit_id received_at ack_due_at acknowledged_at acknowledged_by_id forward_due_at "
            "forwarded_at forwarded_by_id note",
        )
        appeals = Table(
            "appeals_appeal",
            "id case_id county_id determination_id number year sequence status appellant_name appellant_relation "
            "grounds received_on lodged_by_id forwarded_by_id accepted_on acceptance_reasons acceptance_by_id "
            "legal_route legal_route_note review_due review_due_steps panel_formed_on decided_on "
            "decision_is_bullying decision_severity decision_opinion agreement_note decided_by_id overturned "
            "review_determination_id filed_on filed_with_id filing_note filed_by_id last_step_on created_at "
            "updated_at",
        )
        picks = rnd.choices(self.schools, cum_weights=cum, k=n)
        rep = self.reporter_id
        day = timedelta(days=1)
        for school_id, county_id, school_code in picks:
            ids["case"] += 1
            cid = ids["case"]
            age = int(span * rnd.random() ** 0.9)  # slightly more cases in recent years
            reported_on = today - timedelta(days=age)
            year = reported_on.year
            k = (school_id, year)
            seq[k] = s = seq.get(k, 0) + 1
            status = self._status(rnd, age)
            started_on = due = determined = handling = follow = closed = None
            is_bullying = None
            severity = ""
            last = reported_on
            if status != "reported":
                started_on = reported_on + day * rnd.randint(0, 1)
                due = started_on + timedelta(days=14)
                last = started_on
            if status not in ("reported", "investigating"):
                late = rnd.random() < 0.08
                determined = started_on + timedelta(days=rnd.randint(15, 30) if late else rnd.randint(3, 13))
                if determined > today:
                    determined = today
                last = determined
                is_bullying = status in ("handling", "follow_up") or rnd.random() < 0.7
                if is_bullying:
                    severity = rnd.choice(SEVERITIES)
                if status in ("handling", "follow_up") or (status == "closed" and is_bullying):
                    handling = min(determined + day * rnd.randint(0, 3), today)
                    last = handling
                if status in ("follow_up",) or (status == "closed" and is_bullying):
                    follow = min(handling + timedelta(days=rnd.randint(5, 20)), today)
                    last = follow
                if status == "closed":
                    closed = min(last + timedelta(days=rnd.randint(10, 60)), today)
                    last = closed
            forms = rnd.choices(FORMS, FORM_W, k=1 if rnd.random() < 0.75 else 2)
            if len(forms) == 2 and forms[0] == forms[1]:
                forms = forms[:1]
            created = _ts(reported_on, 9)
            cases.add(
                cid,
                school_id,
                f"{school_code}-{year}-{s:04d}",
                year,
                s,
                status,
                _ts(reported_on - day * rnd.randint(0, 3), 15),
                rnd.choice(LOCATIONS),
                rnd.choice(SOURCES),
                json.dumps(forms),
                "学生之间发生冲突，详见调查记录。",
                reported_on,
                rep,
                started_on,
                due,
                "[]",
                determined,
                handling,
                follow,
                closed,
                "已按程序处置并跟踪观察，结案归档。" if closed else "",
                last,
                is_bullying,
                severity,
                False,
                created,
                _ts(last, 18),
            )
            # parties: a victim, a perpetrator, sometimes a witness or a second perpetrator
            grade = rnd.choice(GRADES)
            roles = ["victim", "perpetrator"]
            if rnd.random() < 0.5:
                roles.append("witness" if rnd.random() < 0.6 else "perpetrator")
            perpetrator = None
            for role in roles:
                ids["party"] += 1
                if role == "perpetrator" and perpetrator is None:
                    perpetrator = ids["party"]
                parties.add(
                    ids["party"],
                    cid,
                    role,
                    _name(rnd),
                    f"G{rnd.randrange(10**9, 10**10)}",
                    grade,
                    f"{rnd.randint(1, 12)}班",
                    rnd.random() < 0.03,
                )
            if determined is None:
                continue
            ids["det"] += 1
            det_id = ids["det"]
            dets.add(
                det_id,
                cid,
                determined,
                "",
                is_bullying,
                severity,
                "经委员会调查认定。",
                determined,
                rep,
                rep,
                _ts(determined, 17),
            )
            ids["tl"] += 1
            timeline.add(ids["tl"], cid, _ts(determined, 17), determined, "determined", "委员会作出认定。", rep, "{}")
            if handling is not None and is_bullying:
                ids["measure"] += 1
                done = follow is not None
                measures.add(
                    ids["measure"],
                    cid,
                    rnd.choice(MEASURES),
                    perpetrator,
                    "",
                    "班主任",
                    handling,
                    handling + timedelta(days=14),
                    (handling + timedelta(days=7)) if done else None,
                    None,
                    0,
                    None,
                    "",
                    rep,
                )
            if is_bullying and severity in REPORTABLE and rnd.random() < 0.97:
                kinds = [("initial", determined)]
                if closed is not None and rnd.random() < 0.9:
                    kinds.append(("final", closed))
                for n_, (kind, on) in enumerate(kinds, start=1):
                    late = rnd.random() < 0.08
                    rep_on = on + day * (2 if late else 0)
                    ids["report"] += 1
                    rid = ids["report"]
                    sub = _ts(rep_on, 16)
                    reports.add(
                        rid,
                        cid,
                        school_id,
                        f"R{cid}-{n_}",
                        n_,
                        kind,
                        "acknowledged",
                        county_id,
                        "报告内容（已隐去姓名）。",
                        severity,
                        rnd.random() < 0.01,
                        rep_on,
                        sub,
                        rep,
                        _ts(on + day, 16),
                        late,
                        None,
                        None,
                        sub,
                    )
                    ids["hop"] += 1
                    ack_late = rnd.random() < 0.05
                    hops.add(
                        ids["hop"],
                        rid,
                        county_id,
                        sub,
                        _ts(rep_on + day, 16),
                        _ts(rep_on + day * (2 if ack_late else 0), 18),
                        self.county_user[county_id],
                        None,
                        None,
                        None,
                        "",
                    )
            if rnd.random() < 0.01 and status in ("handling", "follow_up", "closed", "determined"):
                ids["appeal"] += 1
                received = min(determined + timedelta(days=rnd.randint(1, 10)), today)
                ak = (county_id, received.year)
                appeal_seq[ak] = aseq = appeal_seq.get(ak, 0) + 1
                r = rnd.random()
                recent = (today - received).days < 20
                if recent and r < 0.5:
                    a_status = "reviewing"
                elif r < 0.3:
                    a_status = "upheld"
                elif r < 0.35:
                    a_status = "not_accepted"
                else:
                    a_status = "filed"
                accepted = min(received + day * 3, today)
                reviewing = a_status in ("reviewing", "filed")
                review_due = accepted + timedelta(days=21) if reviewing else None
                decided = min(accepted + timedelta(days=rnd.randint(7, 25)), today) if a_status == "filed" else None
                filed = decided
                county_code = self.counties[county_id][2]
                cu = self.county_user[county_id]
                appeals.add(
                    ids["appeal"],
                    cid,
                    county_id,
                    det_id,
                    f"SS{county_code}-{received.year}-{aseq:04d}",
                    received.year,
                    aseq,
                    a_status,
                    _name(rnd),
                    "母亲",
                    "对认定结果不服。",
                    received,
                    cu,
                    None,
                    accepted,
                    "",
                    cu,
                    "legal_proceedings" if a_status == "not_accepted" else "",
                    "",
                    review_due,
                    "[]",
                    accepted if reviewing else None,
                    decided,
                    is_bullying if decided else None,
                    "",
                    "",
                    "",
                    cu if decided else None,
                    bool(decided) and rnd.random() < 0.1,
                    None,
                    filed,
                    None,
                    "",
                    cu if filed else None,
                    filed or accepted,
                    _ts(received),
                    _ts(filed or accepted),
                )
        return [cases, parties, dets, measures, timeline, reports, hops, appeals]

    def _sequences(self, cursor) -> None:
        for table in (
            "accounts_orgunit",
            "accounts_user",
            "accounts_membership",
            "cases_case",
            "cases_party",
            "cases_determination",
            "cases_measure",
            "cases_timelineentry",
            "reporting_incidentreport",
            "reporting_reporthop",
            "appeals_appeal",
        ):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )
