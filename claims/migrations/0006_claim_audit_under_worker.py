"""Claims' audit rows written before issue 12 had no parent, so a worker's history missed their
claims: set the claim's worker as parent on those rows (new rows get it from claims/services.py)."""

from django.db import migrations


def audit_claims_under_worker(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    ContentType = apps.get_model("contenttypes", "ContentType")
    Claim = apps.get_model("claims", "Claim")
    claim_type = ContentType.objects.filter(app_label="claims", model="claim").first()
    worker_type = ContentType.objects.filter(app_label="enrollment", model="worker").first()
    if claim_type is None or worker_type is None:
        return  # a fresh database: no audit rows yet
    workers = dict(Claim.objects.values_list("pk", "worker_id"))
    orphans = AuditEvent.objects.filter(content_type=claim_type, parent_type__isnull=True)
    for object_id in orphans.values_list("object_id", flat=True).distinct():
        worker_id = workers.get(int(object_id)) if object_id.isdigit() else None
        if worker_id is not None:
            orphans.filter(object_id=object_id).update(parent_type=worker_type, parent_id=str(worker_id))


class Migration(migrations.Migration):
    dependencies = [
        ("claims", "0005_paid_scholarship_immutable"),
        ("core", "0003_audit_parent"),
        ("enrollment", "0001_initial"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(audit_claims_under_worker, migrations.RunPython.noop)]
