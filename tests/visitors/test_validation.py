"""The desk's validators are plain functions: real valid and invalid examples."""

from datetime import date

import pytest
from flask_babel import force_locale
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from portal.blueprints.visitors.validation import (
    IdType,
    id_check_digit,
    validate_document,
    validate_resident_id,
)
from portal.rules import RuleViolation
from portal.validators import validate_phone, validate_plate
from tests.visitors.conftest import make_resident_id

TODAY = date(2025, 6, 1)


def problem(function, *args, **kwargs) -> str:
    with pytest.raises(RuleViolation) as caught:
        function(*args, **kwargs)
    return str(caught.value.message)


@pytest.fixture(autouse=True)
def _english(app):
    with force_locale("en"):
        yield


# ---------------------------------------------------------------- resident ID


def test_the_standard_examples_have_the_right_check_digit():
    # GB 11643-1999 gives these two; the first ends in X (check value 10).
    assert id_check_digit("11010519491231002") == "X"
    assert id_check_digit("44052418800101001") == "4"


@pytest.mark.parametrize("number", ["11010519491231002X", "11010519491231002x", "110105 19491231 002X", "51092119850612123" + id_check_digit("51092119850612123")])
def test_valid_resident_ids_are_normalized(number):
    result = validate_resident_id(number, today=TODAY)
    assert result.number == "".join(number.split()).upper()
    assert result.region_code == result.number[:6]


def test_fullwidth_digits_from_a_chinese_input_method_are_accepted():
    assert validate_resident_id("１１０１０５１９４９１２３１００２Ｘ", today=TODAY).number == "11010519491231002X"


def test_parts_of_a_resident_id():
    result = validate_resident_id("11010519491231002X", today=TODAY)
    assert result.birth_date == date(1949, 12, 31)
    assert result.last4 == "002X"


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("", "Enter the ID number."),
        ("11010519491231002", "18 characters; this one has 17"),
        ("11010519491231002X1", "18 characters; this one has 19"),
        ("1101051949123100AX", "first 17 characters of a resident ID number must be digits"),
        ("11010519491231002Y", "last character of a resident ID number must be a digit or X"),
        ("99010519491231002X", "not a province code"),
        (make_resident_id(born="19900230"), "not a real birth date"),
        (make_resident_id(born="20300101"), "not possible"),
        ("440524188001010014", "not possible"),  # the standard's own example: born in 1880
        ("11010519491231003X", "check digit"),  # one digit mistyped
        ("11010519491231020X", "check digit"),  # two digits swapped
    ],
)
def test_invalid_resident_ids_say_what_is_wrong(number, expected):
    assert expected in problem(validate_resident_id, number, today=TODAY)


def test_messages_never_repeat_the_number():
    number = make_resident_id(born="19900230")
    assert number not in problem(validate_resident_id, number, today=TODAY)
    assert "19900230" not in problem(validate_resident_id, number, today=TODAY)


_valid_prefix = st.tuples(
    st.sampled_from(["110105", "510921", "440305", "650102"]),
    st.dates(min_value=date(1920, 1, 1), max_value=date(2024, 12, 31)),
    st.integers(min_value=0, max_value=999),
).map(lambda t: f"{t[0]}{t[1]:%Y%m%d}{t[2]:03d}")


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_valid_prefix)
def test_every_number_with_its_check_digit_is_accepted(first17):
    assert validate_resident_id(first17 + id_check_digit(first17), today=TODAY).number.startswith(first17)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_valid_prefix, st.integers(min_value=0, max_value=16), st.integers(min_value=1, max_value=9))
def test_any_single_mistyped_digit_is_caught(first17, position, delta):
    good = first17 + id_check_digit(first17)
    digits = list(good)
    digits[position] = str((int(digits[position]) + delta) % 10)
    bad = "".join(digits)
    with pytest.raises(RuleViolation):  # by the check digit, or earlier by the date or province
        validate_resident_id(bad, today=TODAY)


# ---------------------------------------------------------------- other documents


