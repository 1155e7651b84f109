from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("mfa/", views.mfa_view, name="mfa"),
    path("org-units/", views.org_unit_list, name="org_units"),
    path("org-units/<int:pk>/", views.org_unit_detail, name="org_unit"),
    path("users/", views.user_list, name="users"),
    path("audit/", views.audit_list, name="audit"),
]
