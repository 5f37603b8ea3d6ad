"""Core models: teams and their memberships, user profiles, API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history import register as register_history
from simple_history.models import HistoricalRecords

TOKEN_PREFIX = "mops_"  # noqa: S105 - a public marker, not a secret


class Role(models.TextChoices):
    """Site-wide roles. Each is a Group with model permissions (see migration 0002)."""

    MARKETER = "marketer", _("Marketer")
    OPS = "ops", _("Ops staff")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Admin")


class Team(models.Model):
    """The unit that owns objects. Its own group carries the guardian object permissions."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=50, unique=True)
    description = models.TextField(_("description"), blank=True)
    group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="team", editable=False
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="TeamMembership", related_name="teams", blank=True
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    history = HistoricalRecords(excluded_fields=["group"])

    class Meta:
        ordering = ["name"]
        verbose_name = _("team")
        verbose_name_plural = _("teams")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("team_detail", args=[self.slug])


class TeamMembership(models.Model):
    team = models.ForeignKey(Team, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships"
    )
    is_lead = models.BooleanField(_("team lead"), default=False)
    joined_at = models.DateTimeField(_("joined at"), auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["team", "user"], name="unique_team_membership")
        ]
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.team}"


class UserProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_("Leave empty to follow your browser."),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return str(self.user)


class Scope(models.TextChoices):
    """What an API token may do. ``read`` allows every read-only request."""

    READ = "read", _("Read everything the owner may see")
    METRICS_READ = "metrics:read", _("Read metrics")
    METRICS_WRITE = "metrics:write", _("Push metrics")
    INCIDENTS_WRITE = "incidents:write", _("Open and update incidents")
    OPERATIONS_WRITE = "operations:write", _("Change tools, checks, maintenance and runbooks")
    GOVERNANCE_WRITE = "governance:write", _("Update plans, actions and reviews")


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """A bearer token for programs. Only the SHA-256 of the raw key is stored."""

    name = models.CharField(_("name"), max_length=100)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("owner"),
    )
    prefix = models.CharField(_("prefix"), max_length=16, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    scopes = models.JSONField(_("scopes"), default=list)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    history = HistoricalRecords(excluded_fields=["key_hash", "last_used_at"])

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate_raw() -> str:
        return TOKEN_PREFIX + secrets.token_urlsafe(32)

    @property
    def is_active(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


# Users are edited by admins: their changes (roles, activity, e-mail) belong in the audit trail.
register_history(
    User,
    app="mops",
    excluded_fields=["password", "last_login"],
)


class TableChange(models.Model):
    """A transaction that wrote a table: one row per (table, transaction), written on
    PostgreSQL by a statement-level trigger on every table (``mops.table_changes``), whatever
    wrote it (the ORM, ``update()``, bulk writes, COPY, raw SQL). Cached panels are checked
    against these rows; ``mops.tasks.prune_table_changes`` drops the ones no cache can need."""

    table = models.CharField(max_length=63)
    xid = models.BigIntegerField(help_text="The writing transaction's id (pg_current_xact_id).")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["table", "xid"], name="unique_table_change")]

    def __str__(self) -> str:
        return f"{self.table} @ {self.xid}"
