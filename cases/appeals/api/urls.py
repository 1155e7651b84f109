from rest_framework.routers import SimpleRouter

from cases.appeals.api.views import AppealViewSet

router = SimpleRouter()
router.register("appeals", AppealViewSet, basename="appeal")

urlpatterns = router.urls
