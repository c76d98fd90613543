"""The regent's dashboard figures, aggregated in PostgreSQL in a fixed number of queries.

Definitions (repeated on the page and in the README, so reports quote the same thing):

* **Scope.** The funding sources chosen by code (``funding``) and/or fiscal year (``year``), all
  sources when neither is given, and optionally one kecamatan (the worker's domicile desa).
* **Covered worker.** A distinct worker with a coverage in scope that BPJS registered and that
  still counts: status ``active``, or ``ended`` when its funding source's period is over (what the
  program reached). Drafts, coverages submitted but not yet registered, cancelled ones, and
  coverages ended early while their program still runs (the worker died, ...) are not covered.
  A worker covered by two sources (renewed from 2024 into 2025) counts once under "all sources".
* **Money** (budget, committed contribution cost by R-COST-1 through
  ``funding.services.committed_cost``, paid to BPJS = Σ ``ContributionPayment.amount``) belongs to
  a funding source as a whole and ignores the kecamatan filter.
* **Claims** on coverages of the sources in scope, of workers living in the kecamatan in scope.
  Filed = every claim; approved = approved or paid; paid = paid; benefits paid = Σ paid amount
  of paid claims. Per month: filed by the month of filing, paid by the month of the transfer.
* **Enrolments per month:** covered coverages by the month their protection starts.
* **Ending soon:** active coverages whose end date falls within the next 30/60/90 days (today
  included; the periods nest).
* **Small cells** (UU 27/2022): see ``cell``.
* **Area** (issue 14): an Operator Desa or Kecamatan sees the same figures for the desa of their
  area (``Scope.area``, core/areas.py): workers, coverages and claims are those of their
  villagers, the kecamatan and desa to choose from are theirs, and money stays the program's
  whole, as with the kecamatan filter. Targets (set per kecamatan) are not compared.

Every function returns plain JSON-ready values (ints, strings, lists, dicts), so the page, the
JSON API and the Excel export show the same numbers. Python only combines the few rows the
database returns (one per kecamatan, month, group), never one per worker or coverage.
"""

import datetime
from dataclasses import dataclass, field, replace
from functools import cached_property
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db.models import BooleanField, Case, Count, Exists, IntegerField, Max, OuterRef, Q, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from claims.models import Claim
from core.areas import current_scope, unscoped
from core.models import AuditEvent
from dashboard import summary as summary_rows
from enrollment.models import Coverage, Desa, Kecamatan, Occupation, Worker
from funding.contributions import RateTable
from funding.models import ContributionPayment, FundingSource, KecamatanTarget
from funding.services import cost_of_priced_groups, priced_group

# The small-cell rule: counts of 1 to SMALL_CELL - 1 people or claims are not shown exactly.
SMALL_CELL = 5
HIDDEN = "<5"
ENDING_WINDOWS = (30, 60, 90)
# A kecamatan "stands out" when it reaches less than this share of its benchmark: its target
# (the kecamatan's share of the quota) when one is set, otherwise the kecamatan average.
LOW_SHARE = 0.8
# Age bands on today's date: (label, lowest age, age the band stops before).
AGE_BANDS = [
    ("< 25", None, 25),
    ("25–34", 25, 35),
    ("35–44", 35, 45),
    ("45–54", 45, 55),
    ("55–64", 55, 65),
    ("≥ 65", 65, None),
]


ALL_YEARS = "all"


def current_fiscal_year(sources, today: datetime.date) -> int | None:
    """The fiscal year the dashboard opens on: of the program(s) running today, else of the
    latest one that has started, else of the first one planned."""
    running = [s.fiscal_year for s in sources if s.period_start <= today <= s.period_end]
    started = [s for s in sources if s.period_start <= today]
    if running:
        return max(running)
    if started:
        return max(started, key=lambda s: (s.period_start, s.fiscal_year)).fiscal_year
    return min((s.fiscal_year for s in sources), default=None)


class FilterError(ValueError):
    """A filter value in the URL that names nothing (an Indonesian message for the user)."""


def mask_small(count: int, *, hide_small: bool):
    """The small-cell rule: 1–4 shows as "<5" to users without access to personal data.

    Zero stays 0 (nobody is identified by it). Totals are computed from the records, never from
    the shown cells, and follow the same rule wherever they describe a part of the regency
    (a kecamatan, desa, month or group); the regency-wide headline of a program is exact.
    """
    if hide_small and 0 < count < SMALL_CELL:
        return HIDDEN
    return count


def is_hidden(value) -> bool:
    return value == HIDDEN


def percent_of(part, whole):
    """A percentage with one decimal; None when it cannot or may not be shown."""
    if is_hidden(part) or is_hidden(whole) or not whole:
        return None
    return round(100 * part / whole, 1)


