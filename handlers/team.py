"""The coordinator's team views: /menages (every household, filtered with buttons).

The filters live in the buttons' data (`g:<mode>:<page>:<advisor>:<phase>:<status>:<late>:
<lease>`), never in memory: any old list's buttons still show what they say."""

from __future__ import annotations

from telegram import InlineKeyboardButton as Button
from telegram import InlineKeyboardMarkup, Update

from bot.render import Renderer
from handlers.common import Context, button_data, deps, edit_or_send, send, with_actor
from storage import team
from storage.errors import Refused
from storage.phases import PHASES

_PHASE_CODES = {p[0]: p for p in PHASES}  # e, i, s
_STATUS_CODES = {"a": "actif", "c": "clos", "-": None}
_LEASE_CODES = {"s": "sous_location", "d": "direct", "-": None}


class BadFilters(ValueError):
    """Button data that no list of this bot wrote."""


def _code(table: dict[str, str | None], value: str | None) -> str:
    return next(k for k, v in table.items() if v == value)


def encode(filters: team.Filters, page: int = 0, mode: str = "l") -> str:
    return button_data("g", mode, page,
                       filters.advisor_id if filters.advisor_id is not None else "-",
                       filters.phase[0] if filters.phase else "-",
                       _code(_STATUS_CODES, filters.status), int(filters.late),
                       _code(_LEASE_CODES, filters.lease))


def decode(parts: list[str]) -> tuple[str, int, team.Filters]:
    """The mode, page and filters of a `g:` button (BadFilters if it is not ours)."""
    if len(parts) != 8 or parts[1] not in {"l", "a"} or not parts[2].isdigit():
        raise BadFilters(parts)
    _g, mode, page, advisor, phase, status, late, lease = parts
    if not (advisor == "-" or advisor.isdigit()) or phase not in {"-", *_PHASE_CODES} \
            or status not in _STATUS_CODES or late not in {"0", "1"} \
            or lease not in _LEASE_CODES:
        raise BadFilters(parts)
    return mode, int(page), team.Filters(
        advisor_id=None if advisor == "-" else int(advisor),
        phase=_PHASE_CODES.get(phase), status=_STATUS_CODES[status], late=late == "1",
        lease=_LEASE_CODES[lease])


def _next(values: tuple[str | None, ...], current: str | None) -> str | None:
    return values[(values.index(current) + 1) % len(values)]


def _keyboard(render: Renderer, listing: team.Listing, filters: team.Filters
              ) -> InlineKeyboardMarkup:
    f = filters
    chosen = next((a for a in listing.team if a.id == f.advisor_id), None)
    rows = [[Button(render.label("household", h=h, next=listing.next_due.get(h.id or 0),
                                 advisor=listing.advisors.get(h.advisor_id or 0)),
                    callback_data=button_data("h", "o", h.id))] for h in listing.rows]
    navigation = []
    if listing.page > 0:
        navigation.append(Button(render.label("previous_page"),
                                 callback_data=encode(f, listing.page - 1)))
    if listing.page < listing.pages - 1:
        navigation.append(Button(render.label("next_page"),
                                 callback_data=encode(f, listing.page + 1)))
    if navigation:
        rows.append(navigation)

    def changed(**change: object) -> str:
        return encode(team.Filters(**{**f.__dict__, **change}))

    rows += [
        [Button(render.label("filter_advisor", advisor=chosen), callback_data=encode(f, 0, "a")),
         Button(render.label("filter_phase", value=f.phase),
                callback_data=changed(phase=_next((None, *PHASES), f.phase)))],
        [Button(render.label("filter_status", value=f.status),
                callback_data=changed(status=_next(("actif", "clos", None), f.status))),
         Button(render.label("filter_late", on=f.late), callback_data=changed(late=not f.late))],
        [Button(render.label("filter_lease", value=f.lease),
                callback_data=changed(lease=_next((None, *team.LEASES), f.lease)))],
    ]
    return InlineKeyboardMarkup(rows)


def _advisors(render: Renderer, listing: team.Listing, filters: team.Filters
              ) -> InlineKeyboardMarkup:
    def to(advisor_id: int | None) -> str:
        return encode(team.Filters(**{**filters.__dict__, "advisor_id": advisor_id}))

    rows = [[Button(render.label("advisor_any"), callback_data=to(None))]]
    rows += [[Button(render.label("advisor_choice", advisor=a), callback_data=to(a.id))]
             for a in listing.team]
    return InlineKeyboardMarkup(rows)


async def send_households(update: Update, context: Context, filters: team.Filters | None = None,
                          page: int = 0, mode: str = "l", replace: bool = False) -> None:
    d = deps(context)
    filters = filters or team.Filters()
    try:
        listing = await d.db.read(with_actor(update, lambda s, actor: team.listing(
            s, d.clock, actor, filters, page)))
    except Refused:
        await send(update, d.render.msg("team.coordination_only"))
        return
    if mode == "a":
        text, keyboard = d.render.msg("team.choose_advisor"), _advisors(d.render, listing, filters)
    else:
        chosen = next((a for a in listing.team if a.id == filters.advisor_id), None)
        text = d.render.msg("team.households", listing=listing, filters=filters, advisor=chosen)
        keyboard = _keyboard(d.render, listing, filters)
    if replace:
        await edit_or_send(update, text, keyboard)
    else:
        await send(update, text, keyboard)


async def households_command(update: Update, context: Context) -> None:
    await send_households(update, context)


async def on_button(update: Update, context: Context, parts: list[str]) -> None:
    """A `g:` button: the list with the filters its data carries (BadFilters: not ours)."""
    mode, page, filters = decode(parts)
    await send_households(update, context, filters, page, mode, replace=True)
