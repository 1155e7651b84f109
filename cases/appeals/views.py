"""The county appeal desk (申诉复查): the queue, the appeal page with the case history
beside it and the action forms, lodging from a case page, the decision PDF.

Scoping as everywhere: an appeal outside ``appeals_visible_to`` is 404; a step the
viewer may not take is 403 (the service refuses it). A refused step re-renders the page
with the entered values and the reason (400).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import User
from bullying.access import get_in_scope_or_404
from bullying.errors import ApplicationError
from bullying.steps import form_error, run_step
from cases import selectors, services
from cases.appeals import forms as f
from cases.appeals import pdf as appeal_pdf
from cases.appeals import selectors as appeal_selectors
from cases.appeals import services as appeal_services
from cases.appeals.api.views import record_read
from cases.appeals.filters import AppealFilter
from cases.appeals.models import APPEAL_TRANSITIONS, AppealAttachment, PanelKind
from cases.privacy import PrivacyScope


def _appeal_or_404(request, pk: int):
    return get_in_scope_or_404(request, appeal_selectors.appeal_detail_queryset(request.user), pk)


@login_required
def appeal_list(request):
    qs = appeal_selectors.appeal_list(request.user)
    filterset = AppealFilter(request.GET or None, queryset=qs)
    page = Paginator(filterset.qs, 30).get_page(request.GET.get("page"))
    privacy = PrivacyScope(request.user, with_grant=False)
    rows = []
    for appeal in page:
        shown = privacy(appeal.case)
        rows.append((appeal, shown.appellant_name(appeal), shown.field(appeal, "appellant_relation")))
    return render(request, "appeals/appeal_list.html", {"filter": filterset, "page": page, "rows": rows})


def _candidates(appeal):
    """(id, label) of the users the county may put on the panel, those who took part in
    the school's determination left out (they must stand aside)."""
    excluded = appeal_selectors.determination_participant_ids(appeal)
    users = appeal_selectors.panel_candidates(appeal).prefetch_related("memberships__org_unit")
    result = []
    for user in users:
        if user.pk in excluded:
            continue
        where = "、".join(
            sorted(
                {
                    f"{m.org_unit.name}{m.get_role_display()}"
                    for m in user.memberships.all()
                    if m.org_unit.is_within(appeal.county)
                }
            )
        )
        result.append((str(user.pk), f"{user.display_name}（{where}）"))
    return result


def _panel_initial(appeal):
    return [{"user": str(m.user_id), "kind": m.kind} for m in appeal.panel.all()]


def _forms(appeal, **bound):
    """The action forms for the appeal's current state (only for its county office)."""
    factories = {
        "accept_form": lambda: f.AcceptReviewForm(prefix="acc"),
        "uphold_form": lambda: f.UpholdForm(prefix="uph"),
        "refer_form": lambda: f.ReferLegalForm(prefix="ref"),
        "panel_formset": lambda: f.PanelFormSet(
            prefix="panel", initial=_panel_initial(appeal), form_kwargs={"candidates": _candidates(appeal)}
        ),
        "decide_form": lambda: f.DecideForm(prefix="dec", members=list(appeal.panel.select_related("user"))),
        "file_form": lambda: f.FileForm(prefix="file"),
    }
    visible = APPEAL_TRANSITIONS.visible_forms(appeal)
    forms = {key: make() for key, make in factories.items() if key in visible}
    if "panel_formset" in forms:
        forms["panel_date_form"] = f.PanelDateForm(prefix="pd")
    forms.update(bound)
    return forms


