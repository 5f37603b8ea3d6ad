"""Campaign pages: list with filters and CSV export, detail with its daily trend, forms."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Q, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from mops.forms import add_service_errors
from mops.permissions import can
from mops.reverse_many import url_for_each
from mops.selectors import history_of

from ..charts import campaign_trend_figure
from ..forms import CampaignForm
from ..models import CampaignStatus, Channel, Metric
from ..performance import campaign_daily
from ..selectors import campaigns_for
from ..services.campaigns import create_campaign, update_campaign


def _lang_ja() -> bool:
    return (get_language() or "").startswith("ja")


SORTS = {"name", "-name", "code", "-code", "start_date", "-start_date", "budget", "-budget"}


def _filtered_campaigns(request: HttpRequest):
    qs = campaigns_for(user=request.user)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(code__icontains=q))
    if request.GET.get("channel") in Channel.values:
        qs = qs.filter(channel=request.GET["channel"])
    if request.GET.get("status") in CampaignStatus.values:
        qs = qs.filter(status=request.GET["status"])
    sort = request.GET.get("sort", "-start_date")
    return qs.order_by(sort if sort in SORTS else "-start_date", "code")


@login_required
def campaign_list(request: HttpRequest) -> HttpResponse:
    qs = _filtered_campaigns(request)
    if request.GET.get("format") == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="campaigns.csv"'
        response.write("\ufeff")  # Excel opens UTF-8 with a BOM correctly
        writer = csv.writer(response)
        fields = [
            "code",
            "name",
            "channel",
            "status",
            "source",
            "budget",
            "currency",
            "start_date",
            "end_date",
        ]
        writer.writerow([*fields, "team"])
        for c in qs:
            writer.writerow([getattr(c, f) or "" for f in fields] + [c.team.slug])
        return response
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    # labels and links worked out once: get_FOO_display() rebuilds its choices map on every
    # call, and reverse() costs about 50 µs a row
    channels, statuses = dict(Channel.choices), dict(CampaignStatus.choices)
    detail_url = url_for_each("analytics:campaign_detail")
    rows = [
        (
            c,
            detail_url(c.code),
            channels.get(c.channel, c.channel),
            statuses.get(c.status, c.status),
        )
        for c in page.object_list
    ]
    return render(
        request,
        "analytics/campaign_list.html",
        {
            "page": page,
            "rows": rows,
            "channels": Channel.choices,
            "statuses": CampaignStatus.choices,
            "query": request.GET,
        },
    )


@login_required
def campaign_detail(request: HttpRequest, code: str) -> HttpResponse:
    campaign = get_object_or_404(campaigns_for(user=request.user), code=code)
    totals = {
        row["metric__key"]: row["total"]
        for row in campaign.facts.values("metric__key").annotate(total=Sum("value"))
    }
    by_source = list(
        campaign.facts.values("source").annotate(total=Sum("value")).order_by("source")
    )
    series = campaign_daily(campaign=campaign)
    names = {
        m.key: (m.name_ja if m.name_ja and _lang_ja() else m.name) for m in Metric.objects.all()
    }
    figure = (
        campaign_trend_figure(
            title=_("%(name)s: daily metrics") % {"name": campaign.name},
            series=series,
            currency=campaign.currency,
            names=names,
            hidden=[k for k in series if k not in ("cost", "clicks", "conversions")],
        )
        if series
        else None
    )
    return render(
        request,
        "analytics/campaign_detail.html",
        {
            "campaign": campaign,
            "totals": totals,
            "sources": by_source,
            "can_change": can(request.user, "change", campaign),
            "history": history_of(campaign),
            "figure": figure,
        },
    )


@login_required
def campaign_form(request: HttpRequest, code: str | None = None, clone: bool = False):
    instance = None
    if code:
        action = "view" if clone else "change"
        instance = get_object_or_404(campaigns_for(user=request.user, action=action), code=code)
    if not request.user.has_perm(
        "analytics.add_campaign" if clone or not code else "analytics.change_campaign"
    ):
        raise PermissionDenied
    initial = {}
    if clone and instance is not None:
        initial = {f: getattr(instance, f) for f in CampaignForm.Meta.fields if f != "code"}
        initial["name"] = _("%(name)s (copy)") % {"name": instance.name}
        instance = None
    form = CampaignForm(request.POST or None, instance=instance, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            if instance is None:
                campaign = create_campaign(**data)
            else:
                campaign = update_campaign(campaign=instance, **data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Campaign “%(name)s” saved.") % {"name": campaign.name})
            return redirect(campaign)
    return render(request, "analytics/campaign_form.html", {"form": form, "campaign": instance})
