"""`hlm-bot`: run the bot, migrate the database, import a caseload."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from datetime import date
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
    saving = sub.add_parser("backup", help="sauvegarder la base et les fichiers (bot en marche)")
    saving.add_argument("folder", type=Path, metavar="DOSSIER")
    restoring = sub.add_parser("restore", help="restaurer une sauvegarde (bot arrêté)")
    restoring.add_argument("folder", type=Path, metavar="DOSSIER")
    restoring.add_argument("--force", action="store_true",
                           help="remplacer une base qui contient déjà des données")
    purge = sub.add_parser("purge", help="anonymiser les ménages au terme de leur conservation")
    purge.add_argument("--dry-run", action="store_true",
                       help="afficher ce qui serait anonymisé, sans rien effacer")
    export = sub.add_parser("export", help="droit d'accès : ZIP des données d'un ménage")
    export.add_argument("reference", metavar="REF")
    export.add_argument("--output", type=Path, metavar="FICHIER")
    audit_export = sub.add_parser("audit-export", help="journal d'accès et de sécurité en CSV")
    audit_export.add_argument("--since", type=date.fromisoformat, required=True,
                              metavar="AAAA-MM-JJ")
    audit_export.add_argument("--output", type=Path, metavar="FICHIER")
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
    if args.command in ("backup", "restore"):
        return _backup_or_restore(settings, args)
    deps = app.make_deps(settings)
    app.prepare(deps)
    if args.command == "migrate":
        print("Base à jour / database up to date.")
        return 0
    if args.command in ("purge", "export", "audit-export"):
        from bot import rgpd_cli

        if args.command == "purge":
            return rgpd_cli.run_purge(deps, args.dry_run)
        if args.command == "export":
            return rgpd_cli.run_export(deps, args.reference, args.output)
        return rgpd_cli.run_audit_export(deps, args.since, args.output)
    from bot.importing import run_import

    return run_import(deps, args.file, dry_run=args.dry_run)


def _backup_or_restore(settings: Settings, args: argparse.Namespace) -> int:
    """Before `make_deps`: a restore must not migrate (nor add the admins to) the database it
    is about to replace."""
    from bot import backup
    from bot.render import Renderer

    render = Renderer(settings.timezone)
    try:
        if args.command == "backup":
            manifest = backup.backup(settings.database_url, settings.data_dir, args.folder)
            print(render.text("cli.backup_done", manifest=manifest, path=args.folder))
        else:
            manifest = backup.restore(settings.database_url, settings.data_dir, args.folder,
                                      force=args.force)
            print(render.text("cli.restore_done", manifest=manifest, path=args.folder))
    except backup.BackupError as error:
        print(render.text("cli.backup_error", code=error.code, params=error.params),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
