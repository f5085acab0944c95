"""BOT_CONCURRENCY and the webhook settings, checked at start."""

from __future__ import annotations

import pytest

from bot.cli import main
from bot.settings import Settings, SettingsError

TOKEN = "123456:ABC-def"


def settings(**values: str) -> Settings:
    return Settings.from_values({"TELEGRAM_BOT_TOKEN": TOKEN, **values})


def test_defaults() -> None:
    s = settings()
    assert s.concurrency == 32 and s.webhook_listen == "127.0.0.1:8443"
    assert s.webhook_url is None and s.webhook_secret is None


@pytest.mark.parametrize(("name", "value"), [
    ("BOT_CONCURRENCY", "0"), ("BOT_CONCURRENCY", "beaucoup"), ("BOT_CONCURRENCY", "²"),
    ("WEBHOOK_URL", "bot.example.fr"), ("WEBHOOK_LISTEN", "8443"),
    ("WEBHOOK_LISTEN", "0.0.0.0:99999"), ("WEBHOOK_SECRET", "avec espace"),
    ("WEBHOOK_SECRET", "x" * 257)])
def test_a_bad_value_names_its_setting(name: str, value: str) -> None:
    with pytest.raises(SettingsError) as error:
        settings(**{name: value})
    assert str(error.value).startswith(name)


def test_webhook_mode_needs_the_url_and_the_secret(monkeypatch: pytest.MonkeyPatch,
                                                   tmp_path: object,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)  # no .env
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    monkeypatch.delenv("WEBHOOK_SECRET", raising=False)
    monkeypatch.setenv("WEBHOOK_URL", "https://bot.example.fr/telegram/hook")
    assert main(["run", "--webhook"]) == 2
    assert "WEBHOOK_SECRET" in capsys.readouterr().err
    s = settings(WEBHOOK_URL="https://bot.example.fr/t", WEBHOOK_SECRET="a-b_C9",
                 WEBHOOK_LISTEN="[::1]:8444", BOT_CONCURRENCY="64")
    s.require_webhook()
    assert (s.concurrency, s.webhook_secret, s.webhook_listen) == (64, "a-b_C9", "[::1]:8444")
