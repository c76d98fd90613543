"""R-NIK-1 .. R-NIK-4: every rule with valid and invalid examples."""

import datetime

import pytest
from django.core.exceptions import ValidationError

from enrollment.nik import (
    FEMALE,
    MALE,
    clean_nik,
    identity_errors,
    kpj_error,
    parse_nik,
    validate_kk_number,
)

TODAY = datetime.date(2026, 11, 26)


def parse(nik):
    return parse_nik(nik, today=TODAY)


def test_a_man_born_1980_is_decoded():
    info = parse("6209011205800001")
    assert info.birth_date == datetime.date(1980, 5, 12)
    assert info.sex == MALE
    assert info.regency_code == "6209"
    assert info.kecamatan_code == "01"
    assert info.serial == "0001"


def test_forty_is_added_to_the_day_for_women():
    info = parse("6209015505800001")  # the domain's example: day 55 = 15, female
    assert info.sex == FEMALE
    assert info.birth_date == datetime.date(1980, 5, 15)


def test_day_71_is_the_31st_for_a_woman():
    assert parse("6209017101900003").birth_date == datetime.date(1990, 1, 31)


@pytest.mark.parametrize("nik", ["620901120580000", "62090112058000011", "62090112O5800001", ""])
def test_a_nik_must_be_exactly_16_digits(nik):
    with pytest.raises(ValidationError):
        parse(nik)


def test_spaces_dots_dashes_and_apostrophe_are_ignored():
    assert clean_nik("'6209.0112-0580 0001") == "6209011205800001"
    assert parse(" 6209 0112 0580 0001 ").nik == "6209011205800001"


def test_nik_from_another_regency_is_accepted_r_nik_3():
    # A migrant plantation worker from Cilacap (33.01) keeps his NIK.
    assert parse("3301011205800001").regency_code == "3301"


def test_pre_2022_papua_regency_code_is_accepted():
    # 91.01 Merauke moved to Papua Selatan (93.01) in 2022; older NIKs still carry 9101.
    assert parse("9101011205800001").regency_code == "9101"


@pytest.mark.parametrize("nik", ["9999011205800001", "6299011205800001", "0000011205800001", "6200011205800001"])
def test_unknown_province_or_regency_is_refused(nik):
    with pytest.raises(ValidationError, match="kode provinsi/kabupaten"):
        parse(nik)


def test_a_province_code_alone_is_not_a_regency():
    with pytest.raises(ValidationError):
        parse("6200001205800001")


def test_kecamatan_00_is_refused():
    with pytest.raises(ValidationError, match="kecamatan 00"):
        parse("6209001205800001")


@pytest.mark.parametrize("day", ["00", "32", "40", "72", "99"])
def test_day_outside_1_31_and_41_71_is_refused(day):
    with pytest.raises(ValidationError, match="tanggal lahir"):
        parse(f"620901{day}05800001")


@pytest.mark.parametrize("ddmmyy", ["310480", "300280", "000180", "011380", "710480"])
def test_birth_date_must_be_a_real_calendar_date(ddmmyy):
    with pytest.raises(ValidationError, match="tanggal"):
        parse(f"620901{ddmmyy}0001")


def test_leap_day_in_a_leap_year_is_valid():
    assert parse("6209012902960001").birth_date == datetime.date(1996, 2, 29)


def test_serial_0000_is_refused():
    with pytest.raises(ValidationError, match="nomor urut"):
        parse("6209011205800000")


def test_serial_9999_is_valid():
    assert parse("6209011205809999").serial == "9999"


def test_century_is_the_one_giving_an_age_under_100():
    assert parse("6209011205050001").birth_date == datetime.date(2005, 5, 12)
    assert parse("6209011205300001").birth_date == datetime.date(1930, 5, 12)
    # 1 Dec 26 has not come yet in 2026, so it is 1926 (age 99), not a future date.
    assert parse("6209010112260001").birth_date == datetime.date(1926, 12, 1)


def test_sex_mismatch_names_both_values_r_nik_2():
    info = parse("6209015505800001")
    errors = identity_errors(info, sex=MALE, birth_date=datetime.date(1980, 5, 15))
    assert set(errors) == {"sex"}
    assert "Laki-laki" in errors["sex"] and "Perempuan" in errors["sex"]


def test_birth_date_mismatch_names_both_dates_r_nik_2():
    info = parse("6209011205800001")
    errors = identity_errors(info, sex=MALE, birth_date=datetime.date(1980, 5, 13))
    assert set(errors) == {"birth_date"}
    assert "13-05-1980" in errors["birth_date"] and "12-05-1980" in errors["birth_date"]


def test_matching_identity_has_no_errors():
    info = parse("6209011205800001")
    assert identity_errors(info, sex=MALE, birth_date=datetime.date(1980, 5, 12)) == {}


def test_kk_number_is_16_digits_r_nik_4():
    validate_kk_number("6209010101200001")
    with pytest.raises(ValidationError):
        validate_kk_number("62090101012000")


def test_kpj_length_is_configurable_r_nik_4():
    assert kpj_error("24000000001", 11) is None
    assert kpj_error("2400000001", 11)
    assert kpj_error("2400000001", 10) is None
    assert kpj_error("2400000000A", 11)
