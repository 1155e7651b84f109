from rest_framework.routers import SimpleRouter

from inspections.api import views

router = SimpleRouter()
router.register("policy-editions", views.PolicyEditionViewSet, basename="policy-edition")
router.register("policy-items", views.PolicyItemViewSet, basename="policy-item")
router.register("inspections", views.InspectionViewSet, basename="inspection")
router.register("rectifications", views.RectificationViewSet, basename="rectification")
router.register("accountability", views.AccountabilityViewSet, basename="accountability")
router.register("campaigns", views.CampaignViewSet, basename="campaign")
router.register("inspection-rounds", views.InspectionRoundViewSet, basename="inspection-round")

urlpatterns = router.urls
