from django.urls import path

from resigrid.notify import views, views_channels

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/", views.message_detail, name="message"),
    path("<int:pk>/open/", views.open_message, name="open"),
    path("preferences/", views_channels.preferences, name="preferences"),
    path("robots/", views_channels.robot_list, name="robots"),
    path("robots/<int:pk>/active/", views_channels.robot_toggle, name="robot_toggle"),
    path("sms/receipts", views_channels.sms_receipts, name="sms_receipts"),
]
