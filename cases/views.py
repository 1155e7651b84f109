"""Case screens: the list, intake, the case page with every step, PDFs and attachments.

A refused step re-renders the case page with the entered values and the reason (400),
so a teacher never loses what they typed.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import COMMITTEE_ROLES, Membership
from accounts.selectors import has_role
from bullying.access import get_in_scope_or_404
from bullying.audit.services import audit_denied
from bullying.errors import ApplicationError
from bullying.steps import form_error, run_action, run_step
from cases import forms as f
from cases import pdf, selectors, services
from cases.filters import CaseFilter
from cases.models import CASE_TRANSITIONS, Attachment, Measure, Party, UnmaskGrant, UnmaskStatus
from cases.privacy import PrivacyScope, privacy_for


def _case_or_404(request, pk: int):
    return get_in_scope_or_404(request, selectors.case_detail_queryset(request.user), pk)


@login_required
def case_list(request):
    qs = selectors.case_list(request.user)
    filterset = CaseFilter(request.GET or None, queryset=qs)
    cases = filterset.qs.order_by("-reported_on", "-id")
    page = Paginator(cases, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "cases/case_list.html",
        {"filter": filterset, "page": page, "can_report": bool(selectors.schools_for_reporting(request.user))},
    )


@login_required
def case_new(request):
    schools = selectors.schools_for_reporting(request.user)
    if not schools:
        raise PermissionDenied
    form = f.IntakeForm(request.POST or None, schools=schools)
    parties = f.PartyFormSet(request.POST or None, prefix="party")
    if request.method == "POST" and form.is_valid() and parties.is_valid():
        school = next(s for s in schools if str(s.pk) == form.cleaned_data["school"])
        party_rows = [p for p in parties.cleaned_data if p.get("name")]
        try:
            case = services.case_open(
                actor=request.user,
                school=school,
                occurred_at=form.cleaned_data["occurred_at"],
                location=form.cleaned_data["location"],
                source=form.cleaned_data["source"],
                forms=form.cleaned_data["forms"],
                summary=form.cleaned_data["summary"],
                parties=party_rows,
                on=form.cleaned_data["on"],
            )
        except ApplicationError as exc:
            form_error(form, exc)
        else:
            messages.success(request, f"事件已登记，编号 {case.number}。")
            return redirect("cases:detail", pk=case.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "cases/case_new.html", {"form": form, "parties": parties}, status=status)


def _party_choices(case, role=None, privacy=None):
    privacy = privacy or privacy_for(case._viewer, case)
    return [
        (p.pk, f"{p.get_role_display()}：{privacy.name(p)}")
        for p in case.parties.all()
        if role is None or p.role == role
    ]


def _committee(case):
    members = Membership.objects.filter(org_unit=case.school, role__in=COMMITTEE_ROLES).select_related("user")
    return list({m.user.pk: m.user for m in members}.values())


def _visible_forms(case) -> set[str]:
    """Which step forms the case page offers in the case's current state (the table)."""
    if case.is_closed:
        return set()
    return CASE_TRANSITIONS.visible_forms(case)


def _page_context(request, case, **bound):
    case._viewer = request.user
    privacy = privacy_for(request.user, case)
    handler = selectors.can_handle(request.user, case)
    parties = _party_choices(case, privacy=privacy)
    forms = {}
    if handler and not case.is_closed:
        forms = {
            "start_form": f.OnForm(prefix="start"),
            "determine_form": f.DetermineForm(prefix="det", members=_committee(case)),
            "measure_form": f.MeasureForm(prefix="measure", parties=parties),
            "notice_form": f.ParentNoticeForm(prefix="notice", parties=parties),
            "follow_up_start_form": f.OnForm(prefix="fus"),
            "follow_up_form": f.FollowUpForm(prefix="fu", parties=parties),
            "close_form": f.CloseForm(prefix="close"),
            "attachment_form": f.AttachmentForm(prefix="att"),
        }
    elif selectors.can_report_at(request.user, case.school) and not case.is_closed:
        forms = {"attachment_form": f.AttachmentForm(prefix="att")}
    forms.update(bound)
    show_names = privacy.show_names
    determination = services.current_determination(case)
    return {
        # Display copies through the presenter: staff-written text may name a child.
        "case": privacy.wrap(case),
        "show_names": show_names,
        "parties": [(party, party.name) for party in privacy.wrap_all(case.parties.all())],
        "determination": privacy.wrap(determination),
        "measures": privacy.wrap_all(case.measures.select_related("party")),
        "notices": privacy.wrap_all(case.parent_notices.select_related("party")),
        "follow_ups": privacy.wrap_all(case.follow_ups.select_related("party")),
        "timeline": privacy.wrap_all(case.timeline.select_related("actor").all()),
        "attachments": privacy.wrap_all(case.attachments.all()),
        "can_handle": handler,
        "unmask_grant": selectors.active_unmask_grant(request.user, case),
        "can_request_unmask": not show_names and selectors.can_request_unmask(request.user, case),
        "unmask_pending": UnmaskGrant.objects.filter(
            case=case, requester=request.user, status=UnmaskStatus.PENDING
        ).exists(),
        "visible_forms": _visible_forms(case) if handler else set(),
        "is_chair": selectors.is_chair(request.user, case),
        "progress_form": f.ProgressForm(prefix="prog"),
        **forms,
    }


