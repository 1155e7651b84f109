"""seed_demo adds appeals in every state on the demo cases, with past dates."""

from io import StringIO

from django.core.management import call_command

from cases.appeals.models import Appeal, AppealStatus
from scripts.management.commands import seed_demo


def test_seed_demo_creates_appeals_in_every_state(db, settings, monkeypatch):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    assert seed_demo.DEMO_EXTENSIONS.index("cases.appeals.demo.seed_appeals") == (
        seed_demo.DEMO_EXTENSIONS.index("cases.demo.seed_cases") + 1
    )
    # Only the extensions appeals build on: other features' demo data is theirs to test.
    monkeypatch.setattr(seed_demo, "DEMO_EXTENSIONS", ["cases.demo.seed_cases", "cases.appeals.demo.seed_appeals"])
    out = StringIO()
    call_command("seed_demo", stdout=out)
    assert "演示申诉" in out.getvalue()
    xihu = Appeal.objects.filter(county__code="330106")
    assert set(xihu.values_list("status", flat=True)) == set(AppealStatus.values)
    assert any(a.is_overdue for a in xihu)
    assert xihu.filter(overturned=True, case__reopened_by_review=True).exists()
    assert xihu.filter(overturned=False, status=AppealStatus.DECIDED).exists()
    assert not xihu.filter(received_on__gt="2026-10-20").exists()

    call_command("seed_demo", stdout=StringIO())  # a second run adds nothing
    assert Appeal.objects.filter(county__code="330106").count() == xihu.count()
