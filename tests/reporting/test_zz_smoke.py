from django.utils import timezone
from reporting import selectors

def test_smoke(tree, personas, open_case, walk, django_assert_num_queries):
    walk(open_case(), "handling", severity="serious")
    walk(open_case(school="YS"), "closed", severity="minor")
    now = timezone.now()
    d = selectors.dashboard(tree["P"], now=now)
    print(d.cases)
    print([ (r.unit.name, r.cases["total"], r.cases["missing_initial"]) for r in d.children])
    d = selectors.dashboard(tree["X"], now=now)
    print([ (r.unit.name, r.cases["total"], r.cases["missing_initial"], r.cases["form_verbal"]) for r in d.children])
    print(d.appeals, d.hops)
    print(selectors.monthly_trend(tree["P"], today=now.date()))
    print(selectors.by_grade(tree["P"]))
