"""Scripted advisor journeys, shared by the scenarios."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Any

from harness import BotProcess, FakeTelegram

ADMIN_ID = 1001
# A PDF takes WeasyPrint half a second on an idle machine, several on a loaded one.
DOCUMENT_WAIT = 30.0
HLM_BOT = str(Path(sys.executable).with_name("hlm-bot"))
# Set by the e2e `database` fixture (conftest.py) when a test runs on PostgreSQL.
DATABASE_URL_VARIABLE = "HLM_E2E_DATABASE_URL"
# `@pytest.mark.parametrize("database", DATABASES, indirect=True)`: a test on both.
DATABASES = ["sqlite", "postgresql"]


def make_bot(tg: FakeTelegram, tmp_path: Path, *options: str, **env: str) -> BotProcess:
    """`hlm-bot run` (`make_bot(tg, tmp_path, "--webhook", WEBHOOK_URL=...)`)."""
    return BotProcess(tg, [HLM_BOT, "run", *options], cwd=tmp_path,
                      env=bot_env(tmp_path, **env),
                      token_env="TELEGRAM_BOT_TOKEN", url_env="TELEGRAM_API_URL",
                      file_url_env="TELEGRAM_FILE_URL", log_path=tmp_path / "bot.log")


async def invite(tg: FakeTelegram, admin: Any, user_id: int, first_name: str,
                 role: str = "Conseillère") -> Any:
    """The admin invites someone, who opens the link: returns the new advisor's phone."""
    await admin.send("/inviter")
    await admin.expect(r"Quel rôle")
    await admin.click(role)
    message = await admin.expect(r"start=")
    code = message.text.split("start=")[1].split()[0]
    person = tg.user(user_id, first_name=first_name, language_code="fr")
    await person.send(f"/start {code}")
    await person.expect(r"Bienvenue")
    return person


async def open_household(user: Any, last: str = "Dupont", first: str = "Hélène", *,
                         phone: str | None = "06 12 34 56 78",
                         address: str | None = "12 rue des Arènes, Dax",
                         confidential: bool = False, advisor: str | None = None) -> str:
    """/nouveau to the end; returns the household's reference."""
    await user.send("/nouveau")
    await user.expect(r"Nom de la personne")
    await user.send(last)
    await user.expect(r"Prénom \?")
    await user.send(first)
    await user.expect(r"Téléphone \?")
    if phone is None:
        await user.click(r"Passer")
    else:
        await user.send(phone)
    await user.expect(r"confidentielle")
    await user.click(r"^Oui$" if confidential else r"^Non$")
    if confidential:
        await user.expect(r"Date de l'attestation")
        await user.send("02/03/2027")
    await user.expect(r"Adresse actuelle")
    if address is None:
        await user.click(r"Passer")
    else:
        await user.send(address)
    await user.expect(r"Combien d'adultes")
    await user.click(r"^1$")
    await user.expect(r"Âges des enfants")
    await user.send("4, 9")
    await user.expect(r"Revenus d'activité")
    await user.send("1 100")
    for question in (r"RSA", r"Prestations familiales", r"chômage", r"AAH", r"Autres ressources"):
        await user.expect(question)
        await user.click(r"Passer")
    await user.expect(r"Comment le ménage arrive")
    await user.click(r"Médiation locative")
    await user.expect(r"Éligibilité")
    await user.click(r"DALO")
    await user.click(r"Valider")
    await user.expect(r"Début de l'accompagnement")
    await user.click(r"Aujourd'hui")
    if advisor is not None:
        await user.expect(r"Quelle conseillère")
        await user.click(advisor)
    await user.expect(r"résumé")
    await user.click(r"Confirmer")
    done = await user.expect(r"Ménage .* ouvert")
    await user.expect(r"📁")
    match = re.search(r"\d{4}-\d{4}", done.text)
    assert match, done.text
    return match.group(0)


DIAGNOSTIC_CHOICES: list[tuple[str, str]] = [
    (r"Nationalité", r"Hors UE"),
    (r"Titre de séjour", r"Valide"),
    (r"Pièces d'identité", r"À jour"),
]


async def diagnostic_until_budget(user: Any) -> None:
    """From the first question of the diagnostic (already shown) to the budget figures."""
    for number, (question, answer) in enumerate(DIAGNOSTIC_CHOICES):
        if number:
            await user.expect(question)
        await user.click(answer)
    await user.expect(r"Droits ouverts")
    await user.click(r"CAF")
    await user.click(r"Valider")
    await user.expect(r"Droits à ouvrir")
    await user.send("Renouveler la CSS <avant juin> & l'AAH")
    await user.expect(r"Demande de logement social")
    await user.click(r"Active")
    await user.expect(r"Situation DALO")
    await user.click(r"Recours en cours")
    await user.expect(r"Ressources mensuelles")
    await user.click(r"Garder")
    await user.expect(r"Loyer actuel")
    await user.send("450")
    await user.expect(r"Charges locatives")
    await user.send("50")
    await user.expect(r"Aide au logement")
    await user.send("200")
    await user.expect(r"Autres charges fixes")
    await user.send("150,50")
    await user.expect(r"Remboursements")
    await user.send("0")


