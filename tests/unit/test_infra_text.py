"""Issue 9 §6, §7: hidden characters refused in free text, file names cleaned, numbers that
do not overflow, button data parsed before anything is done with it, logs without data."""

from __future__ import annotations

import logging

import pytest

from bot.logs import SafeFormatter, describe
from handlers.callbacks import Unreadable, parse
from storage.validators import Invalid, clean_name, parse_ages, parse_amount, parse_text

TOKEN = "7000000001:AAHsecretsecretsecret"


@pytest.mark.parametrize("text", ["note\x00", "a\x1cb", "\x7f", "\x85x", "Dupré\u202eerpuD",
                                  "\u2066x\u2069", "\u202ax"])
def test_control_and_bidi_characters_are_refused(text):
    with pytest.raises(Invalid) as refused:
        parse_text(text, max_length=100)
    assert refused.value.code == "hidden_characters"


def test_newlines_tabs_and_accents_stay():
    assert parse_text(" Visite :\n\tà revoir — Hélène ", max_length=100) == \
        "Visite :\n\tà revoir — Hélène"


def test_file_names_are_cleaned_for_the_card():
    assert clean_name("facture\u202egnp.exe") == "facturegnp.exe"
    assert clean_name("re\x00levé.pdf") == "relevé.pdf"


@pytest.mark.parametrize(("parse", "text"), [
    (parse_ages, "²"), (parse_ages, "3, ⁴"), (parse_amount, "9" * 5000),
    (parse_amount, "١٢٣"), (parse_amount, "1 000 000 000 000 000 000"),
])
def test_odd_digits_are_refused_not_raised(parse, text):
    with pytest.raises(Invalid):
        parse(text)


@pytest.mark.parametrize("data", ["h:o:" + "9" * 20, "h:o:1\x00", "h:o:١٢", "", "a::b",
                                  "h:o:1 OR 1=1"])
def test_unreadable_button_data(data):
    with pytest.raises(Unreadable):
        parse(data)


def test_readable_button_data():
    assert parse("h:o:12") == ["h", "o", "12"]
    assert parse("f:3:S:ok") == ["f", "3", "S", "ok"]


def _record(message: str, *args: object, error: BaseException | None = None
            ) -> logging.LogRecord:
    exc_info = (type(error), error, error.__traceback__) if error else None
    return logging.LogRecord("x", logging.ERROR, __file__, 1, message, args, exc_info)


def test_the_log_never_shows_the_token_nor_an_exception_message():
    formatter = SafeFormatter("%(message)s", TOKEN)
    household = "Hélène Dupré, 12 rue des Arènes"
    try:
        try:
            raise ValueError(household)
        except ValueError as inner:
            raise RuntimeError(f"https://api.telegram.org/bot{TOKEN}/getMe") from inner
    except RuntimeError as error:
        text = formatter.format(_record("GET https://api.telegram.org/bot%s/getMe", TOKEN,
                                        error=error))
    assert TOKEN not in text and "AAHsecret" not in text and "Hélène" not in text
    assert "ValueError" in text and "RuntimeError" in text and "test_infra_text.py" in text
    assert "<TELEGRAM_BOT_TOKEN>" in text
    assert "Hélène" not in describe(ValueError(household))
