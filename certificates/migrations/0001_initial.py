"""The certificate models, moved from enrollment with their tables (issue 12).

The tables, constraints and indexes already exist (enrollment 0004 and 0008): the models enter
this app's state only. Their content types move to the new app label with their permissions, so
the groups keep render/download/view rights (core.roles.sync_roles names them certificates.*).
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


MODELS = ["certificate", "certificatebatch", "certificatebatchitem"]


def _move(apps, source, target):
    """Give the models' content types (and so their permissions and the groups holding them) the
    ``target`` app label. A fresh database has none yet: post_migrate creates them afterwards."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    for model in MODELS:
        old = ContentType.objects.filter(app_label=source, model=model).first()
        if old is None:
            continue
        new = ContentType.objects.filter(app_label=target, model=model).first()
        if new is None:
            old.app_label = target
            old.save(update_fields=["app_label"])
            continue
        # Both exist (post_migrate ran in between): keep the old rows, which the groups hold.
        Permission.objects.filter(content_type=new).delete()
        new.delete()
        old.app_label = target
        old.save(update_fields=["app_label"])


def move_content_types(apps, schema_editor):
    _move(apps, "enrollment", "certificates")


def move_content_types_back(apps, schema_editor):
    _move(apps, "certificates", "enrollment")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('claims', '0005_paid_scholarship_immutable'),
        ('enrollment', '0010_certificates_moved_out'),
        ('funding', '0008_invoice_comparison_queued_work'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Certificate',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True, verbose_name='dikirim ke antrean')),
                        ('enqueue_failed_at', models.DateTimeField(blank=True, null=True, verbose_name='gagal masuk antrean')),
                        ('enqueue_error', models.CharField(blank=True, max_length=300, verbose_name='kesalahan antrean')),
                        ('kind', models.CharField(choices=[('participation', 'Sertifikat kepesertaan'), ('handover', 'Berita acara serah terima'), ('benefit', 'Sertifikat serah terima manfaat')], max_length=20, verbose_name='jenis dokumen')),
                        ('code', models.CharField(editable=False, max_length=32, verbose_name='kode verifikasi')),
                        ('status', models.CharField(choices=[('pending', 'Menunggu dibuat'), ('ready', 'Siap'), ('failed', 'Gagal')], default='pending', max_length=10, verbose_name='status')),
                        ('file', models.FileField(blank=True, max_length=200, upload_to='certificates/', verbose_name='berkas PDF')),
                        ('checksum', models.CharField(blank=True, max_length=64, verbose_name='SHA-256 berkas')),
                        ('data_version', models.CharField(blank=True, max_length=64, verbose_name='versi data')),
                        ('pages', models.PositiveIntegerField(default=0, verbose_name='halaman')),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='percobaan')),
                        ('error', models.TextField(blank=True, verbose_name='alasan gagal')),
                        ('rendered_at', models.DateTimeField(blank=True, null=True, verbose_name='dibuat pada')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='dicatat')),
                        ('updated_at', models.DateTimeField(auto_now=True, verbose_name='diubah')),
                        ('claim', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='certificates', to='claims.claim', verbose_name='klaim')),
                        ('coverage', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='certificates', to='enrollment.coverage', verbose_name='kepesertaan')),
                        ('funding_source', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='certificates', to='funding.fundingsource', verbose_name='sumber dana')),
                    ],
                    options={
                        'verbose_name': 'dokumen sertifikat',
                        'verbose_name_plural': 'dokumen sertifikat',
                        'db_table': 'enrollment_certificate',
                        'ordering': ['-updated_at', '-pk'],
                        'permissions': [('render_certificate', 'Dapat membuat dan membuat ulang dokumen sertifikat'), ('download_certificate', 'Dapat mengunduh dokumen sertifikat')],
                    },
                ),
                migrations.CreateModel(
                    name='CertificateBatch',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('enqueued_at', models.DateTimeField(blank=True, null=True, verbose_name='dikirim ke antrean')),
                        ('enqueue_failed_at', models.DateTimeField(blank=True, null=True, verbose_name='gagal masuk antrean')),
                        ('enqueue_error', models.CharField(blank=True, max_length=300, verbose_name='kesalahan antrean')),
                        ('status', models.CharField(choices=[('running', 'Sedang dibuat'), ('assembling', 'Menggabungkan berkas'), ('done', 'Selesai')], default='running', max_length=12, verbose_name='status')),
                        ('total', models.PositiveIntegerField(default=0, verbose_name='jumlah dokumen')),
                        ('merged_file', models.FileField(blank=True, max_length=200, upload_to='certificate-batches/', verbose_name='PDF gabungan')),
                        ('zip_file', models.FileField(blank=True, max_length=200, upload_to='certificate-batches/', verbose_name='ZIP')),
                        ('assembling_at', models.DateTimeField(blank=True, null=True, verbose_name='mulai digabungkan')),
                        ('created_at', models.DateTimeField(auto_now_add=True, verbose_name='dimulai pada')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='selesai pada')),
                        ('funding_source', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='certificate_batches', to='funding.fundingsource', verbose_name='sumber dana')),
                        ('started_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='dimulai oleh')),
                    ],
                    options={
                        'verbose_name': 'batch sertifikat',
                        'verbose_name_plural': 'batch sertifikat',
                        'db_table': 'enrollment_certificatebatch',
                        'ordering': ['-created_at', '-pk'],
                    },
                ),
                migrations.CreateModel(
                    name='CertificateBatchItem',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveIntegerField(verbose_name='urutan')),
                        ('state', models.CharField(choices=[('pending', 'Menunggu'), ('claimed', 'Sedang dibuat'), ('done', 'Selesai'), ('failed', 'Gagal')], default='pending', max_length=10, verbose_name='keadaan')),
                        ('claim_token', models.CharField(blank=True, max_length=32)),
                        ('claimed_at', models.DateTimeField(blank=True, null=True)),
                        ('attempts', models.PositiveIntegerField(default=0, verbose_name='percobaan')),
                        ('error', models.TextField(blank=True, verbose_name='alasan gagal')),
                        ('batch', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='items', to='certificates.certificatebatch', verbose_name='batch')),
                        ('certificate', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='certificates.certificate', verbose_name='dokumen')),
                    ],
                    options={
                        'verbose_name': 'dokumen dalam batch',
                        'verbose_name_plural': 'dokumen dalam batch',
                        'db_table': 'enrollment_certificatebatchitem',
                        'ordering': ['batch', 'position'],
                    },
                ),
                migrations.AddConstraint(
                    model_name='certificate',
                    constraint=models.UniqueConstraint(fields=('code',), name='certificate_code_unique'),
                ),
                migrations.AddConstraint(
                    model_name='certificate',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'participation')), fields=('coverage',), name='certificate_one_per_coverage'),
                ),
                migrations.AddConstraint(
                    model_name='certificate',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'handover')), fields=('funding_source',), name='certificate_one_per_funding'),
                ),
                migrations.AddConstraint(
                    model_name='certificate',
                    constraint=models.UniqueConstraint(condition=models.Q(('kind', 'benefit')), fields=('claim',), name='certificate_one_per_claim'),
                ),
                migrations.AddConstraint(
                    model_name='certificate',
                    constraint=models.CheckConstraint(condition=models.Q(models.Q(('claim__isnull', True), ('coverage__isnull', False), ('funding_source__isnull', True), ('kind', 'participation')), models.Q(('claim__isnull', True), ('coverage__isnull', True), ('funding_source__isnull', False), ('kind', 'handover')), models.Q(('claim__isnull', False), ('coverage__isnull', True), ('funding_source__isnull', True), ('kind', 'benefit')), _connector='OR'), name='certificate_subject_matches_kind'),
                ),
                migrations.AddConstraint(
                    model_name='certificatebatch',
                    constraint=models.UniqueConstraint(condition=models.Q(('status', 'done'), _negated=True), fields=('funding_source',), name='certificate_batch_one_open_per_funding'),
                ),
                migrations.AddIndex(
                    model_name='certificatebatchitem',
                    index=models.Index(fields=['batch', 'state', 'position'], name='certificate_batch_state_idx'),
                ),
                migrations.AddConstraint(
                    model_name='certificatebatchitem',
                    constraint=models.UniqueConstraint(fields=('batch', 'certificate'), name='certificate_batch_item_unique'),
                ),
                migrations.AddConstraint(
                    model_name='certificatebatchitem',
                    constraint=models.UniqueConstraint(fields=('batch', 'position'), name='certificate_batch_position_unique'),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
