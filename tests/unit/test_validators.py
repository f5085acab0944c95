from datetime import date

import pytest

from storage.validators import (
    Invalid,
    parse_ages,
    parse_amount,
    parse_date,
    parse_int,
    parse_phone,
    parse_text,
    parse_yes_no,
)


@pytest.mark.parametrize("text, cents", [
    ("1 250,50", 125050), ("1250.50", 125050), ("1.250,50", 125050), ("1250", 125000),
    ("0", 0), ("300 €", 30000), ("12,5", 1250), ("1\u00a0250,50 €", 125050), ("99,99euros", 9999),
])
def test_amounts_as_french_people_type_them(text, cents):
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["", "mille", "12,345", "1,2,3", "😀", "1 25,00"])
def test_bad_amounts(text):
    with pytest.raises(Invalid) as error:
        parse_amount(text)
    assert error.value.code == "amount"


def test_negative_and_zero_amounts_are_refused_saying_why():
    for text in ("-40", "- 40,50", "−12"):
        with pytest.raises(Invalid, match="amount_negative"):
            parse_amount(text)
    with pytest.raises(Invalid, match="amount_zero"):
        parse_amount("0", positive=True)
    assert parse_amount("0") == 0  # a correction to 0 cancels an entry


def test_absurd_amount_is_refused():
    with pytest.raises(Invalid, match="amount_too_large"):
        parse_amount("99999999")


@pytest.mark.parametrize("text, value", [
    ("15/03/2027", date(2027, 3, 15)), ("1/3/2027", date(2027, 3, 1)),
    ("01-03-2027", date(2027, 3, 1)), (" 29.02.2028 ", date(2028, 2, 29)),
])
def test_dates(text, value):
    assert parse_date(text) == value


@pytest.mark.parametrize("text, code", [
    ("2027-03-15", "date"), ("15/03/202", "date"), ("demain", "date"),
    ("31/02/2027", "date_impossible"), ("29/02/2027", "date_impossible"),
])
def test_bad_dates(text, code):
    with pytest.raises(Invalid) as error:
        parse_date(text)
    assert error.value.code == code


def test_date_bounds():
    with pytest.raises(Invalid, match="date_too_late"):
        parse_date("16/03/2027", latest=date(2027, 3, 15))
    with pytest.raises(Invalid, match="date_too_early"):
        parse_date("14/03/2027", earliest=date(2027, 3, 15))


@pytest.mark.parametrize("text", ["06 12 34 56 78", "0612345678", "06.12.34.56.78",
                                  "+33 6 12 34 56 78", "0033612345678", "06-12-34-56-78"])
def test_phones_are_stored_in_one_shape(text):
    assert parse_phone(text) == "06 12 34 56 78"


@pytest.mark.parametrize("text", ["0612", "16 12 34 56 78", "00 12 34 56 78", "tel",
                                  "+44 20 7946 0958", "06 12 34 56 78 90"])
def test_bad_phones(text):
    with pytest.raises(Invalid, match="phone"):
        parse_phone(text)


def test_ages():
    assert parse_ages("3, 7, 12") == [3, 7, 12]
    assert parse_ages("3 et 7 ans") == [3, 7]
    assert parse_ages("0") == [] and parse_ages("aucun") == []
    for bad in ("trois", "3, x", "40"):
        with pytest.raises(Invalid, match="ages"):
            parse_ages(bad)


def test_text_kept_as_typed_within_limits():
    typed = "O'Brien <b>& \"Zoé\" 😀"
    assert parse_text(typed, max_length=120) == typed
    with pytest.raises(Invalid, match="empty"):
        parse_text("   ", max_length=10)
    with pytest.raises(Invalid) as error:
        parse_text("x" * 11, max_length=10)
    assert error.value.params == {"max_length": 10, "length": 11}


def test_integers_and_yes_no():
    assert parse_int("2", minimum=1, maximum=12) == 2
    with pytest.raises(Invalid):
        parse_int("0", minimum=1, maximum=12)
    with pytest.raises(Invalid):
        parse_int("2.5")
    assert parse_yes_no("Oui") is True and parse_yes_no("non") is False
    with pytest.raises(Invalid):
        parse_yes_no("peut-être")
