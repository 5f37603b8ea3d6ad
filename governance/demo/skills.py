"""Demo skills matrices: marketing-ops depends on one person for Marketo and GTM (the same 属人化
story as the tool inventory); digital-marketing shares its ad-platform skills."""

from __future__ import annotations

from typing import Any

from mops.models import Team
from operations.models import Tool

from ..models import Skill
from ..services.skills import create_skill, rate_member

# team slug -> [(skill, tool name or "", {username: level})]
SKILLS: dict[str, list[tuple[str, str, dict[str, int]]]] = {
    "marketing-ops": [
        ("Salesforce の管理", "Salesforce", {"ops": 4, "manager": 3}),
        ("Marketo のシナリオ設計", "Marketo", {"ops": 3, "manager": 1}),
        ("GTM のタグ設定", "GTM", {"ops": 3, "manager": 0}),
        ("BigQuery のデータ連携監視", "BigQuery", {"ops": 3, "manager": 3}),
    ],
    "digital-marketing": [
        ("Google 広告の入札調整", "Google Ads", {"marketer": 4, "manager": 3}),
        ("Yahoo!広告の運用", "Yahoo!広告", {"marketer": 3, "manager": 3}),
        ("週次レポートの作成", "", {"marketer": 3, "manager": 2}),
    ],
}


def _skills(users: dict[str, Any], teams: dict[str, Team]) -> int:
    """Create the skills that are missing and rate the demo members; returns skills created."""
    created = 0
    for slug, skills in SKILLS.items():
        team = teams[slug]
        for name, tool_name, levels in skills:
            skill = Skill.objects.filter(team=team, name=name).first()
            if skill is None:
                tool = Tool.objects.filter(name=tool_name).first() if tool_name else None
                skill = create_skill(team=team, name=name, tool=tool)
                created += 1
                for username, level in levels.items():
                    if username in users:
                        rate_member(member=users[username], levels={skill: level}, by=None)
    return created
