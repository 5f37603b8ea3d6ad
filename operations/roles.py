"""The operations part of the role matrix: ops staff manage, the other roles read.

Which objects a user may act on is decided by team object permissions (guardian); this is only
the model-permission half. Commenting on an incident is a service rule, not a model permission.
"""

MANAGED_MODELS = [
    "tool",
    "toolassignment",
    "integration",
    "check",
    "checkresult",
    "flip",
    "ping",
    "incident",
    "incidentevent",
    "postmortem",
    "postmortemaction",
    "severitypolicy",
    "escalationpolicy",
    "escalationstep",
    "notificationchannel",
    "notification",
    "runbook",
    "runbookversion",
    "runbookstep",
    "runbookexecution",
    "steprun",
    "maintenancewindow",
]

READ_MODELS = [
    "tool",
    "toolassignment",
    "integration",
    "check",
    "checkresult",
    "flip",
    "incident",
    "incidentevent",
    "postmortem",
    "postmortemaction",
    "runbook",
    "runbookversion",
    "runbookstep",
    "runbookexecution",
    "steprun",
    "maintenancewindow",
]

ROLE_PERMISSIONS = {
    "ops": [
        f"operations.{action}_{model}"
        for model in MANAGED_MODELS
        for action in ("view", "add", "change")
    ],
    "marketer": [f"operations.view_{model}" for model in READ_MODELS],
    "manager": [f"operations.view_{model}" for model in READ_MODELS],
}
