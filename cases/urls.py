from django.urls import path

from cases import appeal_views, views

app_name = "cases"

urlpatterns = [
    path("", views.case_list, name="list"),
    path("new/", views.case_new, name="new"),
    path("<int:pk>/", views.case_detail, name="detail"),
    path("<int:pk>/step/<slug:step>/", views.case_step, name="step"),
    path("<int:pk>/measures/<int:measure_id>/progress/", views.measure_progress, name="measure_progress"),
    path("<int:pk>/attachments/", views.attachment_upload, name="attachment_upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", views.attachment_download, name="attachment"),
    path("<int:pk>/pdf/", views.case_pdf, name="pdf"),
    path("<int:pk>/notice.pdf", views.notice_pdf, name="notice_pdf"),
    path("<int:pk>/unmask/", views.unmask_request, name="unmask_request"),
    path("unmask-requests/", views.unmask_queue, name="unmask_queue"),
    path("unmask-requests/<int:grant_id>/decide/", views.unmask_decide, name="unmask_decide"),
    # Appeals and review (申诉复查): the county desk, and lodging from a case page.
    path("<int:pk>/appeal/", appeal_views.appeal_new, name="appeal_new"),
    path("appeals/", appeal_views.appeal_list, name="appeal_list"),
    path("appeals/<int:pk>/", appeal_views.appeal_detail, name="appeal_detail"),
    path("appeals/<int:pk>/step/<slug:step>/", appeal_views.appeal_step, name="appeal_step"),
    path("appeals/<int:pk>/decision.pdf", appeal_views.appeal_notice_pdf, name="appeal_notice_pdf"),
    path("appeals/<int:pk>/attachments/<int:attachment_id>/", appeal_views.appeal_attachment, name="appeal_attachment"),
]
