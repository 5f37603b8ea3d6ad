"""Writes to tools, checks, maintenance and runbooks get their own scope, ``operations:write``;
until now ``incidents:write`` covered them. Tokens that hold ``incidents:write`` are given
``operations:write`` too, so no program loses what it could do."""

from django.db import migrations


def split_scope(apps, schema_editor):
    ApiToken = apps.get_model("mops", "ApiToken")
    for token in ApiToken.objects.all():
        if "incidents:write" in token.scopes and "operations:write" not in token.scopes:
            token.scopes = [*token.scopes, "operations:write"]
            token.save(update_fields=["scopes"])


class Migration(migrations.Migration):
    dependencies = [("mops", "0002_roles_and_schedule")]

    operations = [migrations.RunPython(split_scope, migrations.RunPython.noop)]
