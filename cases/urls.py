from django.urls import path

from cases import views

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
]