@pytest.mark.parametrize(
    ("id_type", "number", "normalized"),
    [
        (IdType.PASSPORT, "e12345678", "E12345678"),
        (IdType.PASSPORT, "X1234567", "X1234567"),
        (IdType.HK_MACAO_TAIWAN, "H12345678", "H12345678"),
        (IdType.HK_MACAO_TAIWAN, "12345678", "12345678"),
        (IdType.OTHER, "JG-2021-0042", "JG-2021-0042"),
    ],
)
def test_other_documents(id_type, number, normalized):
    assert validate_document(id_type, number, today=TODAY) == normalized


@pytest.mark.parametrize(
    ("id_type", "number", "expected"),
    [
        (IdType.PASSPORT, "E12", "5 to 17 letters and digits"),
        (IdType.PASSPORT, "E1234567#", "5 to 17 letters and digits"),
        (IdType.HK_MACAO_TAIWAN, "HK1234", "8 to 10 digits"),
        (IdType.OTHER, "", "Enter the document number."),
    ],
)
def test_invalid_other_documents(id_type, number, expected):
    assert expected in problem(validate_document, id_type, number, today=TODAY)


# ---------------------------------------------------------------- phones


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("13812345678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("+86 138 1234 5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0825-5421234", "0825-5421234"),
        ("(0825) 5421234", "0825-5421234"),
        ("（0825）54212345", "0825-54212345"),
        ("010-65123456", "010-65123456"),
        ("028 85123456", "028-85123456"),
        ("0825-5421234 转 8001", "0825-5421234-8001"),
        ("5421234", "5421234"),
    ],
)
def test_valid_phone_numbers(raw, normalized):
    assert validate_phone(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1381234567", "11 digits; this one has 10"),
        ("138123456789", "11 digits; this one has 12"),
        ("12812345678", "starts with 13 to 19"),
        ("010-6512345", "After area code 010 a landline number has 8 digits"),
        ("0825-12345", "After area code 0825 a landline number has 7 or 8 digits"),
        ("0825-0123456", "7 or 8 digits"),
        ("13812345678 转 1", "A mobile number has no extension"),
        ("138abc45678", "only digits"),
        ("12345", "11 digits; this one has 5"),
        ("54321", "11-digit mobile number"),
    ],
)
def test_invalid_phone_numbers(raw, expected):
    assert expected in problem(validate_phone, raw)


# ---------------------------------------------------------------- plates


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [
        ("川A12345", "川A12345"),
        ("川j·a1234", "川JA1234"),
        ("京N 8B9C7", "京N8B9C7"),
        ("川AD12345", "川AD12345"),  # new energy, small: D + 5
        ("粤BFA1234", "粤BFA1234"),  # new energy hybrid: F, a letter, 4 digits
        ("川A12345D", "川A12345D"),  # new energy, large: 5 digits + D
        ("川A1234学", "川A1234学"),
        ("粤Z1234港", "粤Z1234港"),
        ("川Ａ１２３４５", "川A12345"),  # full-width, as typed with an input method
    ],
)
def test_valid_plates(raw, normalized):
    assert validate_plate(raw) == normalized


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("A12345", "starts with the province character"),
        ("X川12345", "starts with the province character"),
        ("川112345", "second character of a plate is the city letter"),
        ("川A1234", "7 characters (8 for new-energy vehicles); this one has 6"),
        ("川A123456789", "this one has 11"),
        ("川AI2345", "I and O are not used"),
        ("川AO2345", "I and O are not used"),
        ("川AX12345", "new-energy plate"),
        ("川A12345X", "new-energy plate"),
        ("川AD1234A", "new-energy plate"),
    ],
)
def test_invalid_plates(raw, expected):
    assert expected in problem(validate_plate, raw)


def test_messages_are_in_chinese_by_default(app):
    with force_locale("zh_CN"):
        assert "18" in problem(validate_resident_id, "123", today=TODAY)
        assert "Enter" not in problem(validate_phone, "")
