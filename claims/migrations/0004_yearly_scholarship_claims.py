"""R-JKM-4 claimed yearly: a scholarship claim kind on the worker's death claim, and per child the
school year, the declared marriage or work and the amount granted (what later years count)."""

from decimal import Decimal

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def fill_scholarships(apps, schema_editor):
    """Rows filed before: the school year of the filing date, the amount of their breakdown item."""
    from django.utils import timezone

    ScholarshipChild = apps.get_model("claims", "ScholarshipChild")
    rows = ScholarshipChild.objects.select_related("claim").order_by("claim_id", "pk")
    number_in_claim = {}
    for row in rows:
        claim = row.claim
        filed = timezone.localdate(claim.submitted_at or claim.created_at)
        row.school_year = filed.year if filed.month >= 7 else filed.year - 1
        number = number_in_claim[claim.pk] = number_in_claim.get(claim.pk, 0) + 1
        amounts = {item.get("code"): item.get("amount") for item in claim.benefit_breakdown or []}
        row.amount = Decimal(str(amounts.get(f"scholarship_{number}", "0")))
        row.save(update_fields=["school_year", "amount"])


class Migration(migrations.Migration):

    dependencies = [
        ('claims', '0003_paid_claim_immutable'),
        ('enrollment', '0006_income_basis_table'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='claim',
            name='claim_payee_by_kind',
        ),
        migrations.AddField(
            model_name='claim',
            name='death_claim',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='scholarship_claims', to='claims.claim', verbose_name='klaim kematian'),
        ),
        migrations.AddField(
            model_name='scholarshipchild',
            name='amount',
            field=models.DecimalField(blank=True, decimal_places=0, max_digits=15, null=True, verbose_name='beasiswa diberikan'),
        ),
        migrations.AddField(
            model_name='scholarshipchild',
            name='married',
            field=models.BooleanField(default=False, help_text='R-JKM-4: beasiswa berakhir.', verbose_name='anak sudah menikah'),
        ),
        migrations.AddField(
            model_name='scholarshipchild',
            name='school_year',
            field=models.PositiveSmallIntegerField(blank=True, help_text='Tahun pertama tahun ajaran (Juli–Juni), mis. 2026 untuk 2026/2027.', null=True, verbose_name='tahun ajaran'),
        ),
        migrations.AddField(
            model_name='scholarshipchild',
            name='working',
            field=models.BooleanField(default=False, help_text='R-JKM-4: beasiswa berakhir.', verbose_name='anak sudah bekerja'),
        ),
        migrations.AlterField(
            model_name='claim',
            name='kind',
            field=models.CharField(choices=[('jkm_death', 'JKM — meninggal dunia (bukan kecelakaan kerja)'), ('jkk_medical', 'JKK — perawatan dan pengobatan'), ('jkk_temporary', 'JKK — sementara tidak mampu bekerja (STMB)'), ('jkk_disability', 'JKK — cacat'), ('jkk_death', 'JKK — meninggal akibat kecelakaan kerja'), ('scholarship', 'Beasiswa anak (tahunan)')], max_length=20, verbose_name='jenis klaim'),
        ),
        migrations.AlterField(
            model_name='claimdocument',
            name='kind',
            field=models.CharField(choices=[('kpj_card', 'Kartu peserta (KPJ)'), ('ktp_worker', 'KTP pekerja'), ('ktp_claimant', 'KTP ahli waris/penerima'), ('family_card', 'Kartu Keluarga (KK)'), ('death_certificate', 'Akta/surat keterangan kematian'), ('heirship', 'Surat keterangan ahli waris'), ('marriage_book', 'Buku nikah'), ('bank_book', 'Buku tabungan penerima'), ('power_of_attorney', 'Surat kuasa'), ('funeral_statement', 'Surat keterangan pengurusan pemakaman'), ('accident_report_1', 'Laporan kecelakaan tahap I'), ('accident_report_2', 'Laporan kecelakaan tahap II'), ('doctor_statement', 'Surat keterangan dokter'), ('receipts', 'Kuitansi pengobatan dan angkutan'), ('school_certificate', 'Surat keterangan aktif sekolah/kuliah'), ('child_statement', 'Surat pernyataan anak belum menikah dan belum bekerja'), ('medical_record', 'Rekam medis'), ('other', 'Lainnya')], max_length=20, verbose_name='jenis dokumen'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(('kind__in', ['jkm_death', 'jkk_death']), models.Q(('arranger_name', ''), ('kind', 'scholarship')), models.Q(('arranger_name', ''), ('claimant__isnull', True)), _connector='OR'), name='claim_payee_by_kind', violation_error_message='Hanya klaim kematian dan beasiswa yang dibayarkan kepada ahli waris; manfaat JKK lain dibayarkan kepada pekerja.'),
        ),
        migrations.AddConstraint(
            model_name='claim',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('death_claim__isnull', False), ('kind', 'scholarship')), models.Q(models.Q(('kind', 'scholarship'), _negated=True), ('death_claim__isnull', True)), _connector='OR'), name='claim_scholarship_on_death_claim', violation_error_message='Klaim beasiswa tahunan harus merujuk klaim kematian pekerja.'),
        ),
        migrations.AddConstraint(
            model_name='scholarshipchild',
            constraint=models.CheckConstraint(condition=models.Q(('amount__isnull', True), ('amount__gte', 0), _connector='OR'), name='scholarship_amount_not_negative'),
        ),
        migrations.RunPython(fill_scholarships, migrations.RunPython.noop),
    ]
