from decimal import Decimal

from django import forms
from django.core.validators import MinValueValidator
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.models import ProgramRules
from core.money import format_rupiah
from core.uploads import UploadError, check_document

from .models import MIN_INCOME_BASIS, ContributionBill, FundingSource

MONTH_FORMATS = ["%Y-%m", "%m-%Y", "%m/%Y"]
PROOF_MAX_MEGABYTES = 5


class MonthInput(forms.DateInput):
    input_type = "month"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class MonthField(forms.DateField):
    widget = MonthInput

    def __init__(self, **kwargs):
        super().__init__(input_formats=MONTH_FORMATS, **kwargs)


class BillForm(forms.Form):
    first_month = MonthField(label=_("Bulan pertama"))
    last_month = MonthField(
        label=_("Bulan terakhir"), required=False,
        help_text=_("Kosongkan untuk tagihan satu bulan; isi untuk periode yang dibayar sekaligus (R-PAY-1)."),
    )


class BillChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, bill):
        return _("%(bill)s — sisa %(outstanding)s") % {"bill": bill, "outstanding": format_rupiah(bill.outstanding)}


class PaymentForm(forms.Form):
    paid_on = forms.DateField(label=_("Tanggal bayar"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(
        label=_("Jumlah (Rp)"), max_digits=15, decimal_places=0, validators=[MinValueValidator(Decimal("1"))]
    )
    reference = forms.CharField(label=_("Nomor referensi"), max_length=100,
                                help_text=_("Nomor SP2D atau bukti transfer; satu referensi hanya dicatat sekali."))
    bills = BillChoiceField(queryset=ContributionBill.objects.none(), label=_("Tagihan yang dibayar"),
                            widget=forms.CheckboxSelectMultiple)
    proof = forms.FileField(label=_("Bukti pembayaran"), help_text=_("PDF, JPG atau PNG, paling besar 5 MB."))
    note = forms.CharField(label=_("Catatan"), max_length=255, required=False)

    def __init__(self, *args, funding: FundingSource, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["bills"].queryset = (
            ContributionBill.objects.filter(funding_source=funding).with_paid()
            .filter(paid_amount__lt=F("total")).select_related("funding_source")
        )

    def clean_paid_on(self):
        paid_on = self.cleaned_data["paid_on"]
        if paid_on > timezone.localdate():
            raise forms.ValidationError(_("Tanggal bayar belum terjadi."))
        return paid_on

    def clean_proof(self):
        proof = self.cleaned_data["proof"]
        try:  # the one upload gate (core.uploads); record_payment checks again, whoever calls it
            check_document(proof, max_bytes=PROOF_MAX_MEGABYTES * 1024 * 1024)
        except UploadError as exc:
            raise forms.ValidationError(str(exc)) from None
        return proof


class InvoiceUploadForm(forms.Form):
    file = forms.FileField(label=_("Tagihan BPJS (.xlsx)"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = ProgramRules.current().import_max_megabytes
        if upload.size > limit * 1024 * 1024:
            raise forms.ValidationError(
                _("Berkas %(name)s lebih dari %(max)d MB.") % {"name": upload.name, "max": limit}
            )
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Berkas %(name)s bukan berkas Excel .xlsx.") % {"name": upload.name})
        return upload


class RenewalForm(forms.Form):
    """Next year's funding source; when a source with this code exists it is used as it is."""

    code = forms.CharField(label=_("Kode program baru"), max_length=40)
    name = forms.CharField(label=_("Nama"), max_length=120)
    fiscal_year = forms.IntegerField(label=_("Tahun anggaran"), min_value=2000, max_value=2100)
    period_start = forms.DateField(label=_("Awal periode"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_("Akhir periode"), widget=forms.DateInput(attrs={"type": "date"}))
    coverage_months = forms.IntegerField(label=_("Lama kepesertaan (bulan)"), min_value=1, max_value=60)
    income_basis = forms.DecimalField(
        label=_("Dasar penghasilan per bulan (Rp)"), max_digits=15, decimal_places=0,
        validators=[MinValueValidator(MIN_INCOME_BASIS, _("Dasar penghasilan minimal Rp1.000.000 (R-RATE-1)."))],
        help_text=_("Menentukan iuran JKK (1%); tarif JKK/JKM sendiri diatur di Administrasi › Tarif iuran."),
    )
    budget = forms.DecimalField(label=_("Anggaran (Rp)"), max_digits=15, decimal_places=0, min_value=0)
    quota = forms.IntegerField(label=_("Kuota pekerja"), min_value=1)

    def __init__(self, *args, source: FundingSource, **kwargs):
        super().__init__(*args, **kwargs)
        self.source = source
        self.existing = None

    def clean_code(self):
        return self.cleaned_data["code"].strip().upper()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        self.existing = FundingSource.objects.filter(code=data["code"]).first()
        if self.existing and self.existing.pk == self.source.pk:
            raise forms.ValidationError(_("Program tujuan harus berbeda dari program asal."))
        if self.existing is None:
            target = FundingSource(**self.target_values(data))
            try:
                target.full_clean()
            except forms.ValidationError as exc:
                for name, messages in exc.message_dict.items():
                    for message in messages:
                        self.add_error(name if name in self.fields else None, message)
        return data

    def target_values(self, data=None) -> dict:
        data = data or self.cleaned_data
        return {
            **{name: data[name] for name in self.fields},
            "kind": self.source.kind,
            "covers_jkk": self.source.covers_jkk,
            "covers_jkm": self.source.covers_jkm,
        }



class ReorderWaitingForm(forms.Form):
    """Move a waiting row (issue 14): before or after another row, with a reason for the audit."""

    target = forms.IntegerField(label=_("Baris tujuan"))
    place = forms.ChoiceField(label=_("Tempatkan"), choices=[("before", _("sebelum")), ("after", _("sesudah"))])
    reason = forms.CharField(label=_("Alasan"), max_length=500, error_messages={
        "required": _("Alasan perubahan urutan daftar tunggu wajib diisi.")})
