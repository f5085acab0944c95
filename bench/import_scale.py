"""`hlm-bot import` of a 10 000-row caseload: wall time of the command, first import (every
row created, with its home, opening arrears and next bilan) then the same file again
(every row matched, nothing changed).

    .venv/bin/python bench/import_scale.py [--rows 10000] [--database URL] [--profile]

`--profile` runs the first import in this process under cProfile and prints the 25 most
expensive functions (cumulative; `PROFILE_SORT=tottime` for their own time, `PROFILE_LINES=60`
for more) instead of timing the command. The import derives no reminder: the bot's
derivation pass does (`storage.reminders.sync_due`), in the background.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
HLM_BOT = str(Path(sys.executable).with_name("hlm-bot"))
LAST = ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand",
        "Ndiaye", "Diallo", "Traore", "Nguyen", "Benali", "Haddad", "Rossi", "Lopez"]
FIRST = ["Awa", "Marie", "Nathalie", "Fatou", "Karim", "Jean", "Luc", "Sophie", "Ines"]
HEADER = ("nom;prenom;telephone;adresse;conseillere_telegram_id;conseillere_nom;"
          "debut_accompagnement;parcours;bail;date_entree_logement;date_sous_location;loyer;"
          "charges;apl;apl_versee_a;jour_echeance;fin_assurance;prochain_bilan;dette_initiale")


def caseload(path: Path, rows: int) -> None:
    rng = random.Random(3)
    lines = [HEADER]
    for n in range(rows):
        day = 1 + n % 28
        lines.append(";".join([
            rng.choice(LAST), f"{rng.choice(FIRST)}{n}", f"06 {n // 10000:02d} {n % 10000:04d} 00"
            [:14], f"{n % 200 + 1} rue Pasteur, Dax", str(20_000 + n % 100), f"C{n % 100}",
            f"{day:02d}/09/2026", "bailleur", "sous-location", f"{day:02d}/09/2026",
            f"{day:02d}/09/2026", "450,00", "50,00", "200,00", "bailleur", str(day),
            f"{day:02d}/03/2027", f"{day:02d}/06/2027", "120,00" if n % 3 == 0 else ""]))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def timed(env: dict[str, str], path: Path, folder: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([HLM_BOT, "import", str(path)], cwd=folder, env=env,
                          capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(done.stderr[-2000:])
    return elapsed


def main(rows: int, url: str | None, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        path = folder / "caseload.csv"
        caseload(path, rows)
        env = {**os.environ, "BOT_DATA_DIR": str(folder / "data"),
               "DATABASE_URL": url or f"sqlite:///{folder}/bench.sqlite3",
               "BOT_CLOCK_START": "2027-03-15T10:00:00+01:00", "TELEGRAM_BOT_TOKEN": ""}
        subprocess.run([HLM_BOT, "migrate"], cwd=folder, env=env, check=True,
                       capture_output=True)
        if profile:
            os.environ.update(env)
            from bot.cli import main as cli

            profiler = cProfile.Profile()
            profiler.runcall(cli, ["import", str(path)])
            order = os.environ.get("PROFILE_SORT", "cumulative")
            lines = int(os.environ.get("PROFILE_LINES", "25"))
            pstats.Stats(profiler).sort_stats(order).print_stats(lines)
            return
        first = timed(env, path, folder)
        again = timed(env, path, folder)
        print(f"import of {rows} rows ({'database' if url else 'sqlite'}): "
              f"first {first:.1f} s, the same file again {again:.1f} s")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database", help="SQLAlchemy URL (default: a temporary SQLite file)")
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    main(arguments.rows, arguments.database, arguments.profile)
