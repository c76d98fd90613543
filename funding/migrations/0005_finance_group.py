"""The regency's finance office as a group: it records the payments to BPJS (funding.record_payment).

Its permissions are added by core.roles.sync_roles after migrate, like the other roles'.
"""

from django.db import migrations

FINANCE = "Keuangan Daerah"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=FINANCE)


class Migration(migrations.Migration):
    dependencies = [
        ("funding", "0004_billing"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [migrations.RunPython(create_group, migrations.RunPython.noop)]
