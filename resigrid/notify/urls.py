from django.urls import path

from resigrid.notify import views

app_name = "notify"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("read-all/", views.mark_all_read, name="read_all"),
    path("<int:pk>/", views.message_detail, name="message"),
    path("<int:pk>/open/", views.open_message, name="open"),
]
