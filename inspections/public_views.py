"""Published supervision results, open to anyone (巡查结果及时向社会公布, 山西通知三.3).

Only rounds an office has published, and in them only submitted inspections. What is
shown: the unit, the date, the score, the main findings, which items were not met and
the state of rectification. Inspections hold no child's name; findings are free text, and
the inspector's form warns against naming children (政策清单第33、44项).
"""

from django.contrib.auth.decorators import login_not_required
from django.http import Http404
from django.shortcuts import render
from django.views.decorators.cache import cache_control

from inspections import reports, selectors
from inspections.models import DEFICIENT_RESULTS, InspectionItem, InspectionStatus


@login_not_required
@cache_control(public=True, max_age=300)
def public_index(request):
    return render(request, "inspections/public/index.html", {"rounds": selectors.published_rounds()})


@login_not_required
@cache_control(public=True, max_age=300)
def public_round(request, pk: int):
    rnd = selectors.published_rounds().filter(pk=pk).first()
    if rnd is None:
        raise Http404
    inspections = list(
        rnd.inspections.filter(status=InspectionStatus.SUBMITTED)
        .select_related("target", "target__parent", "office")
        .order_by("target__path", "-inspected_on")
    )
    ids = [i.pk for i in inspections]
    deficient: dict[int, list] = {}
    for row in (
        InspectionItem.objects.filter(inspection_id__in=ids, result__in=DEFICIENT_RESULTS)
        .select_related("item")
        .order_by("item__number")
    ):
        deficient.setdefault(row.inspection_id, []).append(row)
    rects = reports.rectification_counts(ids)
    rows = [{"inspection": i, "deficient": deficient.get(i.pk, []), "rects": rects[i.pk]} for i in inspections]
    return render(
        request,
        "inspections/public/round.html",
        {"round": rnd, "rows": rows, "tables": reports.league_tables(inspections)},
    )
