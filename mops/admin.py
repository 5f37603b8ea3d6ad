from django.contrib import admin
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from .models import ApiToken, Team, TeamMembership, UserProfile


class AuditedAdmin(SimpleHistoryAdmin):
    """Shows the audit trail; a past version can be viewed, never re-saved (append-only)."""

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        if request.method == "POST":
            raise PermissionDenied
        return super().history_form_view(request, object_id, version_id, extra_context)


class MembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Team)
class TeamAdmin(AuditedAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}
    inlines = [MembershipInline]

    def save_model(self, request, obj, form, change) -> None:
        if not change:
            from django.contrib.auth.models import Group

            obj.group, _ = Group.objects.get_or_create(name=f"team:{obj.slug}")
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change) -> None:
        super().save_formset(request, form, formset, change)
        team = form.instance
        for membership in team.memberships.select_related("user"):
            membership.user.groups.add(team.group)


@admin.register(UserProfile)
class UserProfileAdmin(AuditedAdmin):
    list_display = ["user", "language"]
    search_fields = ["user__username"]


@admin.register(ApiToken)
class ApiTokenAdmin(AuditedAdmin):
    list_display = ["name", "owner", "prefix", "scopes", "expires_at", "revoked_at", "last_used_at"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "owner__username", "prefix"]
    readonly_fields = ["prefix", "created_at", "last_used_at"]
    fields = [
        "name",
        "owner",
        "prefix",
        "scopes",
        "expires_at",
        "revoked_at",
        "created_at",
        "last_used_at",
    ]

    def has_add_permission(self, request) -> bool:
        # Raw keys are shown once, so tokens are created in the portal or by create_api_token.
        return False
