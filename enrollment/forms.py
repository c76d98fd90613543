from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from funding.models import FundingSource

from .models import Coverage, Desa, Submission, Worker
from .nik import clean_nik
from .services import EnrollmentError, occupations_error, plan_enrollment


class DesaChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name} — {obj.kecamatan.name}"


def nik_field(label, required=True):
    """A NIK/KK input that accepts what people type around the 16 digits (spaces, dots, dashes);
    the model validates the cleaned digits (R-NIK-1, R-NIK-4)."""
    return forms.CharField(label=label, max_length=32, required=required, help_text=_("16 angka sesuai KTP/KK."))


class WorkerForm(forms.ModelForm):
    nik = nik_field(_("NIK"))
    kk_number = nik_field(_("Nomor KK"), required=False)
    desa = DesaChoiceField(
        queryset=Desa.objects.select_related("kecamatan").order_by("kecamatan__code", "name"),
        label=_("Desa/kelurahan domisili"),
    )

    class Meta:
        model = Worker
        fields = [
            "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "desa",
            "occupations", "phone", "monthly_income", "died_on",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read per form, inside the request's area scope (core/areas.py): a village account chooses
        # among its own desa only. The class attribute's queryset was built once, without a scope.
        self.fields["desa"].queryset = Desa.objects.select_related("kecamatan").order_by("kecamatan__code", "name")

    def clean_nik(self):
        return clean_nik(self.cleaned_data.get("nik"))

    def clean_kk_number(self):
        return clean_nik(self.cleaned_data.get("kk_number"))

    def clean_occupations(self):
        occupations = self.cleaned_data.get("occupations")
        error = occupations_error(list(occupations or []))
        if error:
            raise forms.ValidationError(error)
        return occupations


class HeirForm(forms.ModelForm):
    nik = nik_field(_("NIK"), required=False)

    def clean_nik(self):
        return clean_nik(self.cleaned_data.get("nik"))


class EnrollForm(forms.Form):
    """Choose the program for the selected workers (admin action and worker page)."""

    funding_source = forms.ModelChoiceField(queryset=FundingSource.objects.all(), label=_("Sumber dana"))
    start_date = forms.DateField(label=_("Tanggal mulai"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.workers = list(workers)
        self.problems = []

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            plan_enrollment(funding=data["funding_source"], workers=self.workers, start=data["start_date"])
        except EnrollmentError as exc:
            self.problems = exc.problems
            raise forms.ValidationError(_("Pendaftaran tidak dapat dilakukan; lihat daftar masalah."))
        return data


class CoverageAddForm(forms.ModelForm):
    """Enrol one worker: the rules are explained here; the service re-checks them under lock."""

    class Meta:
        model = Coverage
        fields = ["worker", "funding_source", "start_date", "jkk", "jkm"]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        programs = [p for p, on in (("JKK", data.get("jkk")), ("JKM", data.get("jkm"))) if on]
        if not programs:
            raise forms.ValidationError(_("Pilih paling sedikit satu program (JKK atau JKM)."))
        try:
            plan_enrollment(
                funding=data["funding_source"], workers=[data["worker"]], start=data["start_date"], programs=programs
            )
        except EnrollmentError as exc:
            raise forms.ValidationError(exc.messages)
        return data


class ActivateForm(forms.Form):
    kpj_number = forms.CharField(label=_("Nomor KPJ"), max_length=20)
    registered_on = forms.DateField(
        label=_("Tanggal terdaftar di BPJS"), initial=timezone.localdate, widget=forms.DateInput(attrs={"type": "date"})
    )


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Alasan pembatalan"), max_length=255)


# --- Village submissions (issue 14) ------------------------------------------------------------


class SubmitForm(forms.Form):
    """An Operator Desa chooses the running program the selected workers are proposed for."""

    funding_source = forms.ModelChoiceField(queryset=FundingSource.objects.none(), label=_("Program"),
                                            help_text=_("Program yang sedang berjalan."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["funding_source"].queryset = FundingSource.objects.filter(period_end__gte=timezone.localdate())


class RejectForm(forms.Form):
    """The district's reason for rejecting village submissions."""

    reason = forms.ChoiceField(label=_("Alasan penolakan"), choices=Submission.Reason.choices)
    note = forms.CharField(label=_("Catatan untuk desa"), required=False, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Wajib diisi bila alasan \"Lainnya\"."))

    def clean(self):
        data = super().clean()
        if data.get("reason") == Submission.Reason.OTHER and not (data.get("note") or "").strip():
            self.add_error("note", _("Alasan \"Lainnya\" wajib disertai catatan."))
        return data


class CheckForm(forms.Form):
    note = forms.CharField(label=_("Catatan pemeriksaan"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
