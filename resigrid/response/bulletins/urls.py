"""Pages of bulletins: the staff side (login) and the public side (no login)."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.bulletins import views

app_name = "bulletins"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.bulletin_list, name="list"),
    path("new/", views.new, name="new"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/approve/", views.approve, name="approve"),
    path("<int:pk>/publish/", views.publish, name="publish"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
    path("public/", views.public, name="public"),
    path("public/<int:pk>/", views.public_detail, name="public_detail"),
    path("public/feed.atom", views.PublicFeed(), name="feed"),
]