def to_int_rupiah(amount) -> int:
    """Rupiah amounts leave this module as whole-number integers (they are whole Decimals)."""
    return int(amount or 0)


@dataclass(frozen=True)
class Filters:
    """The dashboard's filters, read from and written back to the URL's query string."""

    funding: str = ""
    year: int | None = None
    kecamatan: str = ""
    # "year=all": every fiscal year, chosen on purpose; with no funding and no year at all the
    # dashboard opens on the year of the program(s) running today (resolve_scope).
    all_years: bool = False

    @classmethod
    def from_params(cls, params) -> "Filters":
        funding = (params.get("funding") or "").strip().upper()
        kecamatan = (params.get("kecamatan") or "").strip()
        raw_year = (params.get("year") or "").strip()
        year = None
        if raw_year.lower() == ALL_YEARS:
            return cls(funding=funding, kecamatan=kecamatan, all_years=True)
        if raw_year:
            if not (raw_year.isdigit() and len(raw_year) == 4):
                raise FilterError(
                    _("Tahun \"%(value)s\" tidak valid (parameter year): isi tahun anggaran empat angka, misalnya 2025.")
                    % {"value": raw_year}
                )
            year = int(raw_year)
        return cls(funding=funding, year=year, kecamatan=kecamatan)

    def query(self, **changes) -> str:
        """The query string of these filters, with ``changes`` applied ("" removes a filter)."""
        values = {"funding": self.funding, "year": self.year or (ALL_YEARS if self.all_years else ""),
                  "kecamatan": self.kecamatan, **changes}
        return urlencode({key: value for key, value in values.items() if value not in ("", None)})

    def as_dict(self) -> dict:
        return {"funding": self.funding or None, "year": self.year, "kecamatan": self.kecamatan or None,
                "all_years": self.all_years}


@dataclass
class Scope:
    """What the filters select, resolved with two small queries (sources and kecamatan)."""

    filters: Filters
    today: datetime.date
    hide_small: bool
    all_sources: list = field(default_factory=list)
    sources: list = field(default_factory=list)
    kecamatan_list: list = field(default_factory=list)
    kecamatan: Kecamatan | None = None
    version: int | None = None  # see figures()
    area_desa_names: list = field(default_factory=list)  # an area's desa (resolve_scope), for describe()

    @property
    def area(self):
        """The area scope the figures are computed in (core.areas.current_scope(): set for the
        request of an Operator Desa/Kecamatan, re-entered by a task working for one), or None.
        Read when used, like the scoped managers: the summary rows (dashboard.summary), the
        tables and the cache key (cache_key_parts) can never disagree about it."""
        return current_scope()

    @property
    def in_part(self) -> bool:
        """Whether the figures describe a part of the regency (a kecamatan or an area): the
        small-cell rule then applies to the headline too."""
        return bool(self.kecamatan or self.area)

    @property
    def source_ids(self) -> list[int]:
        return [source.pk for source in self.sources]

    @property
    def restricted_to_sources(self) -> bool:
        return bool(self.filters.funding or self.filters.year)

    @property
    def years(self) -> list[int]:
        return sorted({source.fiscal_year for source in self.all_sources}, reverse=True)

    @property
    def single_year(self) -> bool:
        """Whether quota and kecamatan targets can be compared with the covered workers.

        Covered workers are counted once across sources, while quotas and targets are places per
        fiscal year: across several years (a worker renewed from 2024 into 2025) they do not add
        up to the same thing, so the dashboard lists them but does not compare them.
        """
        return len({source.fiscal_year for source in self.sources}) == 1

    @property
    def over_source_ids(self) -> list[int]:
        """Sources whose period is over: their ended coverages still count as covered."""
        return [source.pk for source in self.sources if source.period_end < self.today]

    def coverages(self, *, by_place=True):
        """Coverages of the sources in scope, of workers living in the kecamatan in scope."""
        queryset = Coverage.objects.all()
        if self.restricted_to_sources:
            queryset = queryset.filter(funding_source_id__in=self.source_ids)
        if self.kecamatan and by_place:
            queryset = queryset.filter(worker__desa__kecamatan_id=self.kecamatan.pk)
        return queryset

    def covered_coverages(self, *, by_place=True):
        """The coverages that make a worker covered (see the module's definitions)."""
        return self.coverages(by_place=by_place).filter(self.covered_condition())

    def covered_condition(self) -> Q:
        return Q(status=Coverage.Status.ACTIVE) | Q(status=Coverage.Status.ENDED, funding_source_id__in=self.over_source_ids)

    def is_covering(self, source_id, status) -> bool:
        """covered_condition for one (source, status) group of rows already aggregated."""
        return status == Coverage.Status.ACTIVE or (status == Coverage.Status.ENDED and source_id in self.over_source_ids)

    def claims(self):
        """Claims on coverages of the sources in scope, of workers living in the kecamatan in
        scope, annotated with the worker's desa and the coverage's source.

        Claims number in the thousands while coverages and workers number in the hundred
        thousands: desa and source are looked up per claim (an index probe each) rather than
        joined, which makes PostgreSQL scan both large tables.
        """
        queryset = Claim.objects.annotate(
            # order_by(): without it the models' default ordering sorts each one-row lookup.
            desa_id=Subquery(Worker.objects.filter(pk=OuterRef("worker_id")).order_by().values("desa_id")),
            funding_source_id=Subquery(
                Coverage.objects.filter(pk=OuterRef("coverage_id")).order_by().values("funding_source_id")
            ),
        )
        if self.restricted_to_sources:
            queryset = queryset.filter(funding_source_id__in=self.source_ids)
        if self.kecamatan:
            queryset = queryset.filter(desa_id__in=Desa.objects.filter(kecamatan_id=self.kecamatan.pk).values("pk"))
        return queryset

    @cached_property
    def aggregates(self) -> "Aggregates":
        """The grouped queries of this scope, each run at most once per request."""
        return Aggregates(self)

    def describe(self) -> str:
        """The filters in words, for headings and the Excel export."""
        if self.filters.funding:
            what = self.sources[0].name
        elif self.filters.year:
            what = _("Semua sumber dana tahun anggaran %(year)s") % {"year": self.filters.year}
        else:
            what = _("Semua sumber dana")
        if self.kecamatan:
            where = _("Kecamatan %(name)s") % {"name": self.kecamatan.name}
        elif self.area:
            where = _("Wilayah tugas: %(names)s") % {"names": ", ".join(self.area_desa_names) or "-"}
        else:
            where = _("Seluruh Kabupaten Lamandau")
        if self.kecamatan and self.area:
            where += " " + _("(wilayah tugas)")
        return f"{what} · {where}"


