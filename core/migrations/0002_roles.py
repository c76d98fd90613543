"""The three roles as groups. Their permissions are added by core.roles.sync_roles after migrate,
once every app's permissions exist."""

from django.db import migrations


def create_groups(apps, schema_editor):
    from core.roles import create_groups

    create_groups(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_groups, migrations.RunPython.noop)]
