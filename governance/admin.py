from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import (
    Action,
    AgendaItem,
    FeedbackItem,
    KpiProfile,
    KpiTarget,
    Plan,
    PlanBudget,
    ReviewCadence,
    ReviewMeeting,
    Skill,
    SkillRating,
    Strategy,
    Vision,
)


class PlanBudgetInline(admin.TabularInline):
    model = PlanBudget
    extra = 0


class KpiTargetInline(admin.TabularInline):
    model = KpiTarget
    extra = 0


class AgendaItemInline(admin.StackedInline):
    model = AgendaItem
    extra = 0
    readonly_fields = ["kind", "ref", "figures"]


@admin.register(Strategy)
class StrategyAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "status", "period_start", "period_end"]
    list_filter = ["status", "period_kind", "team"]


@admin.register(Plan)
class PlanAdmin(SimpleHistoryAdmin):
    list_display = ["title", "strategy", "team", "status", "start_date", "end_date", "budget"]
    list_filter = ["status", "team"]
    inlines = [PlanBudgetInline]


@admin.register(Action)
class ActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "owner", "team", "due_date", "status"]
    list_filter = ["status", "team"]


@admin.register(KpiProfile)
class KpiProfileAdmin(SimpleHistoryAdmin):
    list_display = ["kpi", "team", "direction", "owner"]
    inlines = [KpiTargetInline]


@admin.register(ReviewMeeting)
class ReviewMeetingAdmin(SimpleHistoryAdmin):
    list_display = ["title", "team", "period_start", "period_end", "state"]
    list_filter = ["state", "team"]
    inlines = [AgendaItemInline]


@admin.register(FeedbackItem)
class FeedbackItemAdmin(SimpleHistoryAdmin):
    list_display = ["title", "direction", "status", "from_team", "to_team", "owner"]
    list_filter = ["direction", "status"]


class SkillRatingInline(admin.TabularInline):
    model = SkillRating
    extra = 0
    fields = ["user", "level"]


@admin.register(Skill)
class SkillAdmin(SimpleHistoryAdmin):
    list_display = ["name", "team", "tool"]
    list_filter = ["team"]
    inlines = [SkillRatingInline]


admin.site.register(Vision, SimpleHistoryAdmin)
admin.site.register(ReviewCadence, SimpleHistoryAdmin)