def resolve_scope(filters: Filters, *, today: datetime.date, hide_small: bool) -> Scope:
    """Look up what the filters name (2 queries); a name that matches nothing is a FilterError."""
    scope = Scope(filters=filters, today=today, hide_small=hide_small)
    scope.all_sources = list(FundingSource.objects.order_by("-fiscal_year", "code"))
    # Scoped managers (core/areas.py): an area-bound user chooses among their own kecamatan only.
    scope.kecamatan_list = list(Kecamatan.objects.order_by("code"))
    if scope.area:
        scope.area_desa_names = list(Desa.objects.order_by("code").values_list("name", flat=True))
    if not (filters.funding or filters.year or filters.all_years):
        year = current_fiscal_year(scope.all_sources, today)
        if year:
            filters = scope.filters = replace(filters, year=year)
    sources = scope.all_sources
    if filters.funding:
        sources = [source for source in sources if source.code == filters.funding]
        if not sources:
            raise FilterError(_("Sumber dana dengan kode \"%(code)s\" tidak ada (parameter funding).") % {"code": filters.funding})
    if filters.year:
        if filters.year not in scope.years:
            raise FilterError(_("Tidak ada sumber dana dengan tahun anggaran %(year)s (parameter year).") % {"year": filters.year})
        if filters.funding and sources[0].fiscal_year != filters.year:
            raise FilterError(
                _("Sumber dana %(code)s bertahun anggaran %(source_year)s, bukan %(year)s: pilih salah satu.")
                % {"code": filters.funding, "source_year": sources[0].fiscal_year, "year": filters.year}
            )
        sources = [source for source in sources if source.fiscal_year == filters.year]
    scope.sources = sources
    if filters.kecamatan:
        scope.kecamatan = next((k for k in scope.kecamatan_list if k.code == filters.kecamatan), None)
        if scope.kecamatan is None:
            raise FilterError(
                _("Kecamatan dengan kode \"%(code)s\" tidak ada di Kabupaten Lamandau (parameter kecamatan).")
                % {"code": filters.kecamatan}
            )
    return scope


# --- The base aggregates: each runs once per request, every figure is derived from them --------
#
# On PostgreSQL (dashboard.summary) a page reads four groups of summary rows: coverage rows (every
# coverage figure and every source's committed cost), covered workers by place, sex and birth,
# covered workers by occupation, and claims; the JSON summary all but the occupations. On SQLite
# the same aggregates scan the tables: the coverage rows, covered workers by place, sex and age,
# occupations of covered workers, claims with their desa and source looked up one by one.


