from django.apps import AppConfig


class DeadlinesConfig(AppConfig):
    """The shared kernel of time limits: the statutory calendar, notifications, reminders
    and escalations (督办). Every feature app registers its clocks here; this app imports
    no feature app.

    Its label stays ``bullying`` (the app was the project package before): the tables,
    the migration history and the content types keep their names.
    """

    name = "bullying.deadlines"
    label = "bullying"
    verbose_name = "期限与通知"
