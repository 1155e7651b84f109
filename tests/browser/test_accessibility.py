"""Accessibility basics of every form page, checked in headless Chromium (WCAG 2.1 AA).

On each page, with every ``<details>`` opened so that folded forms count too:

- every visible input, select, textarea and button has an accessible name: a
  ``<label for>``, a wrapping ``<label>``, ``aria-label`` or ``aria-labelledby`` (a
  button may also name itself by its text or value);
- every visible text (body text, labels, buttons, links, badges, form values) has a
  contrast ratio of at least 4.5:1 against the first non-transparent background behind
  it, from ``getComputedStyle`` and the WCAG relative-luminance formula;
- Tab alone reaches each field of the page's forms and their submit buttons, from the
  top of the page, in document order.

The login and intake forms are also filled in and submitted with the keyboard only.
Offenders are reported by CSS selector.
"""

import re

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import user_add
from cases import services as case_services
from cases.appeals import services as appeal_services
from cases.models import Case, PartyRole, Status
from tests.browser_support import school_case
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

MINIMUM_CONTRAST = 4.5

AUDIT_JS = r"""
() => {
  if (window.__a11y) return;
  const visible = (el) => {
    if (!el.isConnected || el.closest('[hidden], [inert]')) return false;
    const style = getComputedStyle(el);
    if (style.visibility !== 'visible' || style.display === 'none') return false;
    const r = el.getBoundingClientRect();
    if (r.width < 2 || r.height < 2) return false;  // hidden, or clipped to 1px for screen readers
    return r.right > 0 && r.left < document.documentElement.scrollWidth && r.bottom > -5000;
  };
  const esc = (s) => CSS.escape(s);
  const describe = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1 && node !== document.body && parts.length < 5; node = node.parentElement) {
      let part = node.tagName.toLowerCase();
      if (node.id) { parts.unshift(`${part}#${esc(node.id)}`); break; }
      const name = node.getAttribute('name');
      if (name) part += `[name="${name}"]`;
      else if (node.classList.length) part += '.' + [...node.classList].map(esc).join('.');
      const parent = node.parentElement;
      if (parent && !name) {
        const same = [...parent.children].filter((c) => c.tagName === node.tagName);
        if (same.length > 1) part += `:nth-of-type(${same.indexOf(node) + 1})`;
      }
      parts.unshift(part);
    }
    return parts.join(' > ');
  };
  const textOf = (node, skip) => {
    const clone = node.cloneNode(true);
    if (skip) clone.querySelectorAll('input, select, textarea').forEach((c) => c.remove());
    return (clone.textContent || '').replace(/\s+/g, ' ').trim();
  };
  const accessibleName = (el) => {
    const ids = (el.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean);
    const byIds = ids.map((id) => document.getElementById(id)).filter(Boolean).map((n) => textOf(n, false)).join(' ').trim();
    if (byIds) return byIds;
    const aria = (el.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    const labels = [...(el.labels || [])].map((l) => textOf(l, true)).join(' ').trim();
    if (labels) return labels;
    const tag = el.tagName.toLowerCase();
    const type = (el.getAttribute('type') || '').toLowerCase();
    if (tag === 'button') return textOf(el, false);
    if (tag === 'input' && ['submit', 'button', 'reset'].includes(type)) return (el.value || '').trim();
    if (tag === 'input' && type === 'image') return (el.getAttribute('alt') || '').trim();
    return '';
  };
  const unnamed = () => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button')]
    .filter(visible)
    .filter((el) => !accessibleName(el))
    .map(describe);

  // Contrast (WCAG 2.x relative luminance).
  const rgba = (value) => {
    const m = /rgba?\(([^)]+)\)/.exec(value || '');
    if (!m) return null;
    const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(parseFloat);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const channel = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  const luminance = (c) => 0.2126 * channel(c[0]) + 0.7152 * channel(c[1]) + 0.0722 * channel(c[2]);
  const ratio = (a, b) => { const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  const hex = (c) => '#' + c.slice(0, 3).map((v) => Math.round(v).toString(16).padStart(2, '0')).join('');
  // The backdrop of ``el``: its own and its ancestors' background colours, composited up
  // to the first opaque one (white canvas below). null when an image or gradient is in
  // the way before that (the contrast cannot be computed from colours).
  const backdrop = (el) => {
    const layers = [];
    let opacity = 1;
    for (let node = el; node; node = node.parentElement) {
      const style = getComputedStyle(node);
      opacity *= parseFloat(style.opacity);
      const colour = rgba(style.backgroundColor);
      if (colour && colour[3] > 0) layers.push(colour);
      if (colour && colour[3] >= 1) break;
      if (style.backgroundImage !== 'none') return null;
    }
    let result = [255, 255, 255, 1];
    for (const layer of layers.reverse()) result = over(layer, result);
    return { colour: result, opacity };
  };
  const TEXT_INPUTS = ['text', 'search', 'email', 'number', 'password', 'date', 'datetime-local', 'month', 'time', 'tel', 'url', 'submit', 'button', 'reset', ''];
  const carriesText = (el) => {
    const tag = el.tagName.toLowerCase();
    if (['script', 'style', 'noscript', 'option', 'optgroup', 'template', 'title'].includes(tag)) return false;
    if (el.closest('svg, canvas')) return false;
    if (el.matches(':disabled')) return false;
    if (tag === 'input') return TEXT_INPUTS.includes((el.getAttribute('type') || '').toLowerCase()) && !!el.value;
    if (tag === 'select') return true;
    if (tag === 'textarea') return !!el.value.trim();
    return [...el.childNodes].some((n) => n.nodeType === 3 && /\S/.test(n.textContent));
  };
  const lowContrast = (minimum) => {
    const seen = new Map();
    for (const el of document.body.querySelectorAll('*')) {
      if (!carriesText(el) || !visible(el)) continue;
      const back = backdrop(el);
      if (!back) continue;
      const fg = rgba(getComputedStyle(el).color);
      if (!fg) continue;
      const text = over([fg[0], fg[1], fg[2], fg[3] * back.opacity], back.colour);
      const value = ratio(text, back.colour);
      if (value + 1e-6 >= minimum) continue;
      const words = (el.matches('input, select, textarea') ? (el.value || el.selectedOptions?.[0]?.text || '') : textOf(el, true)).slice(0, 16);
      const key = `${el.tagName}.${[...el.classList].join('.')} ${hex(text)}/${hex(back.colour)}`;
      if (!seen.has(key)) seen.set(key, `${describe(el)} “${words}” ${value.toFixed(2)}:1 (${hex(text)} on ${hex(back.colour)})`);
    }
    return [...seen.values()];
  };

  // Keyboard: which fields of a form Tab reaches (a radio group counts once).
  const fieldsOf = (form) => [...form.elements].filter((el) => {
    const type = (el.getAttribute('type') || '').toLowerCase();
    return el.tagName !== 'FIELDSET' && el.tagName !== 'OUTPUT' && type !== 'hidden' && !el.disabled && visible(el);
  });
  const keyOf = (el) => (el.type === 'radio' ? `radio:${el.name}` : describe(el));
  const tabStops = () => [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]')]
    .filter((el) => visible(el) && el.tabIndex >= 0 && !el.disabled)
    .reduce((n, el) => n + (['date', 'datetime-local', 'time', 'month'].includes(el.type) ? 7 : 1), 0);
  window.__focusLog = [];
  document.addEventListener('focusin', (e) => window.__focusLog.push(keyOf(e.target)), true);
  // A label (or aria-labelledby) pointing at an id the page holds twice names the first
  // element only: the other control is left unnamed.
  const ambiguousIds = () => {
    const refs = [...document.querySelectorAll('label[for]')].map((l) => l.htmlFor)
      .concat([...document.querySelectorAll('[aria-labelledby]')].flatMap((e) => e.getAttribute('aria-labelledby').split(/\s+/)));
    return [...new Set(refs.filter((id) => id && document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length > 1))].map((id) => `#${id}`);
  };
  const positiveTabindex = () => [...document.querySelectorAll('[tabindex]')].filter((el) => el.tabIndex > 0).map(describe);
  window.__a11y = { unnamed, ambiguousIds, lowContrast, fieldsOf, keyOf, tabStops, positiveTabindex, describe };
}
"""


