"""`/evaluation [AAAA]`: the yearly evaluation for the funders, as a message, a workbook and a
PDF (figures: storage.evaluation; files: bot.documents)."""

from __future__ import annotations

from pathlib import Path

from sqlmodel import Session
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction

from handlers.common import Context, button_data, deps, send, with_actor
from storage import documents, evaluation
from storage.errors import Refused
from storage.evaluation import Evaluation
from storage.models import Advisor

YEAR_MIN, YEAR_MAX = 2000, 2100


async def command(update: Update, context: Context) -> None:
    render = deps(context).render
    args = context.args or []
    if len(args) > 1 or (args and not (args[0].isdigit()
                                       and YEAR_MIN <= int(args[0]) <= YEAR_MAX)):
        await send(update, render.msg("evaluation.bad_year"))
        return
    await send_evaluation(update, context, int(args[0]) if args else None, to_date=False)


async def send_evaluation(update: Update, context: Context, year: int | None, *,
                          to_date: bool) -> None:
    d = deps(context)
    chat = update.effective_chat
    assert chat is not None

    def work(session: Session, actor: Advisor) -> Evaluation:
        return evaluation.run(session, d.clock, actor, year, to_date=to_date,
                              target=d.settings.programme_target,
                              cost_per_household_year=d.settings.cost_per_household_year)

    try:
        ev = await d.db.read(with_actor(update, work))
    except Refused:
        await send(update, d.render.msg("evaluation.coordinator_only"))
        return
    # The year running, to date, is offered beside a past year.
    keyboard = None if ev.period.year == d.clock.today().year else InlineKeyboardMarkup(
        [[InlineKeyboardButton(d.render.text("evaluation.this_year"),
                               callback_data=button_data("ev", "now"))]])
    await send(update, d.render.msg("evaluation.summary", e=ev), keyboard)
    await chat.send_action(ChatAction.UPLOAD_DOCUMENT)
    workbook = await d.db.run(d.documents.evaluation_workbook, ev)
    pdf = await d.db.run(d.documents.evaluation, ev, d.clock.today())
    # Each file is kept and recorded; the time in its name keeps the runs of a day apart.
    stamp = d.clock.local_now().strftime("%Y%m%d-%H%M%S-%f")
    for kind, content, caption in (("xlsx", workbook, "evaluation.workbook_caption"),
                                   ("pdf", pdf, "evaluation.pdf_caption")):
        name = d.render.text("evaluation.file_name", p=ev.period, kind=kind)
        path = documents.team_folder(d.settings.data_dir) / f"{Path(name).stem}-{stamp}.{kind}"
        path.write_bytes(content)
        content_of = {"year": ev.period.year, "end": ev.period.end.isoformat(), "format": kind}

        def record(session: Session, actor: Advisor, path: Path = path,
                   about: dict[str, object] = content_of) -> object:
            return documents.record_team(session, d.clock, actor, "evaluation", path, about)

        await d.db.read(with_actor(update, record))
        await chat.send_document(content, filename=name, caption=d.render.msg(caption, e=ev))


async def on_button(update: Update, context: Context, action: str) -> None:
    """«Année en cours à date»."""
    if action != "now":
        raise ValueError(action)
    await send_evaluation(update, context, None, to_date=True)
