"""`hlm-bot`: run the bot, migrate the database, import a caseload."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from bot.settings import Settings, SettingsError


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hlm-bot",
        description="Assistant Telegram des conseillères du logement HLM accompagné.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    sub.add_parser("run", help="migrer la base puis lancer le bot (long polling)")
    sub.add_parser("migrate", help="mettre la base au dernier schéma")
    importing = sub.add_parser("import", help="importer des ménages depuis un .csv ou un .xlsx")
    importing.add_argument("file", type=Path, metavar="FICHIER")
    importing.add_argument("--dry-run", action="store_true",
                           help="vérifier le fichier sans rien importer")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("httpx").setLevel(logging.WARNING)
    for noisy in ("alembic", "fontTools", "weasyprint", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        settings = Settings.load()
        if args.command == "run":
            settings.require_token()
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    from bot import app  # after the settings: a bad one must not cost an import traceback

    if args.command == "run":
        app.run(settings)
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
