from django.urls import path

from . import views

app_name = "analytics"

urlpatterns = [
    path("", views.dashboard, name="index"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_form, name="campaign_create"),
    path("campaigns/<slug:code>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<slug:code>/edit/", views.campaign_form, name="campaign_edit"),
    path(
        "campaigns/<slug:code>/clone/", views.campaign_form, {"clone": True}, name="campaign_clone"
    ),
    path("imports/", views.batch_list, name="batch_list"),
    path("imports/new/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.batch_detail, name="batch_detail"),
    path("imports/<int:pk>/preview/", views.upload_preview, name="upload_preview"),
    path("imports/<int:pk>/confirm/", views.upload_confirm, name="upload_confirm"),
    path("imports/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("imports/<int:pk>/file/", views.batch_download, name="batch_download"),
]
