from rest_framework.routers import SimpleRouter

from cases.api import views
from cases.api.appeal_views import AppealViewSet

router = SimpleRouter()
router.register("cases", views.CaseViewSet, basename="case")
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = router.urls