class Aggregates:
    """The grouped queries behind the dashboard, memoized for one request."""

    def __init__(self, scope: Scope):
        self.scope = scope

    # On PostgreSQL the covered workers, the occupations and the coverage rows are read from the
    # summary rows kept exact by triggers (dashboard.summary): a few thousand rows at any size.
    # Elsewhere (SQLite, make run) they are aggregated from the tables, as the reference.

    @cached_property
    def covered_cube(self) -> list[dict]:
        """Covered workers per (desa, sex, age band) from the tables (SQLite): at most
        88 × 2 × 6 rows.

        Driven from the worker table with a semi-join, so each worker is one row: the groups
        add up to the distinct total, and PostgreSQL can hash-aggregate (a COUNT(DISTINCT)
        would force a sort of every coverage row).
        """
        scope = self.scope
        workers = Worker.objects.filter(
            Exists(scope.covered_coverages(by_place=False).filter(worker_id=OuterRef("pk")))
        )
        if scope.kecamatan:
            workers = workers.filter(desa__kecamatan_id=scope.kecamatan.pk)
        return list(workers.values("desa_id", "sex", band=_age_band_case(scope.today)).annotate(n=Count("id")).order_by())

    @cached_property
    def covered_summary(self) -> tuple[list[dict], list[dict]]:
        """(per desa and sex, per birth date standing for one age band) from the summary rows."""
        lowest_ages = [lower for _label, lower, _upper in AGE_BANDS if lower is not None]
        return summary_rows.covered_workers(self.scope, lowest_ages)

    @cached_property
    def covered_places(self) -> list[dict]:
        """Covered workers per (desa, sex) in scope, each worker once."""
        if summary_rows.in_use():
            return self.covered_summary[0]
        places = {}
        for group in self.covered_cube:
            key = (group["desa_id"], group["sex"])
            places[key] = places.get(key, 0) + group["n"]
        return [{"desa_id": desa_id, "sex": sex, "n": n} for (desa_id, sex), n in places.items()]

    @cached_property
    def covered_bands(self) -> dict:
        """Covered workers per age band index on today's date."""
        bands = {}
        if summary_rows.in_use():
            for row in self.covered_summary[1]:
                band = age_band_of(row["birth_date"], self.scope.today)
                bands[band] = bands.get(band, 0) + row["n"]
            return bands
        for group in self.covered_cube:
            bands[group["band"]] = bands.get(group["band"], 0) + group["n"]
        return bands

    @cached_property
    def covered(self) -> int:
        """Distinct covered workers: from the summary rows, or (SQLite) the cube's total when a
        page computed it, else (the JSON summary) one distinct count over the covering
        coverages, which skips the worker table unless a kecamatan is in scope."""
        if summary_rows.in_use() or "covered_cube" in self.__dict__:
            return sum(group["n"] for group in self.covered_places)
        return self.scope.covered_coverages().values("worker_id").distinct().count()

    @cached_property
    def coverage_rows(self) -> list[dict]:
        """Every coverage of the sources in scope in ONE pass, grouped by what the figures and
        the price read (source, status, start, end, programs, income basis), plus whether the
        worker lives in the kecamatan in scope and, for non-public payers, the transport flag
        of R-COST-1: a few rows per enrolment batch.

        Both the coverage groups (kecamatan in scope only) and the committed cost of every
        source (whole source, all but cancelled) are read off these rows, where they took one
        scan of the coverage table plus one per source.
        """
        scope = self.scope
        if summary_rows.in_use():
            return summary_rows.coverage_rows(scope)
        area = scope.area
        if area is not None:
            # The committed cost is the program's whole (money ignores the place, as with the
            # kecamatan filter): the rows are read for every worker, and only the flag in_place
            # says which are the area's. Aggregated here, never handed out one by one.
            with unscoped():
                return self._coverage_rows_from_tables(area)
        return self._coverage_rows_from_tables(None)

    def _coverage_rows_from_tables(self, area) -> list[dict]:
        scope = self.scope
        queryset = Coverage.objects.all()
        if scope.restricted_to_sources:
            queryset = queryset.filter(funding_source_id__in=scope.source_ids)
        extra = {}
        if scope.kecamatan or area is not None:
            # A join, not "worker_id IN (subquery)": past work_mem PostgreSQL would rescan the
            # subquery for every coverage row instead of hashing it.
            place = Q()
            if scope.kecamatan:
                place &= Q(worker__desa__kecamatan_id=scope.kecamatan.pk)
            if area is not None:
                place &= Q(worker__desa_id__in=area.desa_ids)
            extra["in_place"] = Case(When(place, then=Value(True)), default=Value(False), output_field=BooleanField())
        not_public = [source.pk for source in scope.sources if not source.is_public_funds]
        if not_public:  # as funding.services._priced_groups, for those sources only
            transport = Exists(Occupation.objects.filter(workers=OuterRef("worker_id"), is_transport=True))
            extra["transport"] = Case(
                When(Q(funding_source_id__in=not_public) & transport, then=Value(True)),
                default=Value(False), output_field=BooleanField(),
            )
        keys = ["funding_source_id", "status", "start_date", "end_date", "jkk", "jkm", "income_basis"]
        return list(queryset.annotate(**extra).values(*keys, *extra).annotate(n=Count("id")).order_by())

    @cached_property
    def coverage_groups(self) -> list[dict]:
        """Coverages per (source, status, start, end, programs) of the kecamatan in scope: a few
        rows per enrolment batch. The months, the programs and the "ending within N days"
        counts are read off these few groups."""
        keys = ("funding_source_id", "status", "start_date", "end_date", "jkk", "jkm")
        groups = {}
        for row in self.coverage_rows:
            if row.get("in_place", True):
                key = tuple(row[name] for name in keys)
                groups[key] = groups.get(key, 0) + row["n"]
        return [{**dict(zip(keys, key)), "n": n} for key, n in groups.items()]

    @cached_property
    def claim_groups(self) -> list[dict]:
        """Claims per (status, desa, month filed, month paid) with the amount paid."""
        return list(
            self.scope.claims()
            .values(
                "status",
                "desa_id",
                filed=TruncMonth(Coalesce("submitted_at", "created_at")),
                paid=TruncMonth("paid_on"),
            )
            .annotate(n=Count("id"), amount=Sum("paid_amount"))
            .order_by()
        )

    @cached_property
    def claim_parts(self) -> dict:
        """The claims as the figures read them: "desa" [{status, desa_id, n, amount}], "filed"
        [{filed (month), n}] and "paid" [{paid (month), n}] of paid claims. On PostgreSQL one
        query with GROUPING SETS (a few hundred rows: the joint groups of claim_groups are
        nearly one per claim at 2,000 claims and cost ~30 ms to build); elsewhere summed from
        claim_groups."""
        if summary_rows.in_use():
            return summary_rows.claim_parts(self.scope)
        parts = {"desa": {}, "filed": {}, "paid": {}}
        for group in self.claim_groups:
            desa = parts["desa"].setdefault((group["status"], group["desa_id"]), {"n": 0, "amount": 0})
            desa["n"] += group["n"]
            desa["amount"] += group["amount"] or 0
            month = _as_date(group["filed"])
            parts["filed"][month] = parts["filed"].get(month, 0) + group["n"]
            if group["status"] == Claim.Status.PAID and group["paid"]:
                month = _as_date(group["paid"])
                parts["paid"][month] = parts["paid"].get(month, 0) + group["n"]
        return {
            "desa": [{"status": status, "desa_id": desa_id, **sums} for (status, desa_id), sums in parts["desa"].items()],
            "filed": [{"filed": month, "n": n} for month, n in parts["filed"].items()],
            "paid": [{"paid": month, "n": n} for month, n in parts["paid"].items()],
        }

    @cached_property
    def committed(self) -> dict:
        """R-COST-1 per source (funding.services.committed_cost's pricing) from coverage_rows:
        the counting coverages (all but cancelled) of the whole source, any kecamatan."""
        rates = RateTable.load()  # 2 queries, shared by every source
        counting = [row for row in self.coverage_rows if row["status"] != Coverage.Status.CANCELLED]
        return {
            source.pk: cost_of_priced_groups(
                source, [priced_group(row) for row in counting if row["funding_source_id"] == source.pk], rates=rates
            )
            for source in self.scope.sources
        }

    @cached_property
    def paid_to_bpjs(self) -> dict:
        return dict(
            ContributionPayment.objects.filter(funding_source_id__in=self.scope.source_ids)
            .values_list("funding_source_id")
            .annotate(total=Sum("amount"))
            .order_by()
        )

    @cached_property
    def targets(self) -> dict:
        """Kecamatan targets (R-ENR-4 guidance) per kecamatan; compared only within one year,
        and not for an area (a target is set for a whole kecamatan, an area may hold a few desa)."""
        if not self.scope.single_year or self.scope.area:
            return {}
        return dict(
            KecamatanTarget.objects.filter(funding_source_id__in=self.scope.source_ids)
            .values_list("kecamatan_id")
            .annotate(total=Sum("target"))
            .order_by()
        )

    @cached_property
    def occupations(self) -> dict:
        """Covered workers per occupation. A worker holds an occupation once (M2M), so COUNT(*)
        is already distinct."""
        if summary_rows.in_use():
            return summary_rows.covered_occupations(self.scope)
        through = Worker.occupations.through
        return dict(
            through.objects.filter(worker_id__in=self.scope.covered_coverages().values("worker_id"))
            .values_list("occupation_id")
            .annotate(n=Count("id"))
            .order_by()
        )


