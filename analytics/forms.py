from django import forms
from django.utils.translation import gettext_lazy as _

from mops.models import Team

from .models import Campaign


class CampaignForm(forms.ModelForm):
    code = forms.SlugField(
        label=_("code"),
        max_length=64,
        required=False,
        help_text=_("Unique and URL-safe; generated from the name when left empty."),
    )

    landing_page = forms.URLField(
        label=_("landing page"), max_length=500, required=False, assume_scheme="https"
    )

    class Meta:
        model = Campaign
        fields = [
            "name",
            "code",
            "team",
            "channel",
            "source",
            "status",
            "budget",
            "currency",
            "start_date",
            "end_date",
            "utm_source",
            "utm_medium",
            "utm_campaign",
            "landing_page",
            "notes",
        ]
        widgets = {
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "end_date": forms.DateInput(attrs={"type": "date"}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        teams = Team.objects.all() if user is None or user.is_superuser else user.teams.all()
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]
        if not self.instance.pk and teams.count() == 1:
            self.fields["team"].initial = teams.first()


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"), help_text=_("CSV or Excel (.xlsx) export; UTF-8, Shift_JIS or UTF-16.")
    )
    source = forms.SlugField(
        label=_("data source"),
        required=False,
        max_length=32,
        help_text=_(
            "Leave empty to use the platform detected in the file (google_ads, yahoo_ads, meta…)."
        ),
    )
    campaign = forms.ModelChoiceField(
        label=_("campaign"),
        queryset=Campaign.objects.none(),
        required=False,
        to_field_name="code",
        help_text=_("For files with no campaign column: every row belongs to this campaign."),
    )
    create_campaigns = forms.BooleanField(
        label=_("Create unknown campaigns"),
        required=False,
        help_text=_("Campaigns named in the file but not in the portal are created."),
    )

    def __init__(self, *args, campaigns=None, **kwargs):
        super().__init__(*args, **kwargs)
        if campaigns is not None:
            self.fields["campaign"].queryset = campaigns  # type: ignore[attr-defined]


class MappingForm(forms.Form):
    """One choice per column of the file (date, campaign, a metric key, ignore …).

    Field ``map-<i>`` holds the choice of the column named in the hidden ``header-<i>``, so a
    posted form describes its own columns.
    """

    save_mapping = forms.BooleanField(label=_("Save this mapping"), required=False)

    def __init__(self, *args, headers=(), choices=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_mapping = initial_mapping or {}
        self.headers = list(headers)
        for i, header in enumerate(self.headers):
            self.fields[f"header-{i}"] = forms.CharField(
                widget=forms.HiddenInput, initial=header, required=False
            )
            self.fields[f"map-{i}"] = forms.ChoiceField(
                label=header or _("(no header)"),
                choices=choices,
                initial=initial_mapping.get(header, "ignore"),
            )

    def column_fields(self):
        return [(self[f"header-{i}"], self[f"map-{i}"]) for i in range(len(self.headers))]

    @staticmethod
    def posted_mapping(data) -> dict[str, str]:
        """The mapping in a POST: ``{header: choice}`` for every ``header-<i>``/``map-<i>``."""
        mapping = {}
        i = 0
        while f"header-{i}" in data:
            mapping[data[f"header-{i}"]] = data.get(f"map-{i}", "ignore")
            i += 1
        return mapping


class DashboardFilterForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    channel = forms.ChoiceField(label=_("channel"), required=False)
    plan = forms.TypedChoiceField(label=_("plan"), required=False, coerce=int, empty_value=None)
    team = forms.TypedChoiceField(label=_("team"), required=False, coerce=int, empty_value=None)
    compare = forms.BooleanField(label=_("Compare with the previous period"), required=False)

    def __init__(self, *args, periods=(), channels=(), plans=(), teams=(), **kwargs):
        super().__init__(*args, **kwargs)
        everything = [("", _("All"))]
        self.fields["period"].choices = list(periods)  # type: ignore[attr-defined]
        self.fields["channel"].choices = everything + list(channels)  # type: ignore[attr-defined]
        self.fields["plan"].choices = everything + [  # type: ignore[attr-defined]
            (str(pk), title) for pk, title in plans
        ]
        self.fields["team"].choices = everything + [  # type: ignore[attr-defined]
            (str(pk), name) for pk, name in teams
        ]

    def clean(self):
        data = super().clean() or {}
        if data.get("period") == "custom" and not (data.get("date_from") and data.get("date_to")):
            self.add_error("date_from", _("Give both dates of the custom range."))
        return data