def _install(page):
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    page.evaluate(AUDIT_JS)


def tab_through(page, form_selectors: list[str]) -> list[str]:
    """Press Tab from the top of the freshly loaded page until every field (and submit
    button) of the given forms had the focus; the fields never reached, by selector."""
    page.evaluate("() => { document.activeElement && document.activeElement.blur(); window.__focusLog = []; }")
    wanted: dict[str, str] = {}
    for selector in form_selectors:
        keys = page.evaluate(
            "(sel) => { const f = document.querySelector(sel); "
            "if (!f) return null; return __a11y.fieldsOf(f).map(__a11y.keyOf); }",
            selector,
        )
        assert keys, f"no form {selector!r} with fields on {page.url}"
        for key in keys:
            wanted.setdefault(key, selector)
    limit = page.evaluate("() => __a11y.tabStops()") + 10
    pressed = 0
    while pressed < limit:
        for _ in range(10):
            page.keyboard.press("Tab")
        pressed += 10
        reached = set(page.evaluate("() => window.__focusLog"))
        if set(wanted) <= reached:
            return []
    reached = set(page.evaluate("() => window.__focusLog"))
    return [f"{key} (in {selector})" for key, selector in wanted.items() if key not in reached]


def audit(journey, path: str, *, forms: list[str] = (), shot: str = "") -> list[str]:
    """Load ``path`` and run the three checks; each problem as one line."""
    page = journey.go(path)
    assert page.locator("h1").count(), f"{path} did not render"
    assert "页面不存在" not in page.locator("h1").first.inner_text(), f"{path}: not found"
    _install(page)
    problems = []
    for selector in page.evaluate("() => __a11y.unnamed()"):
        problems.append(f"{path}: no accessible name: {selector}")
    for selector in page.evaluate("() => __a11y.ambiguousIds()"):
        problems.append(f"{path}: a label points at an id used twice: {selector}")
    for offender in page.evaluate("(min) => __a11y.lowContrast(min)", MINIMUM_CONTRAST):
        problems.append(f"{path}: contrast below {MINIMUM_CONTRAST}:1: {offender}")
    for selector in page.evaluate("() => __a11y.positiveTabindex()"):
        problems.append(f"{path}: positive tabindex breaks the tab order: {selector}")
    if forms:
        for missing in tab_through(page, list(forms)):
            problems.append(f"{path}: Tab never reaches {missing}")
    if shot:
        journey.shot(shot)
    return problems


