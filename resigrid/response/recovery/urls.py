"""Pages of recovery, mounted at /response/recovery/."""

from django.urls import URLPattern, URLResolver, path

from resigrid.response.recovery import views, views_reviews

app_name = "recovery"

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.incident_list, name="list"),
    path("incidents/<int:pk>/", views.board, name="board"),
    path("incidents/<int:pk>/assess/", views.assess, name="assess"),
    path("incidents/<int:pk>/households/", views.household_search, name="households"),
    path("incidents/<int:pk>/review/new/", views_reviews.review_new, name="review_new"),
    path("needs/<int:pk>/", views.need_detail, name="need"),
    path("needs/<int:pk>/match/", views.need_match, name="need_match"),
    path("needs/<int:pk>/start/", views.need_start, name="need_start"),
    path("needs/<int:pk>/close/", views.need_close, name="need_close"),
    path("reviews/<int:pk>/", views_reviews.review_detail, name="review"),
    path("reviews/<int:pk>/items/", views_reviews.review_add_item, name="review_add_item"),
    path(
        "reviews/<int:pk>/items/<int:item_pk>/close/",
        views_reviews.review_close_item,
        name="review_close_item",
    ),
]
