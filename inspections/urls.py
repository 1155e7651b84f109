from django.urls import path

from inspections import public_views, views

app_name = "inspections"

urlpatterns = [
    path("", views.inspection_list, name="list"),
    path("policy/", views.policy_list, name="policy_list"),
    path("new/", views.inspection_new, name="new"),
    path("<int:pk>/", views.inspection_detail, name="detail"),
    path("<int:pk>/header/", views.inspection_header, name="header"),
    path("<int:pk>/items/<int:number>/", views.item_save, name="item"),
    path("<int:pk>/items/<int:number>/evidence/", views.evidence_upload, name="evidence_upload"),
    path("<int:pk>/evidence/<int:evidence_id>/", views.evidence_download, name="evidence"),
    path("<int:pk>/submit/", views.inspection_submit, name="submit"),
    path("<int:pk>/pdf/", views.inspection_pdf, name="pdf"),
    path("<int:pk>/rectify/", views.rectification_raise, name="rectify"),
    path("rectifications/", views.rectification_list, name="rectifications"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification"),
    path("rectifications/<int:pk>/step/<slug:step>/", views.rectification_step, name="rectification_step"),
    path("rectifications/<int:pk>/evidence/", views.rectification_evidence_upload, name="rectification_upload"),
    path(
        "rectifications/<int:pk>/evidence/<int:evidence_id>/",
        views.rectification_evidence_download,
        name="rectification_evidence",
    ),
    path("campaigns/", views.campaign_list, name="campaigns"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="campaign"),
    path("campaigns/<int:pk>/tasks/<int:task_id>/submit/", views.task_submit, name="task_submit"),
    path("campaigns/<int:pk>/submissions/<int:submission_id>/", views.submission_file, name="submission_file"),
    path("rounds/", views.round_list, name="rounds"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/publish/", views.round_publish, name="round_publish"),
    path("accountability/", views.accountability_list, name="accountability"),
    path("league/", views.league, name="league"),
    path("export.xlsx", views.export_results, name="export"),
    # Open to the public, no sign-in (inspections.public_views).
    path("public/", public_views.public_index, name="public_index"),
    path("public/<int:pk>/", public_views.public_round, name="public_round"),
]