@login_required
def case_detail(request, pk: int):
    case = _case_or_404(request, pk)
    services.case_record_read(actor=request.user, case=case, via="web")
    return render(request, "cases/case_detail.html", _page_context(request, case))


def _party(case, value):
    if not value:
        return None
    party = Party.objects.filter(case=case, pk=value).first()
    if party is None:
        raise ApplicationError("所选当事人不属于本案。", field="party")
    return party


# Each step of ``CASE_TRANSITIONS`` posted from the case page: (form factory, service
# call, success message). The form's context key comes from the table.
def _steps(case):
    parties = _party_choices(case)
    return {
        "start": (
            lambda data: f.OnForm(data, prefix="start"),
            lambda user, d: services.case_start_investigation(actor=user, case=case, on=d["on"]),
            "已启动调查，10 日期限开始计算。",
        ),
        "determine": (
            lambda data: f.DetermineForm(data, prefix="det", members=_committee(case)),
            lambda user, d: services.case_determine(
                actor=user,
                case=case,
                is_bullying=d["is_bullying"],
                severity=d["severity"],
                reasoning=d["reasoning"],
                meeting_on=d["meeting_on"],
                members_present=[u for u in _committee(case) if str(u.pk) in d["members_present"]],
                members_present_note=d["members_present_note"],
                on=d["on"],
            ),
            "认定结论已记录。",
        ),
        "measure": (
            lambda data: f.MeasureForm(data, prefix="measure", parties=parties),
            lambda user, d: services.case_add_measure(
                actor=user,
                case=case,
                kind=d["kind"],
                party=_party(case, d["party"]),
                description=d["description"],
                responsible=d["responsible"],
                due_on=d["due_on"],
                planned_hours=d["planned_hours"],
                approved_on=d["approved_on"],
                approval_authority=d["approval_authority"],
                on=d["on"],
            ),
            "处置措施已添加。",
        ),
        "notice": (
            lambda data: f.ParentNoticeForm(data, prefix="notice", parties=parties),
            lambda user, d: services.case_notify_parents(
                actor=user,
                case=case,
                direction=d["direction"],
                method=d["method"],
                guardian=d["guardian"],
                party=_party(case, d["party"]),
                content=d["content"],
                on=d["on"],
            ),
            "家长告知记录已保存。",
        ),
        "start_follow_up": (
            lambda data: f.OnForm(data, prefix="fus"),
            lambda user, d: services.case_start_follow_up(actor=user, case=case, on=d["on"]),
            "已转入跟踪观察。",
        ),
        "follow_up": (
            lambda data: f.FollowUpForm(data, prefix="fu", parties=parties),
            lambda user, d: services.case_add_follow_up(
                actor=user, case=case, note=d["note"], party=_party(case, d["party"]), on=d["on"]
            ),
            "跟踪观察记录已保存。",
        ),
        "close": (
            lambda data: f.CloseForm(data, prefix="close"),
            lambda user, d: services.case_close(actor=user, case=case, summary=d["summary"], on=d["on"]),
            "案件已结案归档。",
        ),
    }


@login_required
@require_POST
def case_step(request, pk: int, step: str):
    case = _case_or_404(request, pk)
    case._viewer = request.user
    steps = _steps(case)
    if step == "sign_off":
        run_action(
            request,
            service=lambda: services.case_sign_off(actor=request.user, case=case),
            success_message="认定结论已签发。",
        )
        return redirect("cases:detail", pk=case.pk)
    if step not in steps:
        raise Http404
    key = CASE_TRANSITIONS[step].context_key
    make_form, call, done = steps[step]

    def render_error(form):
        context = _page_context(request, _case_or_404(request, pk), **{key: form})
        context["open_form"] = key
        # The case may have moved on (someone else acted first): still show what was typed.
        if key not in context["visible_forms"]:
            context["refused_form"] = form
        return render(request, "cases/case_detail.html", context, status=400)

    return run_step(
        request,
        form=make_form(request.POST),
        service=lambda d: call(request.user, d),
        success_message=done,
        success_url=reverse("cases:detail", args=[case.pk]),
        render_error=render_error,
    )