# --- Headline figures ---------------------------------------------------------------------


def summarize(scope: Scope) -> dict:
    """The headline figures (the JSON summary)."""
    data = scope.aggregates
    hide = scope.in_part and scope.hide_small  # a kecamatan or an area is a part of the regency

    active = {"active": 0, "active_jkk": 0, "active_jkm": 0, "pending": 0, **{f"ending_{d}": 0 for d in ENDING_WINDOWS}}
    per_source = {source.pk: {"active": 0, "registered": 0} for source in scope.sources}
    for group in data.coverage_groups:
        status, source_id = group["status"], group["funding_source_id"]
        if status == Coverage.Status.ACTIVE:
            active["active"] += group["n"]
            active["active_jkk"] += group["n"] if group["jkk"] else 0
            active["active_jkm"] += group["n"] if group["jkm"] else 0
            days_left = (group["end_date"] - scope.today).days
            for days in ENDING_WINDOWS:
                if 0 <= days_left <= days:
                    active[f"ending_{days}"] += group["n"]
        elif status in (Coverage.Status.DRAFT, Coverage.Status.SUBMITTED):
            active["pending"] += group["n"]
        if source_id in per_source:
            if status == Coverage.Status.ACTIVE:
                per_source[source_id]["active"] += group["n"]
            if scope.is_covering(source_id, status):
                per_source[source_id]["registered"] += group["n"]

    claims = {status: 0 for status in Claim.Status.values}
    benefits_paid = 0
    for group in data.claim_parts["desa"]:
        claims[group["status"]] += group["n"]
        if group["status"] == Claim.Status.PAID:
            benefits_paid += group["amount"] or 0
    claims_paid = mask_small(claims[Claim.Status.PAID], hide_small=hide)

    target = None  # no targets set, or several fiscal years (Aggregates.targets)
    if scope.kecamatan:
        target = data.targets.get(scope.kecamatan.pk)
    elif data.targets:
        target = sum(data.targets.values())
    summary = {
        "funding": scope.filters.funding or None,
        "year": scope.filters.year,
        "kecamatan": scope.kecamatan.code if scope.kecamatan else None,
        "scope": scope.describe(),
        "today": scope.today.isoformat(),
        "computed_at": timezone.localtime().isoformat(timespec="seconds"),
        "quota": sum(source.quota for source in scope.sources),
        "target": target,
        "covered": mask_small(data.covered, hide_small=hide),
        "budget": to_int_rupiah(sum(source.budget for source in scope.sources)),
        "committed_cost": to_int_rupiah(sum(data.committed.values())),
        "paid_to_bpjs": to_int_rupiah(sum(data.paid_to_bpjs.values())),
        **{key: mask_small(value, hide_small=hide) for key, value in active.items()},
        "claims_filed": mask_small(sum(claims.values()), hide_small=hide),
        "claims_approved": mask_small(claims[Claim.Status.APPROVED] + claims[Claim.Status.PAID], hide_small=hide),
        "claims_paid": claims_paid,
        "claims_rejected": mask_small(claims[Claim.Status.REJECTED], hide_small=hide),
        # The amount would tell how many claims a hidden count stands for (Rp42.000.000 = one death).
        "benefits_paid": None if is_hidden(claims_paid) else to_int_rupiah(benefits_paid),
        "small_cells_hidden": scope.hide_small,
        "programs": [
            {
                "code": source.code,
                "name": source.name,
                "fiscal_year": source.fiscal_year,
                "period_start": source.period_start.isoformat(),
                "period_end": source.period_end.isoformat(),
                "quota": source.quota,
                "registered": mask_small(per_source[source.pk]["registered"], hide_small=hide),
                "active": mask_small(per_source[source.pk]["active"], hide_small=hide),
                "budget": to_int_rupiah(source.budget),
                "committed_cost": to_int_rupiah(data.committed[source.pk]),
                "paid_to_bpjs": to_int_rupiah(data.paid_to_bpjs.get(source.pk)),
            }
            for source in scope.sources
        ],
    }
    if scope.single_year:
        summary["covered_share_of_quota"] = percent_of(summary["covered"], target if scope.in_part else summary["quota"])
    else:
        summary["covered_share_of_quota"] = None  # see Scope.single_year
    return summary


