from django.apps import AppConfig


class ReportingConfig(AppConfig):
    verbose_name = "报告与统计"
    name = "reporting"

    def ready(self):
        # Report time limits (首报、续报、终报, 签收 and 转报) join the reminder sweep and
        # its escalation to the office above, like the investigation clock.
        from reporting import reminders

        reminders.register()
