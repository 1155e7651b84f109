from django.urls import path

from bullying.deadlines import views

app_name = "calendar"

urlpatterns = [
    path("", views.calendar_index, name="index"),
    path("days/edit/", views.calendar_day_edit, name="day_edit"),
    path("days/<str:day>/delete/", views.calendar_day_remove, name="day_delete"),
    path("bulk/", views.calendar_bulk, name="bulk"),
    path("rules/", views.region_rule_set, name="rule_set"),
]
