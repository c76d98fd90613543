"""The dashboard's permission moves from core.ProgramRules to the dashboard's own (table-less)
model, with data: the permission row keeps its id and so every group that holds it (issue 12)."""

from django.db import migrations, models


def move_permission(apps, schema_editor, source=("core", "programrules"), target=("dashboard", "dashboard")):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    old = Permission.objects.filter(
        content_type__app_label=source[0], content_type__model=source[1], codename="view_dashboard"
    ).first()
    if old is None:
        return  # a fresh database: post_migrate creates the permission on the new model
    content_type, _created = ContentType.objects.get_or_create(app_label=target[0], model=target[1])
    Permission.objects.filter(content_type=content_type, codename="view_dashboard").exclude(pk=old.pk).delete()
    old.content_type = content_type
    old.save(update_fields=["content_type"])


def move_permission_back(apps, schema_editor):
    move_permission(apps, schema_editor, source=("dashboard", "dashboard"), target=("core", "programrules"))


class Migration(migrations.Migration):

    dependencies = [
        ("dashboard", "0001_summary_tables_and_triggers"),
        ("core", "0005_dashboard_permission_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name='Dashboard',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
            ],
            options={
                'verbose_name': 'dasbor cakupan',
                'verbose_name_plural': 'dasbor cakupan',
                'permissions': [('view_dashboard', 'Dapat melihat dasbor cakupan')],
                'managed': False,
                'default_permissions': (),
            },
        ),
        migrations.RunPython(move_permission, move_permission_back),
    ]
