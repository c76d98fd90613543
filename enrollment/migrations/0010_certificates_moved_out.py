"""The certificate models moved to the certificates app (issue 12): removed from enrollment's
state only. Their tables stay as they are and belong to certificates.Certificate,
CertificateBatch and CertificateBatchItem now (``db_table``, certificates/migrations/0001)."""

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('enrollment', '0009_redundant_fk_indexes'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='certificatebatchitem',
                    name='certificate',
                ),
                migrations.RemoveField(
                    model_name='certificatebatch',
                    name='funding_source',
                ),
                migrations.RemoveField(
                    model_name='certificatebatch',
                    name='started_by',
                ),
                migrations.RemoveField(
                    model_name='certificatebatchitem',
                    name='batch',
                ),
                migrations.DeleteModel(
                    name='Certificate',
                ),
                migrations.DeleteModel(
                    name='CertificateBatch',
                ),
                migrations.DeleteModel(
                    name='CertificateBatchItem',
                ),
            ],
            database_operations=[],
        ),
    ]
