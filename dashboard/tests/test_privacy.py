"""Aggregates only (UU 27/2022): no NIK or name anywhere on the dashboard, and counts of 1–4 in
a cell shown as "<5" to users without access to personal data (Pimpinan)."""

import io

import openpyxl
import pytest

from demo.builders import make_funding
from enrollment.models import Heir, Worker

from demo.builders import populate
from .conftest import KEC_A

ENDPOINTS = ["/dashboard/api/summary", "/dashboard/api/regions", "/dashboard/api/groups", "/dashboard/api/monthly"]


def workbook_text(content: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
    return "\n".join(
        str(value) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for value in row if value is not None
    )


def everything_shown(client, query):
    texts = [client.get(f"/dashboard/?{query}").content.decode()]
    texts += [client.get(f"{url}?{query}").content.decode() for url in ENDPOINTS]
    texts.append(workbook_text(client.get(f"/dashboard/export.xlsx?{query}").content))
    return "\n".join(texts)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["leader", "official"])
def test_no_nik_or_name_reaches_the_page_the_json_or_the_workbook(client, request, program, persona):
    populate(make_funding(code="RAMAI"), 40)  # synthetic people with varied names and heirs
    client.force_login(request.getfixturevalue(persona))
    personal = set()
    for nik, name, kk, phone in Worker.objects.values_list("nik", "full_name", "kk_number", "phone"):
        personal |= {nik, name, kk, phone}
    for nik, name, account in Heir.objects.values_list("nik", "full_name", "bank_account_number"):
        personal |= {nik, name, account}
    personal.discard("")

    shown = everything_shown(client, "") + everything_shown(client, f"kecamatan={KEC_A}") + everything_shown(client, "funding=RAMAI")

    assert len(personal) > 200
    assert [value for value in personal if value in shown] == []


@pytest.mark.django_db
def test_leader_sees_small_cells_as_less_than_five(client, leader, program):
    client.force_login(leader)

    regions = client.get("/dashboard/api/regions?funding=NOW").json()
    groups = client.get("/dashboard/api/groups?funding=NOW").json()
    months = client.get("/dashboard/api/monthly?funding=NOW").json()["months"]

    assert regions["small_cells_hidden"] is True
    lamandau = next(row for row in regions["kecamatan"] if row["code"] == KEC_A)
    assert (lamandau["covered"], lamandau["claims_filed"], lamandau["target_share"]) == ("<5", "<5", None)
    empty = next(row for row in regions["kecamatan"] if row["code"] == "62.09.08")
    assert empty["covered"] == 0  # nobody is identified by a zero
    assert {row["code"]: row["covered"] for row in groups["sex"]} == {"L": "<5", "P": "<5"}
    assert {row["enrolments"] for row in months} <= {"<5", 0}
    assert "<5" in {row["enrolments"] for row in months}


@pytest.mark.django_db
def test_official_with_access_to_personal_data_sees_exact_small_counts(client, official, program):
    client.force_login(official)

    regions = client.get("/dashboard/api/regions?funding=NOW").json()

    assert regions["small_cells_hidden"] is False
    lamandau = next(row for row in regions["kecamatan"] if row["code"] == KEC_A)
    assert (lamandau["covered"], lamandau["claims_filed"]) == (3, 2)


@pytest.mark.django_db
def test_regency_wide_headline_is_exact_but_a_kecamatan_headline_follows_the_rule(client, leader, program):
    client.force_login(leader)

    regency = client.get("/dashboard/api/summary?funding=PAST").json()
    kecamatan = client.get(f"/dashboard/api/summary?funding=PAST&kecamatan={KEC_A}").json()

    assert (regency["covered"], regency["claims_paid"], regency["benefits_paid"]) == (2, 2, 84_000_000)
    assert (kecamatan["covered"], kecamatan["claims_paid"]) == ("<5", "<5")
    # Rp42.000.000 would tell that exactly one death was paid: the amount is hidden with its count.
    assert kecamatan["benefits_paid"] is None
    assert kecamatan["budget"] == regency["budget"]


@pytest.mark.django_db
def test_page_and_workbook_hide_the_same_cells_as_the_json(client, leader, program):
    client.force_login(leader)

    html = client.get("/dashboard/?funding=NOW").content.decode()
    book = openpyxl.load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?funding=NOW").content), read_only=True)
    kecamatan_sheet = {row[0]: row for row in book["Kecamatan"].iter_rows(min_row=2, values_only=True)}

    assert f'<tr class="" data-code="{KEC_A}">' in html
    row = html.split(f'data-code="{KEC_A}">', 1)[1].split("</tr>", 1)[0]
    assert '<td class="num">&lt;5</td>' in row
    assert 'data-value="&lt;5"' in html  # the chart's bar says no more than the table
    assert "jumlah 1–4 orang atau klaim pada satu sel ditampilkan sebagai" in html
    assert kecamatan_sheet[KEC_A][2] == "<5"
    assert kecamatan_sheet["62.09.08"][2] == 0


@pytest.mark.django_db
def test_workbook_says_when_benefits_are_hidden_with_their_count(client, leader, program):
    client.force_login(leader)

    content = client.get(f"/dashboard/export.xlsx?funding=PAST&kecamatan={KEC_A}").content
    rows = {row[0]: row[1] for row in openpyxl.load_workbook(io.BytesIO(content))["Ringkasan"].iter_rows(values_only=True) if row[0]}

    assert rows["Klaim dibayar"] == "<5"
    assert rows["Manfaat dibayar (Rp)"] == "disembunyikan (<5 klaim)"
