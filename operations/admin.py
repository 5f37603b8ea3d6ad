from django.contrib import admin

from mops.admin import AuditedAdmin

from .models import (
    Check,
    CheckResult,
    EscalationPolicy,
    EscalationStep,
    Flip,
    Incident,
    IncidentEvent,
    Integration,
    MaintenanceWindow,
    Notification,
    NotificationChannel,
    Postmortem,
    PostmortemAction,
    Runbook,
    RunbookExecution,
    RunbookStep,
    RunbookVersion,
    SeverityPolicy,
    StepRun,
    Tool,
    ToolAssignment,
)


class ToolAssignmentInline(admin.TabularInline):
    model = ToolAssignment
    extra = 0
    autocomplete_fields = ["user"]


class IntegrationInline(admin.TabularInline):
    model = Integration
    fk_name = "source"
    extra = 0


@admin.register(Tool)
class ToolAdmin(AuditedAdmin):
    list_display = ["name", "category", "vendor", "team", "lifecycle", "renewal_date"]
    list_filter = ["category", "lifecycle", "team", "holds_personal_data"]
    search_fields = ["name", "vendor", "description"]
    inlines = [ToolAssignmentInline, IntegrationInline]


@admin.register(Check)
class CheckAdmin(AuditedAdmin):
    list_display = ["name", "kind", "tool", "team", "enabled", "state", "last_evaluated_at"]
    list_filter = ["kind", "state", "enabled", "team"]
    search_fields = ["name", "url"]
    readonly_fields = [
        "uuid",
        "state",
        "last_ping_at",
        "last_evaluated_at",
        "next_due_at",
        "consecutive_failures",
    ]
    raw_id_fields = ["campaign"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Append-only records: viewable, never edited by hand."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(CheckResult)
class CheckResultAdmin(ReadOnlyAdmin):
    list_display = ["monitor", "at", "status", "duration_ms", "value"]
    list_filter = ["status"]
    date_hierarchy = "at"


@admin.register(Flip)
class FlipAdmin(ReadOnlyAdmin):
    list_display = ["monitor", "at", "old_state", "new_state", "reason"]
    date_hierarchy = "at"


class IncidentEventInline(admin.TabularInline):
    model = IncidentEvent
    extra = 0
    can_delete = False
    readonly_fields = ["at", "kind", "actor", "from_state", "to_state", "message", "data"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Incident)
class IncidentAdmin(AuditedAdmin):
    list_display = ["title", "severity", "state", "team", "assignee", "triggered_at"]
    list_filter = ["state", "severity", "source", "team"]
    search_fields = ["title", "description", "dedup_key"]
    readonly_fields = [
        "state",
        "alert_count",
        "escalation_snapshot",
        "escalation_step",
        "escalation_round",
        "next_escalation_at",
    ]
    filter_horizontal = ["affected_tools", "affected_campaigns", "affected_kpis"]
    inlines = [IncidentEventInline]


class PostmortemActionInline(admin.TabularInline):
    model = PostmortemAction
    extra = 0


@admin.register(Postmortem)
class PostmortemAdmin(AuditedAdmin):
    list_display = ["incident", "written_by", "written_at"]
    inlines = [PostmortemActionInline]


@admin.register(SeverityPolicy)
class SeverityPolicyAdmin(admin.ModelAdmin):
    list_display = ["team", "severity", "ack_minutes", "escalate_after_minutes"]


class EscalationStepInline(admin.TabularInline):
    model = EscalationStep
    extra = 0


@admin.register(EscalationPolicy)
class EscalationPolicyAdmin(AuditedAdmin):
    list_display = ["name", "team", "repeat_count", "is_default"]
    inlines = [EscalationStepInline]


@admin.register(NotificationChannel)
class NotificationChannelAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "kind", "target", "enabled"]
    list_filter = ["kind", "enabled"]


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["incident", "kind", "recipient", "status", "attempts", "sent_at"]
    list_filter = ["status", "kind"]


class RunbookVersionInline(admin.TabularInline):
    model = RunbookVersion
    extra = 0
    can_delete = False
    fields = ["number", "author", "created_at", "change_note"]
    readonly_fields = ["number", "author", "created_at", "change_note"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Runbook)
class RunbookAdmin(AuditedAdmin):
    list_display = ["title", "team", "owner", "review_interval_days", "last_reviewed_at"]
    list_filter = ["team"]
    search_fields = ["title", "summary"]
    filter_horizontal = ["tools"]
    inlines = [RunbookVersionInline]


class RunbookStepInline(admin.TabularInline):
    model = RunbookStep
    extra = 0


@admin.register(RunbookVersion)
class RunbookVersionAdmin(admin.ModelAdmin):
    list_display = ["runbook", "number", "author", "created_at"]
    inlines = [RunbookStepInline]


class StepRunInline(admin.TabularInline):
    model = StepRun
    extra = 0


@admin.register(RunbookExecution)
class RunbookExecutionAdmin(admin.ModelAdmin):
    list_display = ["runbook", "version", "started_by", "started_at", "finished_at", "outcome"]
    list_filter = ["outcome"]
    inlines = [StepRunInline]


@admin.register(MaintenanceWindow)
class MaintenanceWindowAdmin(AuditedAdmin):
    list_display = ["title", "tool", "team", "starts_at", "ends_at", "status"]
    list_filter = ["status", "team"]
    search_fields = ["title", "description"]
