# The dashboard's permission moved to dashboard.Dashboard (dashboard/migrations/0001, issue 12).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0004_redundant_fk_indexes'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='programrules',
            options={'verbose_name': 'aturan program', 'verbose_name_plural': 'aturan program'},
        ),
    ]
