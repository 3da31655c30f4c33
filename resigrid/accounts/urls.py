from django.contrib.auth import views as auth_views
from django.urls import path

from resigrid.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Django 5 LogoutView accepts POST only (GET answers 405): no logout by a link or an <img>.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:token_id>/revoke/", views.revoke_token, name="revoke_token"),
    path("security-log/", views.security_log, name="security_log"),
]