def tab_to(page, selector: str, *, limit: int = 80) -> None:
    """Press Tab until the element matching ``selector`` has the focus."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(sel) => document.activeElement && document.activeElement.matches(sel)", selector):
            return
    raise AssertionError(f"Tab never reached {selector} on {page.url}")


def report(problems: list[str]) -> str:
    return "accessibility problems:\n  " + "\n  ".join(problems)


# ---------------------------------------------------------------------------------------
# Signing in


def test_the_login_form_is_accessible_and_works_with_the_keyboard_alone(journey, personas):
    visitor = journey("visitor")
    problems = audit(visitor, "/accounts/login/", forms=["main form"], shot="login")
    assert problems == [], report(problems)

    page = visitor.go("/accounts/login/")
    tab_to(page, "#id_username", limit=5)
    page.keyboard.type("staff_a")
    tab_to(page, "#id_password", limit=2)
    page.keyboard.type(PASSWORD)
    tab_to(page, "main button[type=submit]", limit=2)
    assert page.evaluate("document.activeElement.textContent") == "登录"
    page.keyboard.press("Enter")
    page.wait_for_url(visitor.base + "/")
    assert "staff_a老师" in page.locator("header .who").inner_text()
    assert "登记事件" in page.locator("main").inner_text()


def test_the_intake_form_is_accessible_and_submitted_with_the_keyboard_alone(journey, personas):
    teacher = journey("teacher")
    teacher.login("staff_a", PASSWORD)
    problems = audit(teacher, "/cases/new/", forms=["main form"], shot="intake")
    assert problems == [], report(problems)

    page = teacher.go("/cases/new/")
    tab_to(page, "#id_occurred_at")
    # A date-time field is a row of segments: Arrow Up sets each empty one (this year,
    # January 1st, 1:00), Arrow Right moves on; whatever the browser's date format.
    for _ in range(6):
        page.keyboard.press("ArrowUp")
        page.keyboard.press("ArrowRight")
    assert page.eval_on_selector("#id_occurred_at", "e => e.value").startswith(f"{timezone.localdate().year}-01-01T")
    tab_to(page, "#id_location")
    page.keyboard.type("二楼东侧厕所")
    tab_to(page, "#id_source")
    page.keyboard.press("ArrowDown")  # 教职工发现 → 学生报告
    tab_to(page, "input[name=forms][value=verbal]")
    page.keyboard.press("Space")
    tab_to(page, "#id_summary")
    page.keyboard.type("课间有同学反映某生被多名同学围堵辱骂，并被要求不许告诉老师。")
    tab_to(page, "#id_party-0-role")
    page.keyboard.press("ArrowDown")  # — → 受欺凌学生
    tab_to(page, "#id_party-0-name")
    page.keyboard.type("甄秘密")
    tab_to(page, "#id_party-1-role")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # — → 受欺凌学生 → 实施欺凌学生
    tab_to(page, "#id_party-1-name")
    page.keyboard.type("贾某某")
    tab_to(page, "main form button[type=submit]")
    assert page.evaluate("document.activeElement.textContent") == "提交登记"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    assert page.locator(".messages").inner_text().startswith("事件已登记")
    case = Case.objects.get()
    assert case.source == "student" and case.forms == ["verbal"] and case.location == "二楼东侧厕所"
    assert sorted(case.parties.values_list("role", "name")) == [
        (PartyRole.PERPETRATOR, "贾某某"),
        (PartyRole.VICTIM, "甄秘密"),
    ]
    teacher.shot("intake-submitted")


# ---------------------------------------------------------------------------------------
# The school's case forms and reports


def parties(tag: str) -> list[dict]:
    return [
        {"role": PartyRole.VICTIM, "name": f"甄{tag}", "grade": "五年级"},
        {"role": PartyRole.PERPETRATOR, "name": f"贾{tag}", "grade": "五年级"},
    ]


def test_the_school_case_and_report_forms_are_accessible(journey, personas, tree):
    reported = school_case(personas, tree, to="reported", parties=parties("一"))
    investigating = school_case(personas, tree, to="investigating", parties=parties("二"))
    determined = school_case(personas, tree, parties=parties("三"))
    serious = school_case(personas, tree, severity="serious", parties=parties("四"))
    chair = journey("chair")
    chair.login("chair_a", PASSWORD)
    step = "#actions form[action$='/step/{}/']".format
    problems = [
        *audit(chair, "/", shot="workbench"),
        *audit(chair, "/cases/", forms=["form[role=search]"]),
        *audit(chair, f"/cases/{reported.pk}/", forms=[step("start"), step("notice")], shot="start"),
        *audit(chair, f"/cases/{investigating.pk}/", forms=[step("determine")], shot="determine"),
        *audit(chair, f"/cases/{determined.pk}/", forms=[step("measure"), step("notice")], shot="measure"),
        *audit(chair, f"/cases/{determined.pk}/appeal/", forms=["main form"], shot="appeal-new"),
        *audit(chair, f"/reporting/reports/new/?case={serious.pk}&kind=initial", forms=["main form"], shot="report"),
        *audit(chair, "/reporting/reports/", forms=["form[role=search]"]),
    ]
    assert problems == [], report(problems)


# ---------------------------------------------------------------------------------------
# The county: appeals and incoming reports


def test_the_county_appeal_and_report_forms_are_accessible(journey, personas, tree):
    from reporting import services as reporting

    officer_x = personas["officer_x"]
    cases = [school_case(personas, tree, school=s, parties=parties(t)) for s, t in (("A", "一"), ("A2", "二"))]
    cases += [school_case(personas, tree, school="A", severity="serious", parties=parties(t)) for t in "三四五"]

    def lodge(case):
        return appeal_services.appeal_lodge(
            actor=officer_x, case=case, appellant_name="甄家长", appellant_relation="父亲", grounds="不服认定。"
        )

    received = lodge(cases[1])  # school A2's: its chair sits on the panels of school A's appeals
    reviewing = appeal_services.appeal_accept_review(actor=officer_x, appeal=lodge(cases[0]))
    panel = [(personas["staff_a"], "school_rep"), (personas["chair_a2"], "parent_rep")]
    panel.append((personas["expert_x"], "expert"))
    decided = appeal_services.appeal_accept_review(actor=officer_x, appeal=lodge(cases[2]))
    for appeal in (reviewing, decided):
        appeal_services.appeal_form_panel(actor=officer_x, appeal=appeal, members=panel)
    appeal_services.appeal_decide(
        actor=officer_x, appeal=decided, is_bullying=True, severity="serious", opinion="维持。"
    )
    pending = reporting.report_submit(actor=personas["chair_a"], case=cases[3], kind="initial")
    signed = reporting.report_submit(actor=personas["chair_a"], case=cases[4], kind="initial")
    reporting.report_acknowledge(actor=officer_x, report=signed)

    officer = journey("officer")
    officer.login("officer_x", PASSWORD)
    step = "#actions form[action$='/step/{}/']".format
    problems = [
        *audit(officer, "/", shot="workbench"),
        *audit(officer, "/cases/appeals/", forms=["form[role=search]"], shot="appeals"),
        *audit(officer, f"/cases/{cases[3].pk}/appeal/", forms=["main form"]),
        *audit(
            officer,
            f"/cases/appeals/{received.pk}/",
            forms=[step("accept_review"), step("uphold"), step("refer_legal")],
            shot="appeal-received",
        ),
        *audit(officer, f"/cases/appeals/{reviewing.pk}/", forms=[step("panel"), step("decide")], shot="appeal-panel"),
        *audit(officer, f"/cases/appeals/{decided.pk}/", forms=[step("file")], shot="appeal-file"),
        *audit(officer, f"/reporting/reports/{pending.pk}/", forms=["form[action$='/acknowledge/']"], shot="ack"),
        *audit(officer, f"/reporting/reports/{signed.pk}/", forms=["form[action$='/forward/']"], shot="forward"),
        *audit(
            officer, "/reporting/statistics/", forms=["form[role=search]", "main form[method=post]"], shot="statistics"
        ),
        *audit(officer, "/reporting/", forms=["form[role=search]"]),
        *audit(officer, "/cases/", forms=["form[role=search]"]),
    ]
    # The city: a case page with the request to see the names, and the queue of requests.
    case_services.unmask_request(actor=personas["province"], case=cases[4], purpose="核查舆情反映的当事学生身份信息。")
    city = journey("city")
    city.login("city_a", PASSWORD)
    problems += [
        *audit(city, f"/cases/{cases[3].pk}/", forms=["form[action$='/unmask/']"], shot="city-case"),
        *audit(city, "/cases/unmask-requests/", forms=["main form[method=post]"], shot="unmask-queue"),
        *audit(city, "/notifications/escalations/"),
    ]
    assert problems == [], report(problems)
    assert Case.objects.filter(status=Status.DETERMINED).count() == 5


# ---------------------------------------------------------------------------------------
# Supervision (督导检查)


def test_the_inspection_forms_are_accessible(journey, personas, tree):
    from inspections import services as inspections
    from inspections.models import InspectionItem, Result

    inspector_a = personas["inspector_a"]
    draft = inspections.inspection_create(actor=inspector_a, target=tree["A"], kind="supervision")
    done = inspections.inspection_create(actor=inspector_a, target=tree["A2"], kind="supervision")
    for number in InspectionItem.objects.filter(inspection=done).values_list("item__number", flat=True):
        result = Result.NOT_MET if number == 30 else Result.MET
        inspections.inspection_set_result(
            actor=inspector_a, inspection=done, number=number, result=result, finding="超期。" if number == 30 else ""
        )
    inspections.inspection_update(actor=inspector_a, inspection=done, summary="部分处置时限执行不严。")
    inspections.inspection_submit(actor=inspector_a, inspection=done)
    rect = inspections.rectification_raise(
        actor=inspector_a, inspection=done, number=30, requirement="严格执行10日时限。", days=10
    )
    campaign = inspections.campaign_create_standard(
        actor=inspector_a, organiser=tree["CA"], year=timezone.localdate().year
    )

    inspector = journey("inspector")
    inspector.login("inspector_a", PASSWORD)
    problems = [
        *audit(inspector, "/inspections/policy/", forms=["form[role=search]"]),
        *audit(inspector, "/inspections/", forms=["form[role=search]"]),
        *audit(inspector, "/inspections/new/", forms=["main form"], shot="inspection-new"),
        *audit(
            inspector,
            f"/inspections/{draft.pk}/",
            forms=["#item-1 form.item-form", "#item-1 form.upload-inline", "#header form"],
            shot="inspection-draft",
        ),
        *audit(inspector, f"/inspections/{done.pk}/", forms=["#rectifications form"]),
        *audit(inspector, f"/inspections/rectifications/{rect.pk}/", forms=["#actions form"], shot="rectification"),
        *audit(inspector, "/inspections/rectifications/", forms=["form[role=search]"]),
        *audit(inspector, "/inspections/rounds/", forms=["main form[method=post]"]),
        *audit(inspector, "/inspections/campaigns/", forms=["main form[method=post]"]),
        *audit(inspector, "/inspections/accountability/", forms=["main form[method=post]"]),
        *audit(inspector, "/inspections/league/", forms=["form[role=search]"]),
    ]
    school = journey("school")
    school.login("chair_a2", PASSWORD)  # the inspected school
    problems += [
        *audit(school, f"/inspections/rectifications/{rect.pk}/", forms=["#evidence form"], shot="rect-school"),
        *audit(school, f"/inspections/campaigns/{campaign.pk}/", forms=["#tasks form"], shot="campaign-school"),
    ]
    assert problems == [], report(problems)


# ---------------------------------------------------------------------------------------
# Administration


def test_the_administration_forms_are_accessible(journey, personas, tree):
    user_add(username="admin_x", org_code="330106", role=Role.SYSADMIN, password=PASSWORD, name="区管理员")
    admin = journey("admin")
    admin.login("sysadmin", PASSWORD)
    problems = [
        *audit(admin, "/calendar/", shot="calendar"),
        *audit(admin, "/calendar/days/edit/", forms=["main form"]),
        *audit(admin, "/calendar/bulk/", forms=["main form"]),
        *audit(admin, "/accounts/org-units/", forms=["form[role=search]"]),
        *audit(admin, "/accounts/users/"),
        *audit(admin, "/notifications/"),
    ]
    auditor = journey("auditor")
    auditor.login("auditor", PASSWORD)
    problems += audit(auditor, "/accounts/audit/", forms=["main form"], shot="audit")
    assert problems == [], report(problems)


# ---------------------------------------------------------------------------------------
# The checks themselves


BROKEN_PAGE = """<!DOCTYPE html><html lang="zh-CN"><body style="background:#fff">
<main><h1>自检页面</h1>
<form id="f">
  <label for="named">有标签</label><input id="named" type="text">
  <label>包住的标签 <input id="wrapped" type="text"></label>
  <input id="aria" type="text" aria-label="说明">
  <span id="lab">外部标签</span><select id="labelled" aria-labelledby="lab"><option>一</option></select>
  <input id="bare" type="text" placeholder="占位符不算名称">
  <textarea id="bare-area"></textarea>
  <input id="skipped" type="text" tabindex="-1" aria-label="键盘到不了">
  <p class="pale" style="color:#999">浅灰色文字</p>
  <p style="background:#fff2dc"><span id="warn" style="color:#a86400">旧的警示色</span></p>
  <p style="color:#5b6675">合格的说明文字</p>
  <button type="submit">提交</button>
</form></main></body></html>"""


def test_the_checks_find_known_defects(browser):
    """The auditor is not vacuous: on a page with known defects it names each one, and
    only those."""
    context = browser.new_context(locale="zh-CN")
    try:
        page = context.new_page()
        page.set_content(BROKEN_PAGE)
        _install(page)
        assert page.evaluate("() => __a11y.unnamed()") == ["input#bare", "textarea#bare-area"]
        contrast = page.evaluate("(min) => __a11y.lowContrast(min)", MINIMUM_CONTRAST)
        assert len(contrast) == 2, contrast
        assert contrast[0].startswith("form#f > p.pale:nth-of-type(1) “浅灰色文字” 2.85:1 (#999999 on #ffffff)")
        assert contrast[1].startswith("span#warn “旧的警示色” 4.23:1 (#a86400 on #fff2dc)")
        assert tab_through(page, ["#f"]) == ["input#skipped (in #f)"]
    finally:
        context.close()
