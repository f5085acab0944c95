from datetime import datetime
from pathlib import Path

import pytest

from bot.settings import MISSING_TOKEN, Settings, SettingsError

TOKEN = "123456:ABC-def"


def load(**values: str) -> Settings:
    return Settings.from_values({"TELEGRAM_BOT_TOKEN": TOKEN, **values})


def test_defaults():
    settings = load()
    assert settings.api_url == "https://api.telegram.org/bot"
    assert settings.database_url == "sqlite:///data/hlm-bot.sqlite3"
    assert settings.timezone.key == "Europe/Paris"
    assert settings.admins == () and settings.clock_start is None


def test_values():
    settings = load(BOT_ADMINS="1001, 1002", BOT_DATA_DIR="/tmp/x",
                    BOT_CLOCK_START="2027-03-15T09:00:00", TELEGRAM_API_URL="http://127.0.0.1:1/bot")
    assert settings.admins == (1001, 1002)
    assert settings.database_url == "sqlite:////tmp/x/hlm-bot.sqlite3"
    assert settings.clock_start == datetime.fromisoformat("2027-03-15T09:00:00+01:00")


@pytest.mark.parametrize("name, value", [
    ("BOT_ADMINS", "1001,claire"), ("BOT_TIMEZONE", "Europe/Dax"), ("BOT_CLOCK_START", "demain"),
    ("TELEGRAM_API_URL", "api.telegram.org"), ("TELEGRAM_FILE_URL", "ftp://x"),
    ("DATABASE_URL", "not a url"), ("TELEGRAM_BOT_TOKEN", "no token"),
])
def test_a_bad_value_is_named(name, value):
    with pytest.raises(SettingsError) as error:
        load(**{name: value})
    assert str(error.value).startswith(name)


def test_missing_token_says_how_to_get_one():
    settings = Settings.from_values({})
    with pytest.raises(SettingsError) as error:
        settings.require_token()
    assert str(error.value) == MISSING_TOKEN
    assert "@BotFather" in MISSING_TOKEN and ".env" in MISSING_TOKEN


def test_dotenv_is_read_and_environment_wins(tmp_path: Path):
    dotenv = tmp_path / ".env"
    dotenv.write_text('# comment\nexport TELEGRAM_BOT_TOKEN="1:from-file"\nBOT_ADMINS=7\n')
    settings = Settings.load({"BOT_ADMINS": "8"}, dotenv)
    assert settings.token == "1:from-file" and settings.admins == (8,)


def test_organisation_settings(tmp_path: Path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(b"\x89PNG")
    settings = load(ORG_NAME="MDL", ORG_ADDRESS="1 place X\\n40100 Dax", ORG_LOGO=str(logo))
    assert settings.org_address == "1 place X\n40100 Dax" and settings.org_logo == logo
    with pytest.raises(SettingsError, match=r"^ORG_LOGO"):
        load(ORG_LOGO=str(tmp_path / "absent.png"))