@login_required
@require_POST
def measure_progress(request, pk: int, measure_id: int):
    case = _case_or_404(request, pk)
    measure = get_in_scope_or_404(request, Measure.objects.filter(case=case), measure_id)
    form = f.ProgressForm(request.POST, prefix="prog")
    if form.is_valid():
        run_action(
            request,
            service=lambda: services.measure_record_progress(
                actor=request.user,
                measure=measure,
                completed_hours=form.cleaned_data["completed_hours"],
                completed_on=form.cleaned_data["completed_on"],
            ),
            success_message="进度已更新。",
        )
    else:
        messages.error(request, "未保存：" + " ".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("cases:detail", args=[case.pk]) + "#measures")


@login_required
@require_POST
def attachment_upload(request, pk: int):
    case = _case_or_404(request, pk)
    form = f.AttachmentForm(request.POST, request.FILES, prefix="att")
    if form.is_valid():
        run_action(
            request,
            service=lambda: services.attachment_add(
                actor=request.user,
                case=case,
                uploaded_file=form.cleaned_data["file"],
                description=form.cleaned_data["description"],
            ),
            success_message="附件已上传。",
        )
    else:
        messages.error(request, "请选择要上传的文件。")
    return redirect(reverse("cases:detail", args=[case.pk]) + "#attachments")


@login_required
def attachment_download(request, pk: int, attachment_id: int):
    case = _case_or_404(request, pk)
    attachment = get_in_scope_or_404(request, Attachment.objects.filter(case=case), attachment_id)
    services.case_record_read(actor=request.user, case=case, via=f"attachment:{attachment.pk}")
    return FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=f"{case.number}-附件{attachment.pk}",
        content_type=attachment.content_type,
    )


@login_required
def case_pdf(request, pk: int):
    case = _case_or_404(request, pk)
    services.case_record_read(actor=request.user, case=case, via="pdf")
    response = HttpResponse(pdf.case_file_pdf(case=case, viewer=request.user), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="case-{case.pk}.pdf"'
    return response


@login_required
def notice_pdf(request, pk: int):
    case = _case_or_404(request, pk)
    if not selectors.can_handle(request.user, case):
        raise PermissionDenied
    try:
        content = pdf.determination_notice_pdf(case=case, viewer=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("cases:detail", pk=case.pk)
    services.case_record_read(actor=request.user, case=case, via="notice_pdf")
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{case.pk}.pdf"'
    return response


@login_required
@require_POST
def unmask_request(request, pk: int):
    case = _case_or_404(request, pk)
    try:
        services.unmask_request(actor=request.user, case=case, purpose=request.POST.get("purpose", ""))
    except ApplicationError as exc:
        messages.error(request, f"未提交：{exc.message}")
    else:
        messages.success(request, "申请已提交，待另一名工作人员审批。")
    return redirect(reverse("cases:detail", args=[case.pk]) + "#parties")


@login_required
def unmask_queue(request):
    if not has_role(request.user, selectors.UNMASK_ROLES):
        audit_denied(actor=request.user, object_type="path", object_id=request.path)
        raise Http404
    # The stated purpose and the decision note are free text about a case: through the
    # presenter, like every other text that may name a child.
    privacy = PrivacyScope(request.user)
    pending = selectors.unmask_requests_to_decide(request.user).prefetch_related("case__parties")
    mine = (
        UnmaskGrant.objects.filter(requester=request.user)
        .select_related("case", "case__school", "decided_by")
        .prefetch_related("case__parties")[:20]
    )
    return render(
        request,
        "cases/unmask_queue.html",
        {
            "pending": [privacy(g.case).wrap(g) for g in pending],
            "mine": [privacy(g.case).wrap(g) for g in mine],
        },
    )


@login_required
@require_POST
def unmask_decide(request, grant_id: int):
    grant = get_in_scope_or_404(request, selectors.unmask_requests_to_decide(request.user), grant_id)
    try:
        services.unmask_decide(
            actor=request.user,
            grant=grant,
            approve=request.POST.get("decision") == "approve",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "审批意见已保存。")
    return redirect("cases:unmask_queue")
