import pytest

from enrollment import normalize


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("08123456789", "+628123456789"),
        ("8123456789", "+628123456789"),  # a number cell lost its leading 0
        (8123456789, "+628123456789"),
        ("+62 812-3456-789", "+628123456789"),
        ("62812345678901", "+62812345678901"),
        ("0532 21234", "+6253221234"),  # a landline in Pangkalan Bun
    ],
)
def test_phone_is_normalised_to_plus_62(raw, expected):
    assert normalize.phone(raw) == expected


@pytest.mark.parametrize("raw", ["", None, "-", "123", "0812", "08123456789012345", "tidak ada"])
def test_unusable_phone_gives_none(raw):
    assert normalize.phone(raw) is None


@pytest.mark.parametrize("raw", ["L", "lk", "Laki-laki", "LAKI LAKI", "Pria"])
def test_male_words(raw):
    assert normalize.sex(raw) == "L"


@pytest.mark.parametrize("raw", ["P", "pr", "Perempuan", "WANITA"])
def test_female_words(raw):
    assert normalize.sex(raw) == "P"


def test_unknown_sex_word_gives_none():
    assert normalize.sex("X") is None


def test_names_are_trimmed_single_spaced_and_upper_cased():
    assert normalize.person_name("  budi   santoso \t") == "BUDI SANTOSO"


@pytest.mark.parametrize("raw", ["Desa Sungai Tuat", "ds. sungai tuat", "SUNGAI TUAT", "Sungai-Tuat"])
def test_region_key_ignores_prefix_case_and_punctuation(raw):
    assert normalize.region_key(raw) == "sungaituat"


@pytest.mark.parametrize("raw", ["Kecamatan Bulik", "Kec. Bulik", "kec bulik"])
def test_kecamatan_prefixes(raw):
    assert normalize.region_key(raw) == "bulik"