def _page_context(request, appeal, **bound):
    user = request.user
    case = appeal.case
    privacy = appeal_selectors.appeal_privacy(user, appeal)
    manager = appeal_selectors.can_manage(user, appeal)
    can_open_case = selectors.cases_visible_to(user).filter(pk=case.pk).exists()
    context = {
        # Display copies through the presenter: staff-written text may name a child.
        "appeal": privacy.wrap(appeal),
        "case": privacy.wrap(case),
        "show_names": privacy.show_names,
        "appellant_name": privacy.appellant_name(appeal),
        "appellant_relation": privacy.field(appeal, "appellant_relation"),
        "grounds": privacy.field(appeal, "grounds"),
        "opinion": privacy.field(appeal, "decision_opinion"),
        "agreement_note": privacy.field(appeal, "agreement_note"),
        "parties": [(party, party.name) for party in privacy.wrap_all(case.parties.all())],
        "school_determination": privacy.wrap(appeal.determination),
        "case_summary": privacy.field(case, "summary"),
        "case_location": privacy.field(case, "location"),
        "determination_reasoning": privacy.field(appeal.determination, "reasoning"),
        "timeline": [(e, e.text) for e in privacy.wrap_all(case.timeline.select_related("actor").all())],
        "panel": list(appeal.panel.select_related("user").all()),
        "attachments": privacy.wrap_all(appeal.attachments.all()),
        "can_manage": manager,
        "is_panel_member": appeal_selectors.is_panel_member(user, appeal),
        "can_open_case": can_open_case,
        "other_appeals": list(case.appeals.exclude(pk=appeal.pk).order_by("received_on", "id")),
        "panel_kinds": PanelKind.choices,
    }
    if manager:
        context.update(_forms(appeal, **bound))
    return context


