from django.urls import path
from rest_framework.routers import SimpleRouter

from reporting.api import views

router = SimpleRouter()
router.register("incident-reports", views.IncidentReportViewSet, basename="incident-report")

urlpatterns = [
    *router.urls,
    path("dashboard/", views.DashboardView.as_view(), name="api-dashboard"),
]
