"""Campaigns, rounds and publication, accountability, the league table and the export."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.models import Level, OrgUnit
from accounts.selectors import holds
from bullying.access import get_in_scope_or_404
from bullying.audit.services import audit_record
from bullying.errors import ApplicationError
from bullying.steps import form_error
from inspections import forms as f
from inspections import reports, selectors, services
from inspections.models import (
    InspectionKind,
    InspectionStatus,
    TaskSubmission,
)
from inspections.views._common import file_response, refused

# ---------------------------------------------------------------------------
# Campaigns


@login_required
def campaign_list(request):
    campaigns = selectors.campaigns_visible_to(request.user).prefetch_related("phases")
    offices = selectors.scope_roots(request.user, roles=selectors.OVERSIGHT_ROLES)
    form = f.CampaignNewForm(request.POST or None, prefix="c") if offices else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            try:
                campaign = services.campaign_create_standard(
                    actor=request.user,
                    organiser=offices[0],
                    year=form.cleaned_data["year"],
                    name=form.cleaned_data["name"],
                )
            except (ApplicationError, PermissionDenied) as exc:
                refused(request, exc)
            else:
                messages.success(request, "专项治理行动已创建。")
                return redirect("inspections:campaign", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "inspections/campaign_list.html",
        {"campaigns": campaigns, "form": form, "organiser": offices[0] if offices else None},
        status=status,
    )


@login_required
def campaign_detail(request, pk: int):
    campaign = get_in_scope_or_404(request, selectors.campaigns_visible_to(request.user), pk)
    in_view = selectors.units_in_view(request.user)
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = in_view.filter(pk=int(request.GET["unit"])).first()
        if unit is None:
            raise Http404
    if unit is None:
        roots = selectors.scope_roots(request.user, roles=selectors.INSPECTION_READER_ROLES)
        unit = roots[0] if roots else None
    completeness = reports.campaign_completeness(campaign, unit=unit) if unit else None
    own_units = [u for u in selectors.units_acted_for(request.user) if u.is_within(campaign.organiser)]
    submit_forms = []
    if completeness:
        for task in completeness.tasks:
            units = [u for u in own_units if u.level in task.levels]
            done = TaskSubmission.objects.filter(task=task, org_unit__in=units).values_list("org_unit_id", flat=True)
            units = [u for u in units if u.pk not in set(done)]
            if units:
                submit_forms.append((task, f.TaskSubmitForm(units=units, prefix=f"t{task.pk}")))
    return render(
        request,
        "inspections/campaign_detail.html",
        {
            "campaign": campaign,
            "phases": campaign.phases.prefetch_related("tasks").all(),
            "c": completeness,
            "unit": unit,
            "submit_forms": submit_forms,
            "breadcrumb_units": OrgUnit.objects.filter(pk__in=unit.ancestor_ids()).order_by("path") if unit else [],
            "in_view_ids": set(in_view.values_list("pk", flat=True)) if unit else set(),
        },
    )


@login_required
@require_POST
def task_submit(request, pk: int, task_id: int):
    campaign = get_in_scope_or_404(request, selectors.campaigns_visible_to(request.user), pk)
    task = get_in_scope_or_404(request, campaign.tasks.all(), task_id)
    units = [u for u in selectors.units_acted_for(request.user) if u.level in task.levels]
    form = f.TaskSubmitForm(request.POST, request.FILES, units=units, prefix=f"t{task.pk}")
    if form.is_valid():
        unit = next(u for u in units if str(u.pk) == form.cleaned_data["unit"])
        try:
            submission = services.task_submit(
                actor=request.user,
                task=task,
                unit=unit,
                note=form.cleaned_data["note"],
                on=form.cleaned_data["on"],
                uploaded_file=form.cleaned_data["file"],
            )
        except (ApplicationError, PermissionDenied) as exc:
            refused(request, exc)
        else:
            messages.success(request, f"“{task.title}”已报送{'（逾期报送）' if submission.is_late else ''}。")
    else:
        messages.error(request, "未报送：" + "；".join(e for errs in form.errors.values() for e in errs))
    return redirect(reverse("inspections:campaign", args=[campaign.pk]) + "#tasks")


@login_required
def submission_file(request, pk: int, submission_id: int):
    campaign = get_in_scope_or_404(request, selectors.campaigns_visible_to(request.user), pk)
    submission = get_in_scope_or_404(
        request,
        TaskSubmission.objects.filter(task__campaign=campaign, org_unit__in=selectors.units_in_view(request.user)),
        submission_id,
    )
    if not submission.file:
        raise Http404
    return file_response(submission, f"报送材料{submission.pk}")


# ---------------------------------------------------------------------------
# Rounds, publication, accountability


@login_required
def round_list(request):
    rounds = selectors.rounds_visible_to(request.user).annotate(
        submitted=Count("inspections", filter=Q(inspections__status=InspectionStatus.SUBMITTED)),
        drafts=Count("inspections", filter=Q(inspections__status=InspectionStatus.DRAFT)),
    )
    offices = selectors.scope_roots(request.user, roles=selectors.OVERSIGHT_ROLES)
    form = None
    if offices:
        form = f.RoundNewForm(
            request.POST or None,
            offices=offices,
            campaigns=list(selectors.campaigns_visible_to(request.user)),
            prefix="r",
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            d = form.cleaned_data
            office = next(u for u in offices if str(u.pk) == d["office"])
            campaign = selectors.campaigns_visible_to(request.user).filter(pk=d["campaign"] or 0).first()
            try:
                rnd = services.round_create(
                    actor=request.user,
                    office=office,
                    title=d["title"],
                    semester=d["semester"],
                    starts_on=d["starts_on"],
                    ends_on=d["ends_on"],
                    campaign=campaign,
                )
            except (ApplicationError, PermissionDenied) as exc:
                form_error(form, exc)
            else:
                messages.success(request, "督导批次已创建。")
                return redirect("inspections:round", pk=rnd.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "inspections/round_list.html", {"rounds": rounds, "form": form}, status=status)


@login_required
def round_detail(request, pk: int):
    rnd = get_in_scope_or_404(request, selectors.rounds_visible_to(request.user), pk)
    inspections = list(selectors.inspection_list(request.user).filter(round=rnd).order_by("target__path"))
    ids = [i.pk for i in inspections]
    return render(
        request,
        "inspections/round_detail.html",
        {
            "round": rnd,
            "inspections": inspections,
            "counts": reports.result_counts(ids),
            "rects": reports.rectification_counts(ids),
            "can_publish": not rnd.is_published and holds(request.user, selectors.OVERSIGHT_ROLES, {rnd.office_id}),
            "tables": reports.league_tables([i for i in inspections if i.status == InspectionStatus.SUBMITTED]),
        },
    )


@login_required
@require_POST
def round_publish(request, pk: int):
    rnd = get_in_scope_or_404(request, selectors.rounds_visible_to(request.user), pk)
    try:
        services.round_publish(actor=request.user, round=rnd)
    except (ApplicationError, PermissionDenied) as exc:
        refused(request, exc)
    else:
        messages.success(request, "督导结果已向社会公布。")
    return redirect("inspections:round", pk=rnd.pk)


@login_required
def accountability_list(request):
    from cases.selectors import cases_visible_to

    user = request.user
    rows = selectors.accountability_visible_to(user)
    kind = request.GET.get("kind")
    if kind:
        rows = rows.filter(kind=kind)
    units = [u for u in selectors.units_in_view(user).order_by("path") if selectors.can_hold_to_account(user, u)]
    inspections = list(
        selectors.inspection_list(user).filter(status=InspectionStatus.SUBMITTED).order_by("-inspected_on")[:200]
    )
    form = None
    if units:
        initial = {}
        if request.GET.get("inspection", "").isdigit():
            chosen = next((i for i in inspections if i.pk == int(request.GET["inspection"])), None)
            if chosen:
                initial = {"inspection": chosen.pk, "unit": chosen.target_id}
        form = f.AccountabilityForm(request.POST or None, units=units, inspections=inspections, initial=initial)
    status = 200
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        status = 400
        if form.is_valid():
            d = form.cleaned_data
            unit = next(u for u in units if str(u.pk) == d["unit"])
            inspection = next((i for i in inspections if str(i.pk) == d["inspection"]), None)
            case = None
            if d["case"]:
                case = cases_visible_to(user).select_related("school").filter(number=d["case"].strip()).first()
                if case is None:
                    form.add_error("case", "未找到该编号的欺凌事件。")
            if not form.errors:
                try:
                    services.accountability_record(
                        actor=user,
                        unit=unit,
                        kind=d["kind"],
                        reason=d["reason"],
                        decided_on=d["decided_on"],
                        inspection=inspection,
                        case=case,
                    )
                except (ApplicationError, PermissionDenied) as exc:
                    form_error(form, exc)
                else:
                    messages.success(request, "问责已记录。")
                    return redirect("inspections:accountability")
    page = Paginator(rows.order_by("-decided_on", "-id"), 30).get_page(request.GET.get("page"))
    return render(request, "inspections/accountability_list.html", {"page": page, "form": form}, status=status)


# ---------------------------------------------------------------------------
# League table and export


def _results_filters(request):
    user = request.user
    kind = request.GET.get("kind") or InspectionKind.SUPERVISION
    if kind not in InspectionKind.values:
        kind = InspectionKind.SUPERVISION
    rounds = list(selectors.rounds_visible_to(user))
    campaigns = list(selectors.campaigns_visible_to(user))
    rnd = next((r for r in rounds if str(r.pk) == request.GET.get("round")), None)
    campaign = next((c for c in campaigns if str(c.pk) == request.GET.get("campaign")), None)
    return kind, rnd, campaign, rounds, campaigns


@login_required
def league(request):
    kind, rnd, campaign, rounds, campaigns = _results_filters(request)
    inspections = list(reports.submitted_inspections(request.user, kind=kind, round=rnd, campaign=campaign))
    tables = reports.league_tables(inspections)
    level = request.GET.get("level")
    if level in Level.values:
        tables = [t for t in tables if t[0] == level]
    return render(
        request,
        "inspections/league.html",
        {
            "tables": tables,
            "kind": kind,
            "round": rnd,
            "campaign": campaign,
            "rounds": rounds,
            "campaigns": campaigns,
            "kinds": InspectionKind.choices,
            "levels": [(v, label) for v, label in Level.choices if v != Level.PROVINCE],
            "level": level or "",
            "query": request.GET.urlencode(),
        },
    )


@login_required
def export_results(request):
    kind, rnd, campaign, _rounds, _campaigns = _results_filters(request)
    inspections = list(reports.submitted_inspections(request.user, kind=kind, round=rnd, campaign=campaign))
    title = rnd.title if rnd else (campaign.name if campaign else f"{InspectionKind(kind).label}结果")
    content = reports.results_workbook(inspections, title=title, generated_by=request.user.display_name)
    response = HttpResponse(content, content_type=reports.XLSX_TYPE)
    response["Content-Disposition"] = 'attachment; filename="inspection-results.xlsx"'
    audit_record(action="inspection.read", actor=request.user, object_type="export", detail={"rows": len(inspections)})
    return response
