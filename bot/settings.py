"""Settings from the environment or `.env`: exactly the names of the README, checked at start."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from urllib.parse import urlparse
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_API_URL = "https://api.telegram.org/bot"
DEFAULT_FILE_URL = "https://api.telegram.org/file/bot"
DEFAULT_CITY = "Dax"

MISSING_TOKEN = """\
TELEGRAM_BOT_TOKEN manquant / missing.

FR : créez le bot avec @BotFather dans Telegram (commande /newbot), copiez le jeton
     qu'il vous donne, puis écrivez-le dans le fichier .env à la racine du projet :
         TELEGRAM_BOT_TOKEN=123456789:AAH...
     (ou exportez la variable d'environnement) et relancez `make run`.
EN : create the bot with @BotFather in Telegram (/newbot), copy the token it gives you,
     put it in the .env file at the project's root as TELEGRAM_BOT_TOKEN=... (or export
     the environment variable) and run `make run` again."""


class SettingsError(ValueError):
    """A setting is missing or wrong: the message names the variable."""


@dataclass(frozen=True)
class Settings:
    token: str | None
    api_url: str = DEFAULT_API_URL
    file_url: str = DEFAULT_FILE_URL
    database_url: str = "sqlite:///data/hlm-bot.sqlite3"
    data_dir: Path = Path("data")
    admins: tuple[int, ...] = ()
    timezone: ZoneInfo = field(default_factory=lambda: ZoneInfo("Europe/Paris"))
    clock_start: datetime | None = None
    org_name: str = "Maison du Logement"
    org_address: str = ""
    org_logo: Path | None = None
    org_city: str = DEFAULT_CITY
    rent_check_delay: int = 5
    remaining_min: int = 1000  # reste à vivre threshold, cents per person per day
    workers: int = 8  # threads running the updates' transactions and the PDFs (BOT_WORKERS)
    programme_target: int = 25  # households the programme commits to support in a year
    cost_per_household_year: int = 144000  # cents: the founding document's 1 440 €
    concurrency: int = 32  # updates handled at once (different chats), see bot.polling
    # Messages per second to Telegram, all chats together (BOT_SEND_RATE): Telegram's ~30;
    # a bot allowed paid broadcasts may go up to 1000.
    send_rate: int = 30
    webhook_url: str | None = None  # the public HTTPS URL Telegram calls (run --webhook)
    webhook_listen: str = "127.0.0.1:8443"
    webhook_secret: str | None = None

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None,
             dotenv: Path | None = Path(".env")) -> Settings:
        values = read_dotenv(dotenv) if dotenv else {}
        values.update(os.environ if environ is None else environ)
        return cls.from_values(values)

    @classmethod
    def from_values(cls, values: Mapping[str, str]) -> Settings:
        def get(name: str) -> str | None:
            value = values.get(name, "").strip()
            return value or None

        token = get("TELEGRAM_BOT_TOKEN")
        if token is not None and (any(c.isspace() for c in token) or ":" not in token
                                  or not token.split(":", 1)[0].isascii()
                                  or not token.split(":", 1)[0].isdigit()):
            raise SettingsError("TELEGRAM_BOT_TOKEN : jeton invalide / invalid token "
                                "(attendu / expected 123456789:AAH…, from @BotFather)")
        data_dir = Path(get("BOT_DATA_DIR") or "data")
        tz = _timezone(get("BOT_TIMEZONE") or "Europe/Paris")
        # `\n` in the value separates the lines of the address on the documents.
        org_address = (get("ORG_ADDRESS") or "").replace("\\n", "\n")
        return cls(
            token=token,
            api_url=_url("TELEGRAM_API_URL", get("TELEGRAM_API_URL") or DEFAULT_API_URL),
            file_url=_url("TELEGRAM_FILE_URL", get("TELEGRAM_FILE_URL") or DEFAULT_FILE_URL),
            database_url=_database_url(get("DATABASE_URL"), data_dir),
            data_dir=data_dir,
            admins=_admins(get("BOT_ADMINS") or ""),
            timezone=tz,
            clock_start=_clock_start(get("BOT_CLOCK_START"), tz),
            org_name=get("ORG_NAME") or "Maison du Logement",
            org_address=org_address,
            org_logo=_logo(get("ORG_LOGO")),
            org_city=get("ORG_CITY") or _city(org_address),
            rent_check_delay=_days("RENT_CHECK_DELAY_DAYS", get("RENT_CHECK_DELAY_DAYS") or "5"),
            remaining_min=_euros("RESTE_A_VIVRE_MIN", get("RESTE_A_VIVRE_MIN") or "10"),
            workers=_count("BOT_WORKERS", get("BOT_WORKERS") or "8", maximum=256),
            programme_target=_count("PROGRAMME_TARGET", get("PROGRAMME_TARGET") or "25"),
            cost_per_household_year=_euros("COST_PER_HOUSEHOLD_YEAR",
                                           get("COST_PER_HOUSEHOLD_YEAR") or "1440"),
            concurrency=_count("BOT_CONCURRENCY", get("BOT_CONCURRENCY") or "32", maximum=1000),
            send_rate=_count("BOT_SEND_RATE", get("BOT_SEND_RATE") or "30", maximum=1000),
            webhook_url=_url("WEBHOOK_URL", url) if (url := get("WEBHOOK_URL")) else None,
            webhook_listen=_listen(get("WEBHOOK_LISTEN") or "127.0.0.1:8443"),
            webhook_secret=_secret(get("WEBHOOK_SECRET")),
        )


    @property
    def bot_id(self) -> int:
        """The bot's Telegram id, the token's numeric prefix (0 without a token: the command
        line, which handles no update)."""
        return int(self.token.split(":", 1)[0]) if self.token else 0

    def require_webhook(self) -> None:
        """`run --webhook` needs the URL Telegram calls and the secret it sends back."""
        if self.webhook_url is None:
            raise SettingsError("WEBHOOK_URL manquant / missing (run --webhook) : l'URL HTTPS "
                                "publique que Telegram appelle, ex. https://bot.example.fr/tg")
        if self.webhook_secret is None:
            raise SettingsError("WEBHOOK_SECRET manquant / missing (run --webhook) : 1 à 256 "
                                "caractères A-Z a-z 0-9 _ -, ex. openssl rand -hex 32")

    def require_token(self) -> str:
        """The bot needs a token; `import` and `migrate` do not."""
        if self.token is None:
            raise SettingsError(MISSING_TOKEN)
        return self.token


def read_dotenv(path: Path) -> dict[str, str]:
    """`NAME=value` lines; `#` comments, `export ` prefixes and surrounding quotes allowed."""
    if not path.is_file():
        return {}
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.removeprefix("export ").partition("=")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


def _url(name: str, value: str) -> str:
    parsed = urlparse(value)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise SettingsError(f"{name} : URL invalide / invalid URL {value!r} "
                            "(ex. https://api.telegram.org/bot)")
    return value


def _database_url(value: str | None, data_dir: Path) -> str:
    if value is None:
        return f"sqlite:///{data_dir / 'hlm-bot.sqlite3'}"
    try:
        make_url(value)
    except ArgumentError:
        raise SettingsError(f"DATABASE_URL : URL invalide / invalid URL {value!r} "
                            "(ex. sqlite:///data/hlm-bot.sqlite3 or "
                            "postgresql+psycopg://user:pass@host/db)") from None
    return value


def _admins(value: str) -> tuple[int, ...]:
    ids = []
    for part in value.split(","):
        part = part.strip()
        if not part:
            continue
        if not part.isdigit():
            raise SettingsError(f"BOT_ADMINS : identifiant Telegram invalide / invalid "
                                f"Telegram id {part!r} (ex. BOT_ADMINS=123456789,987654321)")
        ids.append(int(part))
    return tuple(ids)


def _timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"BOT_TIMEZONE : fuseau horaire inconnu / unknown time zone "
                            f"{value!r} (ex. Europe/Paris)") from None


def _days(name: str, value: str) -> int:
    if not value.isdigit() or not 0 <= int(value) <= 25:
        raise SettingsError(f"{name} : nombre de jours attendu, de 0 à 25 / number of days "
                            f"expected, 0 to 25 ({value!r})")
    return int(value)


def _count(name: str, value: str, maximum: int = 1_000_000) -> int:
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= maximum:
        raise SettingsError(f"{name} : nombre entier de 1 à {maximum} attendu / whole number "
                            f"from 1 to {maximum} expected ({value!r})")
    return int(value)


def _listen(value: str) -> str:
    host, _, port = value.rpartition(":")
    if not host or not port.isascii() or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise SettingsError(f"WEBHOOK_LISTEN : hôte:port attendu / host:port expected "
                            f"({value!r}, ex. 127.0.0.1:8443)")
    return value


def _secret(value: str | None) -> str | None:
    # What Telegram accepts as secret_token.
    if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
        raise SettingsError("WEBHOOK_SECRET : 1 à 256 caractères A-Z a-z 0-9 _ - / 1 to 256 "
                            "characters A-Z a-z 0-9 _ -")
    return value


def _city(address: str) -> str:
    """The commune of the address's last line when it reads `40100 Dax`, else Dax: the
    documents' «Fait à …» follows ORG_ADDRESS unless ORG_CITY says otherwise."""
    lines = [line.strip() for line in address.splitlines() if line.strip()]
    found = re.fullmatch(r"\d{5}\s+(.+?)(\s+cedex(\s+\d+)?)?", lines[-1], re.IGNORECASE) \
        if lines else None
    return found.group(1) if found else DEFAULT_CITY


