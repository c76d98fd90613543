"""seed_demo tells the same story on any day, shifted: "today" pinned to a December, a March and
a 1 January (time-machine). The news item's programs keep their dates; the program of the year
runs, renewed through funding.renewal; programs whose period is over are ended by the nightly
verb; next year's program waits; the dashboard opens on the program running today."""

import datetime
import io
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import Count

from claims.models import Claim
from demo.builders import on_day
from enrollment.models import Coverage
from funding.models import ContributionBill, FundingSource


def seed(day):
    with on_day(day):
        call_command("seed_demo", password="demo-Pass-2027", force=True, stdout=io.StringIO())


def statuses(code) -> dict:
    return dict(Coverage.objects.filter(funding_source__code=code).values_list("status").annotate(n=Count("id")))


def renewed_from(previous, code):
    return Coverage.objects.filter(funding_source__code=code, worker__coverages__funding_source__code=previous)


def dashboard_summary(client, username, day, query=""):
    with on_day(day):  # the session is made on that day too (it would have expired)
        client.force_login(get_user_model().objects.get(username=username))
        response = client.get(f"/dashboard/api/summary?{query}")
    assert response.status_code == 200
    return response.json()


def assert_story_so_far(day):
    """What every day from 2027 shares: the past ended by the nightly verb, this year running."""
    assert list(FundingSource.objects.order_by("period_start").values_list("code", flat=True)) == [
        "DBH-SAWIT-2024", "DBH-SAWIT-2025", "DBH-SAWIT-2026", "DBH-SAWIT-2027", "DBH-SAWIT-2028"]
    assert statuses("DBH-SAWIT-2024") == {"ended": 1885}
    assert statuses("DBH-SAWIT-2025") == {"ended": 3200}
    assert statuses("DBH-SAWIT-2026") == {"ended": 3200 + 120}  # renewed from 2025, plus the new of 2026
    assert renewed_from("DBH-SAWIT-2025", "DBH-SAWIT-2026").count() == 3200
    running = FundingSource.objects.get(code="DBH-SAWIT-2027")
    assert running.period_start <= day <= running.period_end
    # Every 2026 worker was alive and under 65 on 1 January 2027: all renewed, same KPJ.
    renewed = renewed_from("DBH-SAWIT-2026", "DBH-SAWIT-2027")
    assert renewed.count() == 3320
    assert set(renewed.values_list("start_date", flat=True)) == {datetime.date(2027, 1, 1)}
    sample = renewed.select_related("worker").first().worker
    assert len(set(sample.coverages.values_list("kpj_number", flat=True))) == 1
    assert not FundingSource.objects.get(code="DBH-SAWIT-2028").coverages.exists()
    assert FundingSource.objects.get(code="DBH-SAWIT-2028").budget == Decimal("806400000")
    # Claims of this year's program in every status, none dated after today nor before its start.
    claims = Claim.objects.filter(coverage__funding_source=running)
    assert set(claims.values_list("status", flat=True)) == {"submitted", "verified", "approved", "paid", "rejected"}
    assert all(running.period_start <= d <= day for d in claims.values_list("event_date", flat=True))
    # The news item's two paid JKM claims keep their figures.
    paid_2024 = Claim.objects.filter(coverage__funding_source__code="DBH-SAWIT-2024", status="paid")
    assert sorted(paid_2024.values_list("paid_amount", flat=True)) == [Decimal("42000000")] * 2


def bills_of(code):
    return [(b.first_month, b.last_month, b.status)
            for b in ContributionBill.objects.filter(funding_source__code=code).with_paid().order_by("first_month")]


