"""Create (or bring up to date) a realistic demo organisation. Safe to run any number of times."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from mops.models import Team
from mops.registry import demo_seeders
from mops.services import add_member, create_team, set_role

DEMO_PASSWORD = "mops-demo-2026"  # noqa: S105 - printed for the demo, documented in README

TEAMS = [
    (
        "デジタルマーケティング部",
        "digital-marketing",
        "広告運用・キャンペーン企画を担当するチーム。",
    ),
    (
        "マーケティング運用チーム",
        "marketing-ops",
        "MA・CRM・タグなどマーケティングツールの運用と監視。",
    ),
    ("経営企画室", "management", "戦略・計画・KPI の策定と週次定例の運営。"),
]

USERS = [
    # username, last name, first name, role, team slugs, lead
    ("marketer", "佐藤", "美咲", "marketer", ["digital-marketing"], False),
    ("ops", "鈴木", "健太", "ops", ["marketing-ops"], True),
    (
        "manager",
        "高橋",
        "直子",
        "manager",
        ["management", "digital-marketing", "marketing-ops"],
        True,
    ),
    ("admin", "田中", "誠", "admin", ["management"], False),
]


def seed_core() -> dict[str, Any]:
    User = get_user_model()
    teams = {}
    for name, slug, description in TEAMS:
        team = Team.objects.filter(slug=slug).first() or create_team(
            name=name, slug=slug, description=description
        )
        teams[slug] = team
    users = {}
    for username, last, first, role, team_slugs, lead in USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"last_name": last, "first_name": first, "email": f"{username}@example.jp"},
        )
        if created:
            user.set_password(DEMO_PASSWORD)
        user.is_staff = role == "admin"
        user.save()
        set_role(user=user, role=role)
        for slug in team_slugs:
            add_member(team=teams[slug], user=user, is_lead=lead)
        users[username] = user
    return {"teams": teams, "users": users}


class Command(BaseCommand):
    help = "Create a demo organisation: teams, one user per role, and each app's demo data."

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            seed_core()
            for name, seeder in demo_seeders.items():
                seeder(stdout=self.stdout)
                self.stdout.write(f"seeded {name}")
        self.stdout.write(self.style.SUCCESS("Demo organisation ready. Log in with:"))
        for username, last, first, role, _teams, _lead in USERS:
            self.stdout.write(f"  {username:<9} / {DEMO_PASSWORD}   ({role}, {last} {first})")