@login_required
def appeal_detail(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    record_read(actor=request.user, appeal=appeal, via="web")
    return render(request, "appeals/appeal_detail.html", _page_context(request, appeal))


def _steps(appeal):
    """Each step of ``APPEAL_TRANSITIONS`` posted from the page: (form factory, service
    call, success message). The form's context key comes from the table."""

    def panel_members(formset):
        rows = [r for r in formset.cleaned_data if r.get("user")]
        users = User.objects.in_bulk([int(r["user"]) for r in rows])
        return [(users[int(r["user"])], r["kind"]) for r in rows if int(r["user"]) in users]

    members = list(appeal.panel.select_related("user"))
    return {
        "accept_review": (
            lambda data: f.AcceptReviewForm(data, prefix="acc"),
            lambda user, d: appeal_services.appeal_accept_review(
                actor=user, appeal=appeal, reasons=d["reasons"], on=d["on"]
            ),
            "已受理申诉并启动复查，15 日复查期限开始计算。",
        ),
        "uphold": (
            lambda data: f.UpholdForm(data, prefix="uph"),
            lambda user, d: appeal_services.appeal_uphold(actor=user, appeal=appeal, reasons=d["reasons"], on=d["on"]),
            "已决定维持学校的处理结果。",
        ),
        "refer_legal": (
            lambda data: f.ReferLegalForm(data, prefix="ref"),
            lambda user, d: appeal_services.appeal_refer_legal(
                actor=user,
                appeal=appeal,
                reasons=d["reasons"],
                legal_route=d["legal_route"],
                legal_route_note=d["legal_route_note"],
                on=d["on"],
            ),
            "已作出不予受理决定并记录告知的法律途径。",
        ),
        "decide": (
            lambda data: f.DecideForm(data, prefix="dec", members=members),
            lambda user, d: appeal_services.appeal_decide(
                actor=user,
                appeal=appeal,
                is_bullying=d["is_bullying"],
                severity=d["severity"],
                opinion=d["opinion"],
                agreed_by=[m.user for m in members if str(m.user_id) in d["agreed_by"]],
                agreement_note=d["agreement_note"],
                on=d["on"],
            ),
            "复查决定已记录，可下载复查决定书送达学校、家长和学生。",
        ),
        "file": (
            lambda data: f.FileForm(data, prefix="file"),
            lambda user, d: appeal_services.appeal_file(actor=user, appeal=appeal, note=d["note"], on=d["on"]),
            "已报上级备案，复查调查小组的查阅权限已终止。",
        ),
        "_panel_members": panel_members,
    }


@login_required
@require_POST
def appeal_step(request, pk: int, step: str):
    appeal = _appeal_or_404(request, pk)
    if not appeal_selectors.can_manage(request.user, appeal):
        raise PermissionDenied
    steps = _steps(appeal)
    if step == "panel":
        return _panel_step(request, appeal, steps["_panel_members"])
    if step not in steps or step.startswith("_"):
        raise Http404
    key = APPEAL_TRANSITIONS[step].context_key
    make_form, call, done = steps[step]

    def render_error(form):
        context = _page_context(request, _appeal_or_404(request, pk), **{key: form})
        context["open_form"] = key
        return render(request, "appeals/appeal_detail.html", context, status=400)

    return run_step(
        request,
        form=make_form(request.POST),
        service=lambda d: call(request.user, d),
        success_message=done,
        success_url=reverse("appeals:detail", args=[appeal.pk]),
        render_error=render_error,
    )


def _panel_step(request, appeal, panel_members):
    formset = f.PanelFormSet(request.POST, prefix="panel", form_kwargs={"candidates": _candidates(appeal)})
    date_form = f.PanelDateForm(request.POST, prefix="pd")
    panel_error = None
    if formset.is_valid() and date_form.is_valid():
        try:
            appeal_services.appeal_form_panel(
                actor=request.user, appeal=appeal, members=panel_members(formset), on=date_form.cleaned_data["on"]
            )
        except ApplicationError as exc:
            if exc.field == "on":
                date_form.add_error("on", exc.message)
            else:
                panel_error = exc.message
        else:
            messages.success(request, "复查调查小组已组成，成员可查阅本申诉及事件材料。")
            return redirect("appeals:detail", pk=appeal.pk)
    messages.error(request, "未保存：请按提示修改后重新提交。")
    appeal = _appeal_or_404(request, appeal.pk)
    context = _page_context(request, appeal, panel_formset=formset, panel_date_form=date_form)
    context["panel_error"] = panel_error
    context["open_form"] = "panel_formset"
    return render(request, "appeals/appeal_detail.html", context, status=400)


@login_required
def appeal_new(request, pk: int):
    """Lodge an appeal from a case page (county office, or the school forwarding it)."""
    case = get_in_scope_or_404(request, selectors.case_detail_queryset(request.user), pk)
    if not appeal_selectors.can_lodge(request.user, case):
        raise PermissionDenied
    form = f.LodgeForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            appeal = appeal_services.appeal_lodge(
                actor=request.user,
                case=case,
                appellant_name=form.cleaned_data["appellant_name"],
                appellant_relation=form.cleaned_data["appellant_relation"],
                grounds=form.cleaned_data["grounds"],
                received_on=form.cleaned_data["received_on"],
                attachments=form.cleaned_data["attachments"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            if appeal.forwarded_by_id:
                messages.success(request, f"申诉已登记并转交{appeal.county.name}，编号 {appeal.number}。")
            else:
                messages.success(request, f"申诉已登记，编号 {appeal.number}。")
            return redirect("appeals:detail", pk=appeal.pk)
    status = 400 if request.method == "POST" else 200
    determination = services.current_determination(case)
    return render(
        request,
        "appeals/appeal_new.html",
        {"case": case, "form": form, "determination": determination},
        status=status,
    )


@login_required
def appeal_notice_pdf(request, pk: int):
    appeal = _appeal_or_404(request, pk)
    try:
        content = appeal_pdf.review_decision_pdf(appeal=appeal, viewer=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("appeals:detail", pk=appeal.pk)
    record_read(actor=request.user, appeal=appeal, via="notice_pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="review-decision-{appeal.pk}.pdf"'
    return response


@login_required
def appeal_attachment(request, pk: int, attachment_id: int):
    appeal = _appeal_or_404(request, pk)
    attachment = get_in_scope_or_404(request, AppealAttachment.objects.filter(appeal=appeal), attachment_id)
    record_read(actor=request.user, appeal=appeal, via=f"attachment:{attachment.pk}")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{appeal.number}-材料{attachment.pk}",
        content_type=attachment.content_type,
    )
