"""The workbench's dashboard panel: a province's figures take seconds to count, so the
panel counts them at most every five minutes and says as of when."""

from datetime import timedelta

from django.utils import timezone

from cases.models import Status
from reporting.selectors import SUMMARY_SECONDS


def _figure(response, label: str) -> str:
    import re

    found = re.findall(
        r'<div class="stat"[^>]*>([^<]+)</div><div class="stat-label">' + label, response.content.decode()
    )
    assert len(found) == 1, found
    return found[0]


def test_the_panel_shows_figures_as_of_at_most_five_minutes_ago(client_for, open_case, walk, frozen_today):
    walk(open_case(), Status.INVESTIGATING)
    start = timezone.now()
    client = client_for("city_a")
    first = client.get("/")
    assert _figure(first, "受理事件") == "1"
    assert f"截至 {timezone.localtime(start):%H:%M}（每 5 分钟更新，看板为实时数据）" in first.content.decode()

    open_case()
    assert _figure(client.get("/"), "受理事件") == "1"  # within the five minutes: as counted

    frozen_today.move_to(start + timedelta(seconds=SUMMARY_SECONDS + 1))
    client = client_for("city_a")
    assert _figure(client.get("/"), "受理事件") == "2"
    # The dashboard itself is live.
    assert client.get("/reporting/").status_code == 200
