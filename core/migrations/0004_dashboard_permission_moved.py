# The dashboard's permission moved to dashboard.Dashboard (dashboard/migrations/0001, issue 12).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0003_audit_parent'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='programrules',
            options={'verbose_name': 'aturan program', 'verbose_name_plural': 'aturan program'},
        ),
    ]
