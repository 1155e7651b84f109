"""Seed the official holiday schedules 2004–2026 (国务院办公厅历年节假日安排).

The data lives in ``bullying/deadlines/data/holidays_cn.json``, generated once from the
``chinesecalendar`` package (1.11.0), so this migration gives the same result whatever
version of that library is installed later, or none. Later years are entered by the
system administrator on the /calendar/ page.
"""

import datetime
import json
from pathlib import Path

from django.db import migrations

DATA_FILE = Path(__file__).resolve().parent.parent / "data" / "holidays_cn.json"


def _data():
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


def seed(apps, schema_editor):
    CalendarDay = apps.get_model("bullying", "CalendarDay")
    CalendarYear = apps.get_model("bullying", "CalendarYear")
    data = _data()
    stored = set(CalendarDay.objects.values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=day, kind=row["kind"], name=row["name"])
            for row in data["days"]
            if (day := datetime.date.fromisoformat(row["date"])) not in stored
        ],
        batch_size=500,
    )
    published = set(CalendarYear.objects.values_list("year", flat=True))
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=year, source=data["source"][:200]) for year in data["years"] if year not in published]
    )


def unseed(apps, schema_editor):
    CalendarDay = apps.get_model("bullying", "CalendarDay")
    CalendarYear = apps.get_model("bullying", "CalendarYear")
    data = _data()
    dates = [datetime.date.fromisoformat(row["date"]) for row in data["days"]]
    CalendarDay.objects.filter(date__in=dates, created_by__isnull=True).delete()
    CalendarYear.objects.filter(year__in=data["years"], published_by__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("bullying", "0002_statutory_calendar"),
    ]

    operations = [
        migrations.RunPython(seed, unseed),
    ]