# --- Covered workers by place, sex and age -------------------------------------------------


def _born_on_or_before(today: datetime.date, age: int) -> datetime.date:
    """age >= N  <=>  born on or before today minus N years (29 Feb falls back to 28 Feb)."""
    try:
        return today.replace(year=today.year - age)
    except ValueError:
        return today.replace(year=today.year - age, day=28)


def age_band_of(birth_date: datetime.date, today: datetime.date) -> int:
    """The band index of an age today (the same edges as _age_band_case)."""
    for index, (_label, _lower, upper) in enumerate(AGE_BANDS):
        if upper is not None and birth_date > _born_on_or_before(today, upper):
            return index
    return len(AGE_BANDS) - 1


def _age_band_case(today: datetime.date):
    """The band index of a worker's age today, from the birth date (no per-row Python)."""
    whens = [
        When(birth_date__gt=_born_on_or_before(today, upper), then=Value(index))
        for index, (_label, _lower, upper) in enumerate(AGE_BANDS)
        if upper is not None
    ]
    return Case(*whens, default=Value(len(AGE_BANDS) - 1), output_field=IntegerField())


def _flag_low(rows):
    """Flag the rows far below their benchmark (target, else the average of the rows)."""
    counted = [row["_covered"] for row in rows]
    average = sum(counted) / len(counted) if counted else 0
    for row in rows:
        benchmark = row["target"] or average
        row["low"] = bool(benchmark) and row["_covered"] < LOW_SHARE * benchmark
        row["reach"] = row["_covered"] / benchmark if benchmark else 0.0
    return rows


