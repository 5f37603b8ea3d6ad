from django.urls import path

from mops.views import section

from . import views

app_name = "analytics"

urlpatterns = [
    path("", section, {"key": "analytics"}, name="index"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_form, name="campaign_create"),
    path("campaigns/<slug:code>/", views.campaign_detail, name="campaign_detail"),
    path("campaigns/<slug:code>/edit/", views.campaign_form, name="campaign_edit"),
    path(
        "campaigns/<slug:code>/clone/", views.campaign_form, {"clone": True}, name="campaign_clone"
    ),
    path("imports/new/", views.upload, name="upload"),
    path("imports/<int:pk>/", views.batch_detail, name="batch_detail"),
]
