"""Benefit amounts of JKM and JKK (../shared/domain.md R-JKM-1..5, R-JKK-1..6, R-SLA-1), as pure functions.

PP 44/2015 as amended by PP 82/2019. Every amount is a Decimal in whole rupiah; each item is rounded
once by ``core.money.rupiah`` and the total is the sum of the rounded items, so an itemised breakdown
always adds up to the amount paid. Nothing here reads the database: the callers
(claims/services.py) collect the facts (income basis, membership months, children) and pass them in.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import ZERO, format_rupiah, rupiah
from funding.calendar import add_working_days

# --- The regulation's numbers ---------------------------------------------------------------

# R-JKM-1: death not caused by work (PP 82/2019).
JKM_LUMP_SUM = Decimal("20000000")
PERIODIC_MONTHS = 24
PERIODIC_MONTHLY = Decimal("500000")
PERIODIC_BENEFIT = PERIODIC_MONTHS * PERIODIC_MONTHLY  # Rp12.000.000, paid at once
FUNERAL = Decimal("10000000")

# R-JKM-4: scholarship per child per year, by level, and the number of years each level is paid.
SCHOLARSHIP_MAX_CHILDREN = 2
SCHOLARSHIP_MIN_CONTRIBUTION_MONTHS = 36  # JKM only; R-JKK-5 has no minimum
SCHOLARSHIP_AGE_LIMIT = 23
SCHOLARSHIP_TABLE = {
    # level: (amount per year, maximum years)
    "tk": (Decimal("1500000"), 2),
    "sd": (Decimal("1500000"), 6),
    "smp": (Decimal("2000000"), 3),
    "sma": (Decimal("3000000"), 3),
    "higher": (Decimal("12000000"), 5),
}
SCHOLARSHIP_LEVEL_LABELS = {
    "tk": "TK", "sd": "SD", "smp": "SMP", "sma": "SMA", "higher": gettext_lazy("Perguruan tinggi/pelatihan"),
}
# Rp87.000.000: the whole table, TK to higher education.
SCHOLARSHIP_MAX_PER_CHILD = sum((amount * years for amount, years in SCHOLARSHIP_TABLE.values()), ZERO)

# R-JKK-1: home care at most Rp20.000.000 within one year; hospital care has no ceiling.
HOME_CARE_CAP = Decimal("20000000")
# R-JKK-2: transport caps by mode.
TRANSPORT_CAPS = {"land": Decimal("5000000"), "sea": Decimal("2000000"), "air": Decimal("10000000")}
TRANSPORT_LABELS = {"land": "darat/sungai/danau", "sea": "laut", "air": "udara"}
# R-JKK-3: STMB, 100% of the basis for months 1-12, 50% from month 13.
STMB_FULL_MONTHS = 12
STMB_LATER_RATE = Decimal("0.5")
# R-JKK-4: permanent disability.
TOTAL_DISABILITY_MONTHS = 56
PARTIAL_DISABILITY_MONTHS = 80
# R-JKK-5: death from a work accident.
JKK_DEATH_MONTHS = 48
JKK_DEATH_MINIMUM = Decimal("20000000")
# R-JKK-6: a JKK claim expires 5 years after the accident; R-JKM-5: JKM never expires.
JKK_EXPIRY_YEARS = 5
# R-SLA-1: working days BPJS has to pay after complete documents, and the lateness surcharge.
SLA_WORKING_DAYS = {"JKM": 3, "JKK": 7}
LATE_RATE_PER_DAY = Decimal("0.01")

HUNDRED = Decimal("100")

# Where a fact comes from (claim page, "Sumber").
SOURCE_FORM = gettext_lazy("Formulir klaim")
SOURCE_COVERAGE = gettext_lazy("Kepesertaan yang diklaim")
SOURCE_HISTORY = gettext_lazy("Riwayat kepesertaan NIK")
SOURCE_RULES = gettext_lazy("Aturan program")
SOURCE_CONTRIBUTIONS = gettext_lazy("Tagihan dan pembayaran iuran")
SOURCE_OTHER_CLAIMS = gettext_lazy("Klaim lain kecelakaan yang sama")
SOURCE_EARLIER = gettext_lazy("Beasiswa yang sudah diterima anak")
SOURCE_HEIRS = gettext_lazy("Data ahli waris")


# --- Result types ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    code: str
    label: str
    amount: Decimal

    def as_json(self) -> dict:
        return {"code": self.code, "label": self.label, "amount": str(self.amount)}


@dataclass(frozen=True)
class Fact:
    """An input the benefit depends on, as the claim page shows it: what, the value, where it comes
    from and the rule that uses it (issue 15: facts before verdicts)."""

    code: str
    label: str
    value: str
    source: str
    rule: str


@dataclass(frozen=True)
class Claimed:
    """An amount claimed next to its cap and the amount granted (``cap`` None: no ceiling)."""

    code: str
    label: str
    claimed: Decimal | None
    cap: Decimal | None
    granted: Decimal
    rule: str
    cap_note: str = ""

    @property
    def capped(self) -> bool:
        return self.claimed is not None and self.granted < self.claimed


@dataclass(frozen=True)
class MembershipPeriod:
    """One registered JKM coverage of the NIK, and whether it belongs to the unbroken membership
    that includes the event (R-JKM-3)."""

    start: datetime.date
    end: datetime.date
    label: str
    in_chain: bool


@dataclass(frozen=True)
class Membership:
    """R-JKM-3: the NIK's coverages up to the event, where the unbroken chain starts and how many
    whole months of membership lie before the event."""

    periods: tuple
    start: datetime.date | None
    day: datetime.date

    @property
    def months(self) -> int | None:
        if self.start is None:
            return None
        delta = relativedelta(self.day, self.start)
        return delta.years * 12 + delta.months


@dataclass
class Benefit:
    """An itemised benefit; ``notes`` explain what was left out and why (shown on the claim page).

    ``facts`` (Fact) and ``claimed`` (Claimed) are the inputs and caps the amounts were computed
    from, added by the same functions; ``membership`` is R-JKM-3's chain for a death (JKM).
    """

    items: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    facts: list = field(default_factory=list)
    claimed: list = field(default_factory=list)
    membership: Membership | None = None

    def add(self, code: str, label: str, amount) -> None:
        self.items.append(Item(code, label, rupiah(amount)))

    def fact(self, code: str, label: str, value, source: str, rule: str) -> None:
        self.facts.append(Fact(code, str(label), str(value), str(source), rule))

    def claim(self, code: str, label: str, claimed, cap, granted, rule: str, cap_note: str = "") -> None:
        self.claimed.append(Claimed(code, str(label), None if claimed is None else rupiah(claimed),
                                    None if cap is None else rupiah(cap), rupiah(granted), rule, str(cap_note)))

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), ZERO)

    def as_breakdown(self) -> list[dict]:
        """The stored form (Claim.benefit_breakdown): amounts as whole-rupiah strings."""
        return [item.as_json() for item in self.items]


@dataclass(frozen=True)
class ScholarshipRequest:
    """One child asking for one school year's scholarship (R-JKM-4), with what the child already received.

    ``years_received_at_level`` and ``received_total`` come from the child's earlier approved or paid
    scholarships (claims/services.py); ``married`` and ``working`` are declared on the claim.
    """

    name: str
    age: int
    level: str
    years_received_at_level: int = 0
    received_total: Decimal = ZERO
    married: bool = False
    working: bool = False
    school_year: int | None = None


class BenefitError(ValueError):
    """The facts given cannot produce a benefit (missing or impossible input); Indonesian message."""


# --- Membership (R-JKM-3) -------------------------------------------------------------------


def membership(periods, day: datetime.date) -> Membership:
    """R-JKM-3: the NIK's coverages up to ``day`` and the first day of the unbroken membership
    that includes it.

    ``periods`` are the (start, end) or (start, end, label) of the NIK's registered JKM coverages.
    A coverage that starts at most one day after the previous one ended (a renewal) continues the
    membership; a gap of a day or more ends it, and the next coverage starts a new membership (the
    worker was not a member during the gap, so the first months are counted again). The start is
    None when ``day`` lies in no period.
    """
    start = end = None
    listed, chain = [], []
    for period in sorted(tuple(p) + ("",) * (3 - len(p)) for p in periods):
        period_start, period_end = period[0], period[1]
        if period_start > day:
            break
        if end is None or period_start > end + datetime.timedelta(days=1):
            start, chain = period_start, []  # the first coverage, or the first after a gap
        chain.append(len(listed))
        listed.append(period)
        end = period_end if end is None else max(end, period_end)
    if start is None or day > end:
        start, chain = None, []
    return Membership(
        periods=tuple(MembershipPeriod(p[0], p[1], str(p[2]), index in chain) for index, p in enumerate(listed)),
        start=start, day=day,
    )


def membership_start(periods, day: datetime.date) -> datetime.date | None:
    """R-JKM-3: the first day of the unbroken membership that includes ``day`` (see ``membership``)."""
    return membership(periods, day).start


def _date(day: datetime.date) -> str:
    return day.strftime("%d-%m-%Y")


def is_early_death(*, membership_start: datetime.date, death_date: datetime.date, early_months: int) -> bool:
    """R-JKM-3: the death falls within the first ``early_months`` months of membership.

    Month n + 1 of a membership begins on the start + n months (dateutil's relativedelta: the same
    day of the month, or the month's last day when it has no such day). A membership from
    20-01-2026 is early until 19-04-2026; one from 31-01-2026 until 29-04-2026 (31-01 + 3 months =
    30-04-2026, the first day of the 4th month).
    """
    return death_date < membership_start + relativedelta(months=early_months)


# --- JKM (R-JKM-1, R-JKM-3, R-JKM-4) -----------------------------------------------------------


def jkm_death_benefit(
    *,
    membership_start: datetime.date,
    death_date: datetime.date,
    contribution_months: int,
    has_heir: bool = True,
    children=(),
    early_rule: bool = True,
    early_months: int = 3,
    early_benefit: Decimal = FUNERAL,
) -> Benefit:
    """R-JKM-1: Rp20.000.000 lump sum + 24 × Rp500.000 periodic + Rp10.000.000 funeral = Rp42.000.000.

    R-JKM-3 (configurable): death in the first months of membership pays only ``early_benefit``.
    R-HEIR-1: with no heir at all only the funeral cost is paid, to whoever arranged the funeral.
    R-JKM-4: scholarships for at most 2 children after 36 months of contributions.
    """
    benefit = Benefit()
    early = early_rule and is_early_death(membership_start=membership_start, death_date=death_date, early_months=early_months)
    months = relativedelta(death_date, membership_start)
    benefit.fact("membership_start", _("Mulai kepesertaan tanpa putus"), _date(membership_start), SOURCE_HISTORY, "R-JKM-3")
    benefit.fact(
        "membership_months", _("Lama kepesertaan pada tanggal meninggal"),
        _("%(months)d bulan penuh (meninggal %(day)s)") % {"months": months.years * 12 + months.months, "day": _date(death_date)},
        SOURCE_HISTORY, "R-JKM-3")
    if early_rule:
        boundary = membership_start + relativedelta(months=early_months)
        benefit.fact(
            "early_death", _("Masa awal kepesertaan (%(months)d bulan)") % {"months": early_months},
            (_("Ya: meninggal sebelum %(day)s, dibayar %(amount)s") if early
             else _("Tidak: masa awal berakhir %(day)s")) % {"day": _date(boundary), "amount": format_rupiah(early_benefit)},
            SOURCE_RULES, "R-JKM-3")
    else:
        benefit.fact("early_death", _("Aturan masa awal kepesertaan"), _("tidak berlaku"), SOURCE_RULES, "R-JKM-3")
    benefit.fact("heirs", _("Ahli waris terdaftar"), _("ada") if has_heir else _("tidak ada: hanya biaya pemakaman"),
                 SOURCE_HEIRS, "R-HEIR-1")
    if not has_heir:
        benefit.add("funeral", _("Biaya pemakaman (tanpa ahli waris, R-HEIR-1)"), FUNERAL)
        return benefit
    if early:
        benefit.add(
            "early_death",
            _("Biaya pemakaman: meninggal dalam %(months)d bulan pertama kepesertaan (R-JKM-3)") % {"months": early_months},
            early_benefit,
        )
        if children:
            benefit.notes.append(early_death_scholarship_note())
        return benefit
    benefit.add("lump_sum", _("Santunan sekaligus (R-JKM-1)"), JKM_LUMP_SUM)
    benefit.add("periodic", _("Santunan berkala 24 × Rp500.000, dibayar sekaligus (R-JKM-1)"), PERIODIC_BENEFIT)
    benefit.add("funeral", _("Biaya pemakaman (R-JKM-1)"), FUNERAL)
    _add_scholarships(benefit, children, contribution_months=contribution_months, min_months=SCHOLARSHIP_MIN_CONTRIBUTION_MONTHS)
    return benefit


def early_death_scholarship_note() -> str:
    return _("Beasiswa tidak diberikan: meninggal dalam masa awal kepesertaan (R-JKM-3).")


# --- Scholarship (R-JKM-4) ------------------------------------------------------------------


def school_year_of(day: datetime.date) -> int:
    """The Indonesian school year (tahun ajaran, July to June) a day falls in, by its first year."""
    return day.year if day.month >= 7 else day.year - 1


def school_year_label(year: int) -> str:
    return f"{year}/{year + 1}"


def scholarship_refusal(child: ScholarshipRequest) -> str | None:
    """Why this child gets no scholarship this year, or None (R-JKM-4: ends at age 23, marriage or
    work; each level paid for its maximum years; at most Rp87.000.000 per child)."""
    if child.level not in SCHOLARSHIP_TABLE:
        return _("Jenjang pendidikan %(level)s tidak dikenal.") % {"level": child.level}
    if child.age >= SCHOLARSHIP_AGE_LIMIT:
        return _("%(name)s berusia %(age)d tahun; beasiswa berakhir pada usia %(limit)d tahun (R-JKM-4).") % {
            "name": child.name, "age": child.age, "limit": SCHOLARSHIP_AGE_LIMIT}
    if child.married:
        return _("%(name)s sudah menikah; beasiswa berakhir bila anak menikah (R-JKM-4).") % {"name": child.name}
    if child.working:
        return _("%(name)s sudah bekerja; beasiswa berakhir bila anak bekerja (R-JKM-4).") % {"name": child.name}
    _amount, max_years = SCHOLARSHIP_TABLE[child.level]
    if child.years_received_at_level >= max_years:
        return _("%(name)s sudah menerima beasiswa %(level)s selama %(years)d tahun (paling lama %(years)d tahun, R-JKM-4).") % {
            "name": child.name, "level": SCHOLARSHIP_LEVEL_LABELS[child.level], "years": max_years}
    if child.received_total >= SCHOLARSHIP_MAX_PER_CHILD:
        return _("%(name)s sudah menerima beasiswa maksimal %(max)s (R-JKM-4).") % {
            "name": child.name, "max": format_rupiah(SCHOLARSHIP_MAX_PER_CHILD)}
    return None


def scholarship_amount(child: ScholarshipRequest) -> Decimal:
    """This year's scholarship for one child: the level's yearly amount, capped at Rp87.000.000 in total."""
    if scholarship_refusal(child):
        return ZERO
    amount, _years = SCHOLARSHIP_TABLE[child.level]
    return min(amount, SCHOLARSHIP_MAX_PER_CHILD - child.received_total)


def scholarship_error(children, *, contribution_months: int, min_months: int) -> str | None:
    """Refusals that concern the whole request: too many children, too few contribution months."""
    if len(children) > SCHOLARSHIP_MAX_CHILDREN:
        return _("Beasiswa paling banyak untuk %(max)d anak (R-JKM-4); diajukan %(count)d.") % {
            "max": SCHOLARSHIP_MAX_CHILDREN, "count": len(children)}
    if children and contribution_months < min_months:
        return _("Beasiswa memerlukan paling sedikit %(min)d bulan iuran; tercatat %(months)d bulan (R-JKM-4).") % {
            "min": min_months, "months": contribution_months}
    return None


def _scholarship_label(child: ScholarshipRequest, number: int | None = None) -> str:
    # No name in the stored label: the breakdown is shown to readers who may not see the child's
    # name (UU 27/2022); the claim page names the child to those who may.
    label = _("Beasiswa %(level)s tahun ajaran %(year)s") % {
        "level": SCHOLARSHIP_LEVEL_LABELS[child.level],
        "year": school_year_label(child.school_year) if child.school_year else "—"}
    if number:
        label += _(", anak ke-%(number)d") % {"number": number}
    return label + " (R-JKM-4)"


def _contribution_fact(benefit: Benefit, *, contribution_months: int, min_months: int) -> None:
    """R-JKM-4 (JKM: at least 36 paid months across all periods) or R-JKK-5 (no minimum)."""
    if min_months:
        benefit.fact("contribution_months", _("Bulan iuran terbayar (semua periode)"),
                     _("%(months)d bulan (paling sedikit %(min)d)") % {"months": contribution_months, "min": min_months},
                     SOURCE_CONTRIBUTIONS, "R-JKM-4")
    else:
        benefit.fact("contribution_months", _("Bulan iuran terbayar (semua periode)"),
                     _("tidak disyaratkan untuk kematian akibat kecelakaan kerja"), SOURCE_CONTRIBUTIONS, "R-JKK-5")


def _scholarship_claimed(benefit: Benefit, child: ScholarshipRequest, label: str, granted) -> None:
    """The level's yearly amount next to what is left of the child's Rp87.000.000 (R-JKM-4)."""
    if child.level not in SCHOLARSHIP_TABLE:
        return
    amount, max_years = SCHOLARSHIP_TABLE[child.level]
    benefit.claim(
        "scholarship", label.replace(" (R-JKM-4)", ""), amount, max(SCHOLARSHIP_MAX_PER_CHILD - child.received_total, ZERO), granted,
        "R-JKM-4",
        _("sisa dari %(max)s per anak; sudah diterima %(received)s, %(years)d dari %(max_years)d tahun jenjang %(level)s") % {
            "max": format_rupiah(SCHOLARSHIP_MAX_PER_CHILD), "received": format_rupiah(child.received_total),
            "years": child.years_received_at_level, "max_years": max_years,
            "level": SCHOLARSHIP_LEVEL_LABELS[child.level]},
    )


def _add_scholarships(benefit: Benefit, children, *, contribution_months: int, min_months: int) -> None:
    children = list(children)
    if children:
        _contribution_fact(benefit, contribution_months=contribution_months, min_months=min_months)
    error = scholarship_error(children, contribution_months=contribution_months, min_months=min_months)
    if error:
        if len(children) > SCHOLARSHIP_MAX_CHILDREN:
            raise BenefitError(error)
        benefit.notes.append(error)
        return
    for number, child in enumerate(children, start=1):
        refusal = scholarship_refusal(child)
        _scholarship_claimed(benefit, child, _scholarship_label(child, number), scholarship_amount(child))
        if refusal:
            benefit.notes.append(refusal)
            continue
        benefit.add(f"scholarship_{number}", _scholarship_label(child, number), scholarship_amount(child))


def yearly_scholarship_benefit(
    *, child: ScholarshipRequest, program: str, contribution_months: int, early_death: bool = False
) -> Benefit:
    """R-JKM-4 claimed yearly: one child's scholarship for one school year after the worker's death.

    JKM (R-JKM-4) needs 36 months of contributions across all periods; JKK death (R-JKK-5) none. No
    scholarship follows a death in the first months of membership (R-JKM-3). A refusal is a
    BenefitError: a yearly claim pays nothing else.
    """
    if early_death:
        raise BenefitError(early_death_scholarship_note())
    min_months = SCHOLARSHIP_MIN_CONTRIBUTION_MONTHS if program == "JKM" else 0
    error = scholarship_error([child], contribution_months=contribution_months, min_months=min_months)
    refusal = error or scholarship_refusal(child)
    if refusal:
        raise BenefitError(refusal)
    benefit = Benefit()
    _contribution_fact(benefit, contribution_months=contribution_months, min_months=min_months)
    benefit.fact("early_death", _("Kematian dalam masa awal kepesertaan"), _("tidak"), _("Klaim kematian pekerja"), "R-JKM-3")
    _scholarship_claimed(benefit, child, _scholarship_label(child), scholarship_amount(child))
    benefit.add("scholarship_1", _scholarship_label(child), scholarship_amount(child))
    if benefit.total < SCHOLARSHIP_TABLE[child.level][0]:
        benefit.notes.append(_("Dibatasi sisa beasiswa per anak %(max)s (R-JKM-4).") % {
            "max": format_rupiah(SCHOLARSHIP_MAX_PER_CHILD)})
    return benefit


# --- JKK (R-JKK-1..5) -----------------------------------------------------------------------


def transport_benefit(mode: str, cost) -> Decimal:
    """R-JKK-2: the transport cost, at most Rp5.000.000 by land/river/lake, Rp2.000.000 by sea, Rp10.000.000 by air."""
    if mode not in TRANSPORT_CAPS:
        raise BenefitError(_("Pilih jenis angkutan (darat/sungai/danau, laut atau udara)."))
    return min(rupiah(cost), TRANSPORT_CAPS[mode])


def home_care_benefit(cost, already_granted=ZERO) -> Decimal:
    """R-JKK-1: home care up to Rp20.000.000 per accident within one year; ``already_granted`` is the
    home care of the same accident's other claims, which the cap already covers."""
    return max(min(rupiah(cost), HOME_CARE_CAP - rupiah(already_granted)), ZERO)


def _add_transport(benefit: Benefit, transport_mode: str, transport_cost) -> None:
    if transport_cost:
        granted = transport_benefit(transport_mode, transport_cost)
        mode = TRANSPORT_LABELS.get(transport_mode, transport_mode)
        benefit.claim("transport", _("Biaya angkutan %(mode)s") % {"mode": mode}, transport_cost,
                      TRANSPORT_CAPS[transport_mode], granted, "R-JKK-2", _("batas angkutan %(mode)s") % {"mode": mode})
        benefit.add("transport", _("Biaya angkutan %(mode)s (R-JKK-2)") % {"mode": mode}, granted)


def _basis_fact(benefit: Benefit, basis, rule: str) -> None:
    benefit.fact("basis", _("Dasar penghasilan per bulan"), format_rupiah(basis), SOURCE_COVERAGE, rule)


def basis_fact(benefit: Benefit, basis) -> None:
    """The coverage's income basis for the benefits that do not depend on it (JKM, medical care)."""
    if not any(fact.code == "basis" for fact in benefit.facts):
        benefit.facts.insert(0, Fact("basis", _("Dasar penghasilan per bulan"),
                                     _("%(basis)s (tidak menentukan manfaat ini)") % {"basis": format_rupiah(basis)},
                                     str(SOURCE_COVERAGE), "R-RATE-1"))


def jkk_medical_benefit(
    *, hospital_bill=None, home_care_cost=None, transport_mode="", transport_cost=None, home_care_granted=ZERO
) -> Benefit:
    """R-JKK-1 and R-JKK-2: hospital care as billed (no ceiling), home care and transport up to their caps.

    ``home_care_granted``: home care already granted for the same accident in other claims filed
    within a year of it; the Rp20.000.000 is per accident, not per claim.
    """
    benefit = Benefit()
    if hospital_bill:
        benefit.claim("hospital", _("Tagihan rumah sakit"), hospital_bill, None, hospital_bill, "R-JKK-1",
                      _("tanpa batas, sesuai kebutuhan medis"))
        benefit.add("hospital", _("Perawatan dan pengobatan sesuai kebutuhan medis (R-JKK-1)"), hospital_bill)
    if home_care_cost:
        home_care = home_care_benefit(home_care_cost, home_care_granted)
        benefit.claim(
            "home_care", _("Homecare"), home_care_cost, max(HOME_CARE_CAP - rupiah(home_care_granted), ZERO), home_care,
            "R-JKK-1",
            _("%(cap)s per kecelakaan dalam 1 tahun; sudah diberikan pada klaim lain %(granted)s") % {
                "cap": format_rupiah(HOME_CARE_CAP), "granted": format_rupiah(home_care_granted)},
        )
        if home_care_granted:
            benefit.notes.append(_(
                "Homecare kecelakaan ini yang sudah diberikan pada klaim lain: %(granted)s; sisa batas %(left)s (R-JKK-1)."
            ) % {"granted": format_rupiah(home_care_granted),
                 "left": format_rupiah(max(HOME_CARE_CAP - rupiah(home_care_granted), ZERO))})
        if home_care:
            benefit.add("home_care", _("Homecare, paling banyak Rp20.000.000 per kecelakaan dalam 1 tahun (R-JKK-1)"),
                        home_care)
        elif not hospital_bill and not transport_cost:
            raise BenefitError(_(
                "Batas homecare Rp20.000.000 untuk kecelakaan ini sudah habis pada klaim lain (R-JKK-1)."))
    _add_transport(benefit, transport_mode, transport_cost)
    if not benefit.items:
        raise BenefitError(_("Isi tagihan rumah sakit, biaya homecare atau biaya angkutan (R-JKK-1, R-JKK-2)."))
    return benefit


def jkk_temporary_benefit(*, basis, months: int, transport_mode="", transport_cost=None) -> Benefit:
    """R-JKK-3: STMB, 100% of the income basis a month for months 1-12, 50% from month 13 until recovery."""
    if not months or months < 1:
        raise BenefitError(_("Isi lama tidak mampu bekerja dalam bulan (R-JKK-3)."))
    benefit = Benefit()
    full = min(months, STMB_FULL_MONTHS)
    _basis_fact(benefit, basis, "R-JKK-3")
    benefit.fact("stmb_months", _("Lama tidak mampu bekerja (STMB)"),
                 _("%(months)d bulan: %(full)d bulan 100%%, %(later)d bulan 50%%") % {
                     "months": months, "full": full, "later": months - full},
                 SOURCE_FORM, "R-JKK-3")
    benefit.add(
        "stmb_full", _("STMB bulan 1–%(months)d: 100%% × %(basis)s (R-JKK-3)") % {"months": full, "basis": format_rupiah(basis)},
        full * basis,
    )
    later = months - full
    if later:
        benefit.add(
            "stmb_half",
            _("STMB bulan %(first)d–%(last)d: 50%% × %(basis)s (R-JKK-3)") % {
                "first": STMB_FULL_MONTHS + 1, "last": months, "basis": format_rupiah(basis)},
            later * basis * STMB_LATER_RATE,
        )
    _add_transport(benefit, transport_mode, transport_cost)
    return benefit


def jkk_disability_benefit(
    *, basis, disability_type: str, table_percent=None, loss_percent=None, transport_mode="", transport_cost=None
) -> Benefit:
    """R-JKK-4: total = 56 × basis + Rp12.000.000 periodic; anatomical = table% × 80 × basis;
    functional = loss% × table% × 80 × basis."""
    benefit = Benefit()
    _basis_fact(benefit, basis, "R-JKK-4")
    type_labels = {"total": _("Cacat total tetap"), "anatomical": _("Cacat sebagian anatomis"),
                   "functional": _("Cacat sebagian fungsi")}
    benefit.fact("disability_type", _("Jenis cacat"), type_labels.get(disability_type, "—"), SOURCE_FORM, "R-JKK-4")
    if disability_type in ("anatomical", "functional") and table_percent not in (None, ""):
        benefit.fact("disability_percent", _("Persentase tabel cacat"), f"{_pct(Decimal(table_percent))}%", SOURCE_FORM,
                     "R-JKK-4")
    if disability_type == "functional" and loss_percent not in (None, ""):
        benefit.fact("function_loss_percent", _("Persentase kehilangan fungsi"), f"{_pct(Decimal(loss_percent))}%",
                     SOURCE_FORM, "R-JKK-4")
    if disability_type == "total":
        benefit.add("disability_total", _("Cacat total tetap: 56 × %(basis)s (R-JKK-4)") % {"basis": format_rupiah(basis)},
                    TOTAL_DISABILITY_MONTHS * basis)
        benefit.add("periodic", _("Santunan berkala 24 × Rp500.000, dibayar sekaligus (R-JKK-4)"), PERIODIC_BENEFIT)
    elif disability_type == "anatomical":
        percent = _percent(table_percent, _("persentase tabel cacat"))
        benefit.add(
            "disability_anatomical",
            _("Cacat sebagian anatomis: %(pct)s%% × 80 × %(basis)s (R-JKK-4)") % {"pct": _pct(percent), "basis": format_rupiah(basis)},
            percent / HUNDRED * PARTIAL_DISABILITY_MONTHS * basis,
        )
    elif disability_type == "functional":
        percent = _percent(table_percent, _("persentase tabel cacat"))
        loss = _percent(loss_percent, _("persentase kehilangan fungsi"))
        benefit.add(
            "disability_functional",
            _("Cacat sebagian fungsi: %(loss)s%% × %(pct)s%% × 80 × %(basis)s (R-JKK-4)") % {
                "loss": _pct(loss), "pct": _pct(percent), "basis": format_rupiah(basis)},
            loss / HUNDRED * percent / HUNDRED * PARTIAL_DISABILITY_MONTHS * basis,
        )
    else:
        raise BenefitError(_("Pilih jenis cacat: total tetap, sebagian anatomis atau sebagian fungsi (R-JKK-4)."))
    _add_transport(benefit, transport_mode, transport_cost)
    return benefit


def jkk_death_benefit(*, basis, has_heir: bool = True, children=(), transport_mode="", transport_cost=None) -> Benefit:
    """R-JKK-5: max(48 × basis, Rp20.000.000) + Rp12.000.000 periodic + Rp10.000.000 funeral
    (Rp70.000.000 at the minimum basis), and scholarships as R-JKM-4 with no minimum contribution period."""
    benefit = Benefit()
    _basis_fact(benefit, basis, "R-JKK-5")
    benefit.fact("jkk_death_minimum", _("48 × dasar penghasilan, paling sedikit Rp20.000.000"),
                 format_rupiah(max(JKK_DEATH_MONTHS * basis, JKK_DEATH_MINIMUM)), SOURCE_COVERAGE, "R-JKK-5")
    benefit.fact("heirs", _("Ahli waris terdaftar"), _("ada") if has_heir else _("tidak ada: hanya biaya pemakaman"),
                 SOURCE_HEIRS, "R-HEIR-1")
    if not has_heir:
        benefit.add("funeral", _("Biaya pemakaman (tanpa ahli waris, R-HEIR-1)"), FUNERAL)
        return benefit
    benefit.add(
        "lump_sum",
        _("Santunan kematian: maks(48 × %(basis)s, Rp20.000.000) (R-JKK-5)") % {"basis": format_rupiah(basis)},
        max(JKK_DEATH_MONTHS * basis, JKK_DEATH_MINIMUM),
    )
    benefit.add("periodic", _("Santunan berkala 24 × Rp500.000, dibayar sekaligus (R-JKK-5)"), PERIODIC_BENEFIT)
    benefit.add("funeral", _("Biaya pemakaman (R-JKK-5)"), FUNERAL)
    _add_transport(benefit, transport_mode, transport_cost)
    _add_scholarships(benefit, children, contribution_months=0, min_months=0)
    return benefit


def _percent(value, label) -> Decimal:
    if value is None or value == "":
        raise BenefitError(_("Isi %(label)s (R-JKK-4).") % {"label": label})
    value = Decimal(value)
    if not ZERO < value <= HUNDRED:
        raise BenefitError(_("%(label)s harus lebih dari 0 dan paling banyak 100.") % {"label": label.capitalize()})
    return value


def _pct(value: Decimal) -> str:
    return f"{value.normalize():f}".replace(".", ",")


# --- Deadlines and lateness (R-JKK-6, R-JKM-5, R-SLA-1) ----------------------------------------


def jkk_expiry_date(accident_date: datetime.date) -> datetime.date:
    """R-JKK-6: the last day a JKK claim can be filed (5 years after the accident)."""
    return accident_date + relativedelta(years=JKK_EXPIRY_YEARS)


def payment_due_date(program: str, documents_complete_on: datetime.date, holidays=frozenset()) -> datetime.date:
    """R-SLA-1: JKM is paid within 3 working days, JKK within 7, of complete documents."""
    return add_working_days(documents_complete_on, SLA_WORKING_DAYS[program], holidays)


def days_late(due: datetime.date, paid_on: datetime.date) -> int:
    return max((paid_on - due).days, 0)


def late_surcharge(amount, days: int) -> Decimal:
    """R-SLA-1: 1% of the benefit for every day paid after the due date."""
    return rupiah(Decimal(amount) * LATE_RATE_PER_DAY * days)