async def diagnostic_rest(user: Any, debts: str = "0", debts_nature: str = "") -> None:
    """From the debts question (shown under the budget figures) to the summary."""
    await user.send(debts)
    if debts_nature:
        await user.expect(r"Nature des dettes")
        await user.send(debts_nature)
    await user.expect(r"Gestion du budget")
    await user.click(r"Avec de l'aide")
    for question in (r"Entretien du logement", r"Usage du logement", r"voisinage"):
        await user.expect(question)
        await user.click(r"^Acquis$")
    await user.expect(r"Observations sur le savoir habiter")
    await user.click(r"Passer")
    await user.expect(r"Mobilité")
    await user.click(r"Transports en commun")
    await user.expect(r"Scolarité")
    await user.click(r"Organisée")
    await user.expect(r"Accès aux soins")
    await user.click(r"Rien à signaler")
    await user.expect(r"Entourage")
    await user.click(r"Peu entouré")
    await user.expect(r"Observations sur l'environnement")
    await user.click(r"Passer")
    await user.expect(r"Intensité")
    await user.click(r"Moyenne")
    await user.expect(r"Axes d'accompagnement")
    await user.click(r"Budget")
    await user.click(r"Recherche de logement")
    await user.click(r"Valider")
    await user.expect(r"Précisions")
    await user.click(r"Passer")
    await user.expect(r"Situation de logement actuelle")
    await user.click(r"Hébergé chez des tiers")
    await user.expect(r"Typologie")
    await user.click(r"^T3$")
    await user.expect(r"Secteur")
    await user.send("Dax, Saint-Paul-lès-Dax")
    await user.expect(r"Loyer maximum")
    await user.send("420")
    await user.expect(r"Stratégie")
    await user.send("Demande active HLO, dossier SIAO, visites accompagnées")
    await user.expect(r"prépare le ménage")
    await user.click(r"Passer")
    await user.expect(r"Partenaires")
    await user.click(r"CCAS")
    await user.click(r"Valider")
    await user.expect(r"Critères de réussite")
    await user.send("Bail signé, loyer payé 6 mois de suite")


async def card_action(user: Any, label: str) -> Any:
    """Press a button of the last card shown, turning to its other side («Plus…» or «Moins»)
    when the button is there."""
    card = next(m for m in reversed(user.history) if m.text.startswith("📁"))
    if not any(re.search(label, text) for text in card.button_texts):
        other = r"Moins" if any("Moins" in text for text in card.button_texts) else r"Plus…"
        await user.click(other, message=card)  # the card's keyboard is edited in place
    return await user.click(label, message=card)


async def sign_plan(user: Any, landlord_signatory: str | None = None) -> None:
    """✍️ on the last card shown: signed today by the household (and the landlord's
    signatory, if given), confirmed."""
    await card_action(user, r"Signature")
    await user.expect(r"Date de la signature")
    await user.click(r"Aujourd'hui")
    await user.expect(r"Le ménage a-t-il signé")
    await user.click(r"Oui, le ménage a signé")
    await user.expect(r"co-signe")
    if landlord_signatory is None:
        await user.click(r"^Non$")
    else:
        await user.click(r"^Oui$")
        await user.expect(r"signataire pour le bailleur")
        await user.send(landlord_signatory)
    await user.expect(r"Signature du PPAL .* résumé")
    await user.click(r"Confirmer")


def errors_but_answers_again(tg: FakeTelegram) -> list[Any]:
    """The Bot API errors of a run, but one a kill -9 makes harmless: a button pressed just
    before the kill may be answered, then delivered again (its update not confirmed yet) and
    answered a second time, which Telegram refuses ("query ID is invalid")."""
    again = {u.payload["callback_query"]["id"] for u in tg.updates
             if u.delivery_count > 1 and "callback_query" in u.payload}
    return [e for e in tg.errors if not (
        e.method == "answerCallbackQuery" and "query" in (e.description or "")
        and e.params.get("callback_query_id") in again)]


def bot_env(tmp_path: Path, **env: str) -> dict[str, str]:
    return {
        "DATABASE_URL": (os.environ.get(DATABASE_URL_VARIABLE)
                         or f"sqlite:///{tmp_path}/bot.sqlite3"),
        "BOT_DATA_DIR": str(tmp_path / "data"),
        "BOT_ADMINS": str(ADMIN_ID),
        "BOT_CLOCK_START": "2027-03-15T10:00:00+01:00",
        **env,
    }


async def import_csv(tmp_path: Path, text: str, **env: str) -> str:
    """`hlm-bot import` on the bot's database, as a coordinator would; returns its output."""
    import asyncio

    path = tmp_path / "import.csv"
    path.write_text(text, encoding="utf-8")
    process = await asyncio.create_subprocess_exec(
        HLM_BOT, "import", str(path), cwd=tmp_path,
        env={**os.environ, **bot_env(tmp_path, **env)},
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    output, _ = await process.communicate()
    assert process.returncode == 0, output.decode()
    return output.decode()


async def close_support(user: Any, reason: str = r"Départ volontaire") -> Any:
    """🔚 on the last card shown: today, the reason given, confirmed; returns the card after."""
    await card_action(user, r"Clôturer")
    await user.expect(r"Date de fin de l'accompagnement")
    await user.click(r"Aujourd'hui")
    await user.expect(r"Motif de fin")
    await user.click(reason)
    await user.expect(r"Clôture de l'accompagnement .* résumé")
    await user.click(r"Confirmer")
    await user.expect(r"clôturé le")
    return await user.expect(r"📁")
