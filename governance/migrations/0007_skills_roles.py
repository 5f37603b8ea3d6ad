from django.db import migrations

from mops.roles import grant_role_permissions

# Frozen: the skills matrix permissions added to the role matrix with 0006.
ROLE_PERMISSIONS = {
    "manager": [
        f"governance.{action}_{model}"
        for model in ("skill", "skillrating")
        for action in ("view", "add", "change", "delete")
    ],
    "marketer": ["governance.view_skill", "governance.view_skillrating"],
    "ops": ["governance.view_skill", "governance.view_skillrating"],
}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("governance", "0006_skills")]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
