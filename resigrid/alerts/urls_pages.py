"""Alert URLs (pages): the list, drafting, detail and moves, the coverage board, my alerts and
the one-click acknowledgement, the signed acknowledgement link and a level's relay page."""

from django.urls import URLPattern, URLResolver, path

from resigrid.alerts import views_pages, views_receive

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views_pages.alert_list, name="list"),
    path("new/", views_pages.alert_new, name="new"),
    path("mine/", views_receive.mine, name="mine"),
    path("ack/<str:token>/", views_receive.ack_token, name="ack-token"),
    path("relays/<int:pk>/", views_receive.relay_page, name="relay"),
    *(
        path(f"relays/<int:pk>/{a}/", views_receive.relay_action, {"action": a}, name=f"relay-{a}")
        for a in views_receive.RELAY_ACTIONS
    ),
    path("<int:pk>/", views_pages.alert_detail, name="detail"),
    path("<int:pk>/board/", views_pages.alert_board, name="board"),
    path("<int:pk>/update/", views_pages.alert_update, name="update"),
    path("<int:pk>/acknowledge/", views_receive.acknowledge, name="acknowledge"),
    # Named moves only: other paths under <pk>/ belong to the CAP pages.
    *(
        path(f"<int:pk>/{m}/", views_pages.alert_move, {"move": m}, name=m)
        for m in views_pages.MOVE_PERMS
    ),
]
