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
    source = forms.CharField(
        label=_("data source"),
        required=False,
        max_length=32,
        help_text=_("Leave empty to use the platform detected in the file."),
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
