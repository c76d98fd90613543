"""JKK 1% and JKM Rp6.800 (PP 44/2015), and PP 50/2025's temporary BPU discount."""

from django.db import migrations


def load(apps, schema_editor):
    from funding.reference import load_rates

    load_rates(apps)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
