"""Lamandau's 8 kecamatan and 88 desa/kelurahan (Kemendagri codes) and the occupation list."""

from django.db import migrations


def load(apps, schema_editor):
    from enrollment.reference import load_occupations, load_regions

    load_regions(apps)
    load_occupations(apps)


class Migration(migrations.Migration):
    dependencies = [("enrollment", "0002_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
