from django.db import migrations

from mops.roles import grant_role_permissions

# Frozen: the feedback item permissions added to the role matrix with 0004.
ROLE_PERMISSIONS = {
    "manager": [
        "governance.view_feedbackitem",
        "governance.add_feedbackitem",
        "governance.change_feedbackitem",
        "governance.delete_feedbackitem",
    ],
    "marketer": ["governance.view_feedbackitem"],
    "ops": [
        "governance.view_feedbackitem",
        "governance.add_feedbackitem",
        "governance.change_feedbackitem",
    ],
}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("governance", "0004_feedback")]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
