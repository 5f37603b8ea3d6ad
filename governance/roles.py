"""The governance part of the role matrix (used by its data migration and post_migrate sync).

Managers edit the governance objects of their teams; marketers and ops read them and may update
the actions they own (the owner gets a personal object permission on the action). Ops may also
raise feedback items (escalations to management) and update the ones they own.
"""

EDITABLE = [
    "vision",
    "strategy",
    "plan",
    "planbudget",
    "action",
    "kpiprofile",
    "kpitarget",
    "reviewmeeting",
    "reviewcadence",
    "agendaitem",
    "feedbackitem",
    "skill",
    "skillrating",
]
READABLE = ["vision", "strategy", "plan", "planbudget", "action", "kpiprofile", "kpitarget"]
READABLE += ["reviewmeeting", "agendaitem", "feedbackitem", "skill", "skillrating"]


def _perms(actions: list[str], models: list[str]) -> list[str]:
    return [f"governance.{action}_{model}" for model in models for action in actions]


ROLE_PERMISSIONS = {
    "manager": _perms(["view", "add", "change", "delete"], EDITABLE),
    "marketer": [*_perms(["view"], READABLE), "governance.change_action"],
    "ops": [
        *_perms(["view"], READABLE),
        "governance.change_action",
        "governance.add_feedbackitem",
        "governance.change_feedbackitem",
    ],
}
