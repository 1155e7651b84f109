from django.apps import AppConfig


class AppealsConfig(AppConfig):
    """Appeals and county review (申诉复查): an app of the case domain, below nothing but cases."""

    name = "cases.appeals"
    label = "appeals"
    verbose_name = "申诉复查"

    def ready(self):
        # The 15-day review clock (政策清单第45项) follows calendar changes, and the
        # review deadline is in the reminder sweep.
        from bullying.deadlines.calendar import register_deadline_source
        from cases.appeals import reminders  # noqa: F401
        from cases.appeals.services import appeal_recompute_due_dates

        register_deadline_source(appeal_recompute_due_dates)
