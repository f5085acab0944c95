"""`hlm-bot`: run the bot, migrate the database, import a caseload."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hlm-bot",
        description="Assistant Telegram des conseillères du logement HLM accompagné.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    running = sub.add_parser("run", help="migrer la base puis lancer le bot (long polling)")
    running.add_argument("--webhook", action="store_true",
                         help="recevoir les mises à jour par webhook (WEBHOOK_URL, "
                              "WEBHOOK_LISTEN, WEBHOOK_SECRET) au lieu du long polling")
    sub.add_parser("migrate", help="mettre la base au dernier schéma")
    importing = sub.add_parser("import", help="importer des ménages depuis un .csv ou un .xlsx")
    importing.add_argument("file", type=Path, metavar="FICHIER")
    importing.add_argument("--dry-run", action="store_true",
                           help="vérifier le fichier sans rien importer")
    return parser


log = logging.getLogger(__name__)


def main(argv: list[str] | None = None) -> int:
    # What the bot writes (database, data/, documents, photos) is for its own user only.
    os.umask(0o077)
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO)  # until the token is known, see bot.logs
    try:
        settings = Settings.load()
        if args.command == "run":
            settings.require_token()
            if args.webhook:
                settings.require_webhook()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import logs

    logs.configure(settings.token)
    from bot import app  # after the settings: a bad one must not cost an import traceback

    if args.command == "run":
        try:
            app.run(settings, webhook=args.webhook)
        except SettingsError as error:  # found at start: the token or the API URL is wrong
            print(error, file=sys.stderr)
            return 2
        except Exception:  # through the log's formatter: no message, so no token, no data
            log.critical("the bot stopped on an error", exc_info=True)
            return 1
        return 0
    deps = app.make_deps(settings)
    app.prepare(deps)
    if args.command == "migrate":
        print("Base à jour / database up to date.")
        return 0
    from bot.importing import run_import

    return run_import(deps, args.file, dry_run=args.dry_run)


if __name__ == "__main__":
    sys.exit(main())
