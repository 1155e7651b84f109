from django.urls import path

from cases.appeals import views

app_name = "appeals"

# Mounted under /cases/: the county desk (/cases/appeals/…) and lodging from a case page.
urlpatterns = [
    path("<int:pk>/appeal/", views.appeal_new, name="new"),
    path("appeals/", views.appeal_list, name="list"),
    path("appeals/<int:pk>/", views.appeal_detail, name="detail"),
    path("appeals/<int:pk>/step/<slug:step>/", views.appeal_step, name="step"),
    path("appeals/<int:pk>/decision.pdf", views.appeal_notice_pdf, name="notice_pdf"),
    path("appeals/<int:pk>/attachments/<int:attachment_id>/", views.appeal_attachment, name="attachment"),
]
