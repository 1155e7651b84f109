from django.apps import AppConfig


class CasesConfig(AppConfig):
    verbose_name = "欺凌事件"
    name = "cases"

    def ready(self):
        # Registers the investigation clock with the statutory calendar, and the
        # investigation deadline with the reminder sweep.
        from bullying.calendar import register_deadline_source
        from cases import appeal_reminders, reminders, services  # noqa: F401
        from cases.appeal_services import appeal_recompute_due_dates

        # The 15-day review clock of appeals (政策清单第45项) follows calendar changes too;
        # ``appeal_reminders`` puts the review deadline in the reminder sweep.
        register_deadline_source(appeal_recompute_due_dates)
