"""Operations pages: incidents and the triage dashboard (the section's landing page).

URL patterns of this area are collected by operations/urls.py; the views live in
``triage.py`` (the live board), ``incident_pages.py`` (list, detail, forms, report) and
``oncall.py`` (each team's channels, escalation policies and acknowledge times).
"""

from django.urls import include, path

from . import oncall
from .incident_pages import (
    incident_assign,
    incident_comment,
    incident_detail,
    incident_form,
    incident_list,
    incident_postmortem,
    incident_report,
    incident_transition,
)
from .triage import triage, triage_action, triage_board

urlpatterns = [
    path("", triage, name="index"),
    path("triage/board/", triage_board, name="triage_board"),
    path("triage/<int:pk>/<slug:action>/", triage_action, name="triage_action"),
    path("incidents/", incident_list, name="incident_list"),
    path("incidents/new/", incident_form, name="incident_create"),
    path("incidents/report/", incident_report, name="incident_report"),
    path("incidents/<int:pk>/", incident_detail, name="incident_detail"),
    path("incidents/<int:pk>/edit/", incident_form, name="incident_edit"),
    path("incidents/<int:pk>/transition/", incident_transition, name="incident_transition"),
    path("incidents/<int:pk>/comment/", incident_comment, name="incident_comment"),
    path("incidents/<int:pk>/assign/", incident_assign, name="incident_assign"),
    path("incidents/<int:pk>/postmortem/", incident_postmortem, name="incident_postmortem"),
    path("", include(oncall)),
]
