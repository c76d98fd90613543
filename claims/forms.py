from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enrollment.models import Coverage, Heir
from enrollment.nik import clean_nik, validate_nik

from .benefits import school_year_label, school_year_of
from .models import Claim, ClaimDocument, ScholarshipChild
from .services import ChildRequest

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class WorkerLookupForm(forms.Form):
    nik = forms.CharField(label=_("NIK pekerja"), max_length=30, help_text=_("16 angka sesuai KTP."))

    def clean_nik(self):
        return clean_nik(self.cleaned_data["nik"])


class CoverageChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return _("%(funding)s · %(programs)s · %(start)s s.d. %(end)s · %(status)s · KPJ %(kpj)s") % {
            "funding": obj.funding_source.name, "programs": "+".join(obj.programs),
            "start": f"{obj.start_date:%d-%m-%Y}", "end": f"{obj.end_date:%d-%m-%Y}",
            "status": obj.get_status_display(), "kpj": obj.kpj_number or "—",
        }


class ClaimForm(forms.ModelForm):
    """A new claim for one worker; the rules are checked by claims.services.submit_claim."""

    coverage = CoverageChoiceField(queryset=Coverage.objects.none(), label=_("Kepesertaan"))
    child_1 = forms.ModelChoiceField(queryset=Heir.objects.none(), required=False, label=_("Anak penerima beasiswa 1"))
    level_1 = forms.ChoiceField(choices=[("", "—"), *ScholarshipChild.Level.choices], required=False, label=_("Jenjang anak 1"))
    married_1 = forms.BooleanField(required=False, label=_("Anak 1 sudah menikah"))
    working_1 = forms.BooleanField(required=False, label=_("Anak 1 sudah bekerja"))
    child_2 = forms.ModelChoiceField(queryset=Heir.objects.none(), required=False, label=_("Anak penerima beasiswa 2"))
    level_2 = forms.ChoiceField(choices=[("", "—"), *ScholarshipChild.Level.choices], required=False, label=_("Jenjang anak 2"))
    married_2 = forms.BooleanField(required=False, label=_("Anak 2 sudah menikah"))
    working_2 = forms.BooleanField(required=False, label=_("Anak 2 sudah bekerja"))

    class Meta:
        model = Claim
        fields = [
            "coverage", "kind", "event_date", "event_place", "description",
            "claimant", "filed_by_proxy", "arranger_name", "arranger_nik",
            "bank_name", "bank_account_number", "bank_account_holder",
            "hospital_bill", "home_care_cost", "transport_mode", "transport_cost",
            "incapacity_months", "disability_type", "disability_percent", "function_loss_percent",
        ]
        widgets = {"event_date": DATE, "description": forms.Textarea(attrs={"rows": 3})}
        help_texts = {
            "bank_name": _("Untuk ahli waris, rekening diambil dari data ahli waris. Isi hanya untuk pekerja (JKK) "
                           "atau yang mengurus pemakaman."),
        }

    GROUPS = {
        "event": ["coverage", "kind", "event_date", "event_place", "description"],
        "payee": ["claimant", "filed_by_proxy", "arranger_name", "arranger_nik", "bank_name", "bank_account_number",
                  "bank_account_holder"],
        "jkk": ["hospital_bill", "home_care_cost", "transport_mode", "transport_cost", "incapacity_months",
                "disability_type", "disability_percent", "function_loss_percent"],
        "scholarship": ["child_1", "level_1", "married_1", "working_1", "child_2", "level_2", "married_2", "working_2"],
    }

    def __init__(self, *args, worker, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker = worker
        self.instance.worker = worker
        self.fields["coverage"].queryset = (
            Coverage.objects.filter(worker=worker).exclude(status=Coverage.Status.CANCELLED).select_related("funding_source")
        )
        # Yearly scholarships have their own form (ScholarshipClaimForm).
        self.fields["kind"].choices = [(k, label) for k, label in self.fields["kind"].choices if k != Claim.Kind.SCHOLARSHIP]
        self.fields["claimant"].queryset = worker.heirs.all()
        self.fields["claimant"].required = False
        children = worker.heirs.filter(relationship=Heir.Relationship.CHILD)
        self.fields["child_1"].queryset = children
        self.fields["child_2"].queryset = children

    @property
    def groups(self):
        return {name: [self[field] for field in fields] for name, fields in self.GROUPS.items()}

    def clean_event_date(self):
        day = self.cleaned_data["event_date"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(_("Tanggal kejadian belum terjadi."))
        return day

    def clean_arranger_nik(self):
        nik = clean_nik(self.cleaned_data.get("arranger_nik"))
        if nik:
            validate_nik(nik)
        return nik

    def clean_bank_account_number(self):
        return "".join(ch for ch in self.cleaned_data.get("bank_account_number") or "" if ch.isdigit())

    def clean(self):
        cleaned = super().clean()
        kind = cleaned.get("kind")
        if kind and kind not in Claim.DEATH_KINDS:
            if cleaned.get("claimant"):
                self.add_error("claimant", _("Manfaat JKK ini dibayarkan kepada pekerja; kosongkan ahli waris."))
            if cleaned.get("arranger_name"):
                self.add_error("arranger_name", _("Hanya untuk klaim kematian tanpa ahli waris."))
        for number in (1, 2):
            child, level = cleaned.get(f"child_{number}"), cleaned.get(f"level_{number}")
            if child and not level:
                self.add_error(f"level_{number}", _("Pilih jenjang pendidikan anak."))
            if level and not child:
                self.add_error(f"child_{number}", _("Pilih anak penerima beasiswa."))
        return cleaned

    def children(self) -> list[ChildRequest]:
        return [
            ChildRequest(self.cleaned_data[f"child_{n}"], self.cleaned_data[f"level_{n}"],
                         married=self.cleaned_data.get(f"married_{n}", False),
                         working=self.cleaned_data.get(f"working_{n}", False))
            for n in (1, 2)
            if self.cleaned_data.get(f"child_{n}")
        ]


class DeathClaimChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.number} · {obj.get_kind_display()} · {obj.event_date:%d-%m-%Y} · {obj.get_status_display()}"


class ScholarshipClaimForm(forms.ModelForm):
    """A yearly scholarship claim (R-JKM-4) for one child of a deceased worker; the rules are
    checked by claims.services.submit_claim."""

    # How many past school years may still be claimed, besides the current one.
    PAST_YEARS = 4

    death_claim = DeathClaimChoiceField(queryset=Claim.objects.none(), label=_("Klaim kematian"))
    child = forms.ModelChoiceField(queryset=Heir.objects.none(), label=_("Anak penerima beasiswa"))
    level = forms.ChoiceField(choices=ScholarshipChild.Level.choices, label=_("Jenjang pendidikan"))
    school_year = forms.TypedChoiceField(coerce=int, label=_("Tahun ajaran"))
    married = forms.BooleanField(required=False, label=_("Anak sudah menikah"),
                                 help_text=_("Beasiswa berakhir bila anak menikah, bekerja atau berusia 23 tahun (R-JKM-4)."))
    working = forms.BooleanField(required=False, label=_("Anak sudah bekerja"))

    class Meta:
        model = Claim
        fields = ["death_claim", "claimant", "filed_by_proxy", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
        labels = {"claimant": _("Penerima (anak, atau orang tua/wali dari ahli waris)"), "description": _("Catatan")}

    def __init__(self, *args, worker, **kwargs):
        super().__init__(*args, **kwargs)
        self.worker = worker
        self.instance.worker = worker
        self.instance.kind = Claim.Kind.SCHOLARSHIP
        self.fields["death_claim"].queryset = Claim.objects.filter(
            worker=worker, kind__in=Claim.DEATH_KINDS, status__in=[Claim.Status.APPROVED, Claim.Status.PAID]
        )
        self.fields["claimant"].queryset = worker.heirs.all()
        self.fields["claimant"].required = True
        self.fields["child"].queryset = worker.heirs.filter(relationship=Heir.Relationship.CHILD)
        current = school_year_of(timezone.localdate())
        self.fields["school_year"].choices = [
            (year, school_year_label(year)) for year in range(current, current - self.PAST_YEARS - 1, -1)
        ]
        self.fields["school_year"].initial = current

    def children(self) -> list[ChildRequest]:
        data = self.cleaned_data
        return [ChildRequest(data["child"], data["level"], married=data["married"], working=data["working"],
                             school_year=data["school_year"])]


class DocumentForm(forms.Form):
    kind = forms.ChoiceField(choices=ClaimDocument.Kind.choices, label=_("Jenis dokumen"))
    file = forms.FileField(
        label=_("Berkas"), help_text=_("PDF, JPEG atau PNG, paling besar 5 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(label=_("Alasan penolakan"), widget=forms.Textarea(attrs={"rows": 2}))


class PayForm(forms.Form):
    paid_on = forms.DateField(label=_("Tanggal transfer"), widget=DATE)
    amount = forms.DecimalField(label=_("Jumlah ditransfer (Rp)"), max_digits=15, decimal_places=0, min_value=1)
    reference = forms.CharField(label=_("Referensi bank"), max_length=100)
