from django.db import migrations

from mops.roles import grant_role_permissions

# Frozen copy of governance.roles.ROLE_PERMISSIONS as of this migration.
ROLE_PERMISSIONS = {'manager': ['governance.view_vision',
             'governance.add_vision',
             'governance.change_vision',
             'governance.delete_vision',
             'governance.view_strategy',
             'governance.add_strategy',
             'governance.change_strategy',
             'governance.delete_strategy',
             'governance.view_plan',
             'governance.add_plan',
             'governance.change_plan',
             'governance.delete_plan',
             'governance.view_planbudget',
             'governance.add_planbudget',
             'governance.change_planbudget',
             'governance.delete_planbudget',
             'governance.view_action',
             'governance.add_action',
             'governance.change_action',
             'governance.delete_action',
             'governance.view_kpiprofile',
             'governance.add_kpiprofile',
             'governance.change_kpiprofile',
             'governance.delete_kpiprofile',
             'governance.view_kpitarget',
             'governance.add_kpitarget',
             'governance.change_kpitarget',
             'governance.delete_kpitarget',
             'governance.view_reviewmeeting',
             'governance.add_reviewmeeting',
             'governance.change_reviewmeeting',
             'governance.delete_reviewmeeting',
             'governance.view_reviewcadence',
             'governance.add_reviewcadence',
             'governance.change_reviewcadence',
             'governance.delete_reviewcadence',
             'governance.view_agendaitem',
             'governance.add_agendaitem',
             'governance.change_agendaitem',
             'governance.delete_agendaitem'],
 'marketer': ['governance.view_vision',
              'governance.view_strategy',
              'governance.view_plan',
              'governance.view_planbudget',
              'governance.view_action',
              'governance.view_kpiprofile',
              'governance.view_kpitarget',
              'governance.view_reviewmeeting',
              'governance.view_agendaitem',
              'governance.change_action'],
 'ops': ['governance.view_vision',
         'governance.view_strategy',
         'governance.view_plan',
         'governance.view_planbudget',
         'governance.view_action',
         'governance.view_kpiprofile',
         'governance.view_kpitarget',
         'governance.view_reviewmeeting',
         'governance.view_agendaitem',
         'governance.change_action']}


def roles(apps, schema_editor):
    grant_role_permissions(apps, schema_editor, ROLE_PERMISSIONS)


class Migration(migrations.Migration):
    dependencies = [("governance", "0002_vision_actions_kpis_reviews")]

    operations = [migrations.RunPython(roles, migrations.RunPython.noop)]
