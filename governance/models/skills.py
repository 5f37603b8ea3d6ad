"""The skills matrix (スキルマップ): what a team needs people able to do, and who can."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


class SkillLevel(models.IntegerChoices):
    NONE = 0, _("Cannot do it")
    LEARNING = 1, _("Learning")
    WITH_HELP = 2, _("Can do it with help")
    ALONE = 3, _("Can do it alone")
    TEACHES = 4, _("Can teach it")


# Someone at this level or above can do the work without anyone else (the 属人化 count).
CAPABLE = SkillLevel.ALONE


def at_risk(capable: int) -> bool:
    """Fewer than two current members can do the skill alone: one absence stops the work."""
    return capable < 2


class Skill(models.Model):
    """Something the team needs people able to do: operate a tool, run a process, analyse."""

    team = models.ForeignKey(
        "mops.Team", on_delete=models.CASCADE, related_name="skills", verbose_name=_("team")
    )
    name = models.CharField(_("name"), max_length=100)
    tool = models.ForeignKey(
        "operations.Tool",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="skills",
        verbose_name=_("tool"),
        help_text=_("The tool this skill is about, if any."),
    )
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["team", "name"], name="skill_unique_name_per_team")
        ]

    def __str__(self) -> str:
        return self.name


class SkillRating(models.Model):
    """How well one person can do one skill (absent: not rated yet)."""

    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="skill_ratings"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=SkillLevel.choices)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("updated by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("skill rating")
        verbose_name_plural = _("skill ratings")
        constraints = [
            models.UniqueConstraint(fields=["skill", "user"], name="skill_rating_once_per_user"),
            models.CheckConstraint(
                condition=Q(level__gte=0) & Q(level__lte=4), name="skill_rating_level_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.skill}: {self.user} {self.level}"
