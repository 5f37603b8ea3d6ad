"""The portal's URLs plus the bare view that is the floor for page timings."""

from django.shortcuts import render
from django.urls import path

from mops.urls import urlpatterns as portal


def bare(request):
    """``base.html`` with nothing in it: middleware, session, auth, the shell template."""
    return render(request, "base.html", {})


urlpatterns = [path("bench/bare/", bare, name="bench_bare"), *portal]