def count_by_region(scope: Scope) -> dict:
    """Covered workers, share of the target and claims per kecamatan, and per desa of the
    kecamatan in scope ("desa on click")."""
    data = scope.aggregates
    desa_list = list(Desa.objects.values("id", "code", "name", "kecamatan_id", "is_kelurahan").order_by("code"))
    desa_kecamatan = {desa["id"]: desa["kecamatan_id"] for desa in desa_list}
    covered_desa, covered_kecamatan = {}, {}
    for group in data.covered_places:
        desa_id = group["desa_id"]
        covered_desa[desa_id] = covered_desa.get(desa_id, 0) + group["n"]
        kecamatan_id = desa_kecamatan[desa_id]
        covered_kecamatan[kecamatan_id] = covered_kecamatan.get(kecamatan_id, 0) + group["n"]
    claims_desa, claims_kecamatan = {}, {}
    for group in data.claim_parts["desa"]:
        paid = group["n"] if group["status"] == Claim.Status.PAID else 0
        for totals in (
            claims_desa.setdefault(group["desa_id"], {"filed": 0, "paid": 0}),
            claims_kecamatan.setdefault(desa_kecamatan[group["desa_id"]], {"filed": 0, "paid": 0}),
        ):
            totals["filed"] += group["n"]
            totals["paid"] += paid

    hide = scope.hide_small
    kecamatan_rows = _flag_low([
        {
            "code": k.code,
            "name": k.name,
            "_covered": covered_kecamatan.get(k.pk, 0),
            "target": data.targets.get(k.pk),
            "claims_filed": mask_small(claims_kecamatan.get(k.pk, {}).get("filed", 0), hide_small=hide),
            "claims_paid": mask_small(claims_kecamatan.get(k.pk, {}).get("paid", 0), hide_small=hide),
        }
        for k in (scope.kecamatan_list if not scope.kecamatan else [scope.kecamatan])
    ])
    desa_rows = []
    if scope.kecamatan or scope.area:  # an area's desa are always listed (Desa is scoped to them)
        desa_rows = _flag_low([
            {
                "code": desa["code"],
                "name": desa["name"],
                "is_kelurahan": desa["is_kelurahan"],
                "_covered": covered_desa.get(desa["id"], 0),
                "target": None,
                "claims_filed": mask_small(claims_desa.get(desa["id"], {}).get("filed", 0), hide_small=hide),
                "claims_paid": mask_small(claims_desa.get(desa["id"], {}).get("paid", 0), hide_small=hide),
            }
            for desa in desa_list
            if scope.kecamatan is None or desa["kecamatan_id"] == scope.kecamatan.pk
        ])
    for row in kecamatan_rows + desa_rows:
        row["covered"] = mask_small(row.pop("_covered"), hide_small=hide)
        row["target_share"] = percent_of(row["covered"], row["target"])
        if is_hidden(row["covered"]):
            row["reach"] = None  # would give the count back through the chart
    return {"kecamatan": kecamatan_rows, "desa": desa_rows}