@pytest.mark.django_db
def test_in_december_the_year_runs_out_and_the_renewal_comes_first(client):
    day = datetime.date(2027, 12, 10)
    seed(day)

    assert_story_so_far(day)
    new = Coverage.objects.filter(funding_source__code="DBH-SAWIT-2027").exclude(
        worker__coverages__funding_source__code="DBH-SAWIT-2026")
    assert set(new.values_list("start_date", flat=True)) == {datetime.date(2027, 4, 1)}
    # Billed up to December, paid (in advance) up to October: November is past due.
    assert bills_of("DBH-SAWIT-2027") == [
        (datetime.date(2027, 1, 1), datetime.date(2027, 10, 1), "paid"),
        (datetime.date(2027, 11, 1), datetime.date(2027, 12, 1), "unpaid")]

    figures = dashboard_summary(client, "operator", day)
    assert figures["filters"]["year"] == 2027 and figures["year"] == 2027
    assert [p["code"] for p in figures["programs"]] == ["DBH-SAWIT-2027"]
    assert figures["quota"] == 4000 and figures["covered_share_of_quota"] == round(100 * figures["covered"] / 4000, 1)
    assert figures["ending_30"] == figures["active"]  # the whole program ends on 31 December
    (renewal,) = figures["renewal"]
    skipped = {row["reason"]: row["count"] for row in renewal["skipped"]}
    # 16 turn 65 this year (R-AGE-1), 1 died (approved death claim), 3 registered by an employer (R-ENR-5).
    assert (renewal["next_code"], renewal["renewed"]) == ("DBH-SAWIT-2028", 0)
    assert skipped == {"died": 1, "age": 16, "covered": 3, "period": 0}
    assert renewal["waiting"] == 3440 - 1 - 16 - 3


@pytest.mark.django_db
def test_in_march_the_year_has_started_and_no_renewal_is_shown(client):
    day = datetime.date(2027, 3, 10)
    seed(day)

    assert_story_so_far(day)
    new = Coverage.objects.filter(funding_source__code="DBH-SAWIT-2027").exclude(
        worker__coverages__funding_source__code="DBH-SAWIT-2026")
    assert new.count() == 120 and set(new.values_list("start_date", flat=True)) == {datetime.date(2027, 3, 1)}
    assert bills_of("DBH-SAWIT-2027") == [
        (datetime.date(2027, 1, 1), datetime.date(2027, 1, 1), "paid"),
        (datetime.date(2027, 2, 1), datetime.date(2027, 3, 1), "unpaid")]

    figures = dashboard_summary(client, "pimpinan", day)
    assert figures["year"] == 2027 and [p["code"] for p in figures["programs"]] == ["DBH-SAWIT-2027"]
    assert figures["renewal"] == []  # from October on
    everything = dashboard_summary(client, "pimpinan", day, "year=all")
    assert everything["filters"]["all_years"] is True and everything["covered_share_of_quota"] is None
    assert [row["year"] for row in everything["per_year"]] == [2028, 2027, 2026, 2025, 2024]
    assert {row["year"]: row["quota"] for row in everything["per_year"]} == {
        2028: 4000, 2027: 4000, 2026: 4000, 2025: 3200, 2024: 1885}
    assert {row["year"]: row["covered"] for row in everything["per_year"]}[2025] == 3200


@pytest.mark.django_db
def test_on_the_first_of_january_last_year_has_just_ended_and_this_year_starts_today(client):
    day = datetime.date(2027, 1, 1)
    seed(day)

    assert_story_so_far(day)
    assert set(Coverage.objects.filter(funding_source__code="DBH-SAWIT-2027").values_list("start_date", flat=True)) == {day}
    assert set(Claim.objects.filter(coverage__funding_source__code="DBH-SAWIT-2027").values_list("event_date", flat=True)) == {day}
    assert bills_of("DBH-SAWIT-2027") == [(day, day, "unpaid")]  # January is due on the 15th
    assert bills_of("DBH-SAWIT-2026") == [(datetime.date(2026, 1, 1), datetime.date(2026, 12, 1), "paid")]

    figures = dashboard_summary(client, "pimpinan", day)
    assert figures["year"] == 2027 and [p["code"] for p in figures["programs"]] == ["DBH-SAWIT-2027"]
    covered = Coverage.objects.filter(funding_source__code="DBH-SAWIT-2027", status="active").values("worker").distinct()
    assert figures["covered"] == covered.count() >= 3439  # all 3,440 registered today (a death may end one)
    assert figures["renewal"] == []
