from django.apps import AppConfig


class InspectionsConfig(AppConfig):
    verbose_name = "督导检查"
    name = "inspections"

    def ready(self):
        # Rectification deadlines counted in days follow changes of the holiday calendar
        # and of a region's counting rule, and are swept for reminders and 督办.
        from bullying.deadlines.calendar import register_deadline_source
        from inspections import reminders  # noqa: F401
        from inspections.services import rectification_recompute_due_dates

        register_deadline_source(rectification_recompute_due_dates)
