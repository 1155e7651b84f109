from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from bullying import views

api_v1 = [
    path("", include("accounts.api.urls")),
    path("", include("cases.api.urls")),
    path("", include("cases.appeals.api.urls")),
    path("", include("inspections.api.urls")),
    path("", include("reporting.api.urls")),
    path("", include("bullying.deadlines.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("accounts.urls")),
    path("cases/", include("cases.urls")),
    path("cases/", include("cases.appeals.urls")),
    path("inspections/", include("inspections.urls")),
    path("reporting/", include("reporting.urls")),
    path("calendar/", include("bullying.deadlines.calendar_urls")),
    path("notifications/", include("bullying.deadlines.notification_urls")),
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("healthz", views.healthz, name="healthz"),
]

handler403 = "bullying.views.forbidden"
handler404 = "bullying.views.not_found"
handler500 = "bullying.views.server_error"