def count_by_group(scope: Scope) -> dict:
    """Covered workers by occupation, sex and age band.

    A worker with two occupations (R-ENR-6) counts under both, so occupations add up to more
    than the covered workers.
    """
    data = scope.aggregates
    sex, bands = {}, data.covered_bands
    for group in data.covered_places:
        sex[group["sex"]] = sex.get(group["sex"], 0) + group["n"]
    hide = scope.hide_small
    occupations = sorted(
        (
            {"code": code, "name": name, "_n": data.occupations.get(pk, 0)}
            for pk, code, name in Occupation.objects.values_list("pk", "code", "name")
        ),
        key=lambda row: (-row["_n"], row["name"]),
    )
    for row in occupations:
        row["covered"] = mask_small(row.pop("_n"), hide_small=hide)
    return {
        "occupation": occupations,
        "sex": [
            {"code": code, "name": str(label), "covered": mask_small(sex.get(code, 0), hide_small=hide)}
            for code, label in Worker.Sex.choices
        ],
        "age_band": [
            {"name": label, "covered": mask_small(bands.get(index, 0), hide_small=hide)}
            for index, (label, _lower, _upper) in enumerate(AGE_BANDS)
        ],
    }


# --- Over time ----------------------------------------------------------------------------


def _months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, current = [], first
    while current <= last:
        months.append(current)
        current = (current + datetime.timedelta(days=32)).replace(day=1)
    return months


def _as_date(month):
    """TruncMonth of a datetime comes back as an aware datetime in the current time zone."""
    return month.date() if isinstance(month, datetime.datetime) else month


def count_by_month(scope: Scope) -> list[dict]:
    """Per month: enrolments (covered coverages by start month), claims filed (by filing month)
    and claims paid (by payment month). Months without any event between the first and the
    last are listed with zeros."""
    data = scope.aggregates
    enrolments, filed, paid = {}, {}, {}
    for group in data.coverage_groups:
        if scope.is_covering(group["funding_source_id"], group["status"]):
            month = group["start_date"].replace(day=1)
            enrolments[month] = enrolments.get(month, 0) + group["n"]
    for group in data.claim_parts["filed"]:
        filed[group["filed"]] = filed.get(group["filed"], 0) + group["n"]
    for group in data.claim_parts["paid"]:
        paid[group["paid"]] = paid.get(group["paid"], 0) + group["n"]
    known = set(enrolments) | set(filed) | set(paid)
    if not known:
        return []
    hide = scope.hide_small
    return [
        {
            "month": month.strftime("%Y-%m"),
            "enrolments": mask_small(enrolments.get(month, 0), hide_small=hide),
            "claims_filed": mask_small(filed.get(month, 0), hide_small=hide),
            "claims_paid": mask_small(paid.get(month, 0), hide_small=hide),
        }
        for month in _months_between(min(known), max(known))
    ]


# --- Serving: the same figures for the page, the JSON API and the Excel export ---------------
#
# On PostgreSQL every figure reads the summary rows (dashboard.summary): computed, the page costs
# ~100 ms at 100,000 workers under load (README "Benchmarks"). Computed figures are still kept in
# the cache for DASHBOARD_CACHE_SECONDS (default 60) under a key made of the filters, the day, the
# small-cell flag and the newest audit event: a change made through the application (services,
# admin, imports: all audited by core.audit) shows at once, any other change (a bulk update in a
# shell) within that time. DASHBOARD_CACHE_SECONDS=0 computes every request.

FIGURES = {"summary": summarize, "regions": count_by_region, "groups": count_by_group, "monthly": count_by_month}


def read_data_version() -> int:
    """The newest audit event's id: it moves with every audited change (one index lookup)."""
    return AuditEvent.objects.aggregate(newest=Max("id"))["newest"] or 0


def cache_key_parts(scope: Scope) -> str:
    """What every cached dashboard figure depends on, as part of its cache key: the data version,
    the day, the small-cell flag, the filters, the area (so that figures cached for the regency
    never serve a village, nor one village another: core.areas.AreaScope.cache_key) and the
    language (the figures carry translated labels, e.g. sex)."""
    if scope.version is None:
        scope.version = read_data_version()
    area = scope.area
    return "{version}:{today}:{hidden}:{filters}:{area}:{language}".format(
        version=scope.version, today=scope.today.isoformat(), hidden=int(scope.hide_small),
        filters=scope.filters.query(), area=area.cache_key() if area else "kabupaten", language=get_language(),
    )


def get_figures(scope: Scope, part: str):
    """One part of the dashboard (a key of FIGURES), from the cache or computed."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return FIGURES[part](scope)
    key = f"dashboard:{cache_key_parts(scope)}:{part}"
    return cache.get_or_set(key, lambda: FIGURES[part](scope), seconds)


def build_dashboard(scope: Scope) -> dict:
    """Everything the page and the Excel export show. The regions come first so that the
    summary's covered total is the sum of the covered workers per place already counted."""
    order = ["regions", *(part for part in FIGURES if part != "regions")]
    computed = {part: get_figures(scope, part) for part in order}
    return {part: computed[part] for part in FIGURES}