def _euros(name: str, value: str) -> int:
    """`10`, `7,50` or `7.50` euros -> cents."""
    found = re.fullmatch(r"(\d{1,4})(?:[.,](\d{1,2}))?", value)
    if found is None:
        raise SettingsError(f"{name} : montant en euros attendu / amount in euros expected "
                            f"(ex. 10 ou 7,50) ({value!r})")
    return int(found.group(1)) * 100 + int((found.group(2) or "0").ljust(2, "0"))


def _logo(value: str | None) -> Path | None:
    if value is None:
        return None
    path = Path(value)
    if not path.is_file() or path.suffix.lower() not in {".png", ".jpg", ".jpeg", ".svg"}:
        raise SettingsError(f"ORG_LOGO : image introuvable / image not found {value!r} "
                            "(a .png, .jpg or .svg file)")
    return path.resolve()


def _clock_start(value: str | None, tz: ZoneInfo) -> datetime | None:
    if value is None:
        return None
    try:
        start = datetime.fromisoformat(value)
    except ValueError:
        raise SettingsError(f"BOT_CLOCK_START : date ISO 8601 invalide / invalid ISO 8601 "
                            f"date-time {value!r} (ex. 2027-03-15T09:00:00+01:00)") from None
    return start if start.tzinfo else start.replace(tzinfo=tz)
