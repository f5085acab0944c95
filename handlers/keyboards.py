"""Inline keyboards. Callback data: `prefix:arg:...`, at most 64 bytes, routed in callbacks.py."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.render import Renderer
from handlers.common import ROLE_KEYS, button_data
from reminders import kinds
from reminders.tick import Outgoing
from storage import landlords
from storage.forms.engine import Step, token
from storage.households import Card
from storage.landlords import LandlordCard
from storage.ledger import Statement
from storage.models import (
    Advisor,
    Household,
    Invitation,
    LandlordOrganisation,
    PlanVersion,
    Reminder,
    Role,
)
from storage.plans import Item

Button = InlineKeyboardButton


def rows(buttons: Sequence[Button], width: int) -> list[list[Button]]:
    return [list(buttons[i : i + width]) for i in range(0, len(buttons), width)]


def markup(keyboard: list[list[Button]]) -> InlineKeyboardMarkup | None:
    """Telegram refuses an empty inline keyboard: no buttons, no keyboard."""
    keyboard = [row for row in keyboard if row]
    return InlineKeyboardMarkup(keyboard) if keyboard else None


def _width(labels: Sequence[str]) -> int:
    longest = max((len(label) for label in labels), default=0)
    return 3 if longest <= 8 else 2 if longest <= 18 else 1


def question(render: Renderer, step: Step, current: str | None) -> InlineKeyboardMarkup:
    run, spec_field = step.run, step.field
    assert spec_field is not None and run.step is not None
    position = token(step.spec, run.step)

    def data(*action: object) -> str:
        return button_data("f", run.id, position, *action)

    buttons: list[Button] = []
    if spec_field.type == "items" and step.cursor is not None and step.cursor.is_list:
        return _list_view(render, step, data)
    if spec_field.type == "yesno":
        buttons = [Button(render.label("yes"), callback_data=data("c", 1)),
                   Button(render.label("no"), callback_data=data("c", 0))]
    elif spec_field.type == "choice" and spec_field.choices_from:
        # Choices read from the records (the team): the button carries the value, an id.
        buttons = [Button(c.label, callback_data=data("cv", c.value)) for c in step.choices]
    elif spec_field.type == "choice":
        buttons = [Button(c.label, callback_data=data("c", i))
                   for i, c in enumerate(step.choices)]
    elif spec_field.type == "multi":
        selected = step.answers.get(spec_field.key) or []
        buttons = [Button(render.label("checked", label=c.label, on=c.value in selected),
                          callback_data=data("c", i)) for i, c in enumerate(step.choices)]
    buttons += [Button(q, callback_data=data("q", i)) for i, q in enumerate(spec_field.quick)]
    keyboard = rows(buttons, _width([b.text for b in buttons]))
    if spec_field.type == "multi":
        keyboard.append([Button(render.label("validate"), callback_data=data("v"))])
    if spec_field.today_button:
        keyboard.append([Button(render.label("today"), callback_data=data("t"))])
    if current is not None and spec_field.type != "multi":
        keyboard.append([Button(render.label("keep", value=current), callback_data=data("k"))])
    navigation = []
    if run.history or run.editing or (step.cursor is not None and step.cursor.sub is not None):
        navigation.append(Button(render.label("back"), callback_data=data("b")))
    if not spec_field.required:
        navigation.append(Button(render.label("skip"), callback_data=data("s")))
    navigation.append(Button(render.label("pause"), callback_data=data("x")))
    keyboard.append(navigation)
    return InlineKeyboardMarkup(keyboard)


def _list_view(render: Renderer, step: Step, data: Callable[..., str]) -> InlineKeyboardMarkup:
    """A list field: edit or remove each item (by its uid), add one, or finish."""
    keyboard = [[Button(render.label("edit_item", n=n + 1), callback_data=data("le", i["_uid"])),
                 Button(render.label("delete_item", n=n + 1), callback_data=data("ld", i["_uid"]))]
                for n, i in enumerate(step.items)]
    assert step.field is not None
    if len(step.items) < step.field.max_items:
        keyboard.append([Button(render.label("add_item", label=step.field.item_label),
                                callback_data=data("la"))])
    keyboard.append([Button(render.label("list_done"), callback_data=data("v"))])
    navigation = []
    if step.run.history or step.run.editing:
        navigation.append(Button(render.label("back"), callback_data=data("b")))
    navigation.append(Button(render.label("pause"), callback_data=data("x")))
    keyboard.append(navigation)
    return InlineKeyboardMarkup(keyboard)


def _step_data(step: Step, *action: object) -> str:
    assert step.run.step is not None
    return button_data("f", step.run.id, token(step.spec, step.run.step), *action)


def confirm_answer(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    """An answer outside its usual window: keep it, or give another."""
    return InlineKeyboardMarkup([[
        Button(render.label("yes"), callback_data=_step_data(step, "cy")),
        Button(render.label("fix"), callback_data=_step_data(step, "cn")),
    ]])


def confirm_delete(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("delete_yes"), callback_data=_step_data(step, "lD",
                                                                    step.extras["uid"])),
        Button(render.label("delete_no"), callback_data=_step_data(step, "lk")),
    ]])


def confirm_abandon(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("abandon_yes"), callback_data=button_data("a", step.run.id, "y")),
        Button(render.label("resume"), callback_data=button_data("r", step.run.id)),
    ]])


def summary(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    run_id = step.run.id
    return InlineKeyboardMarkup([
        [Button(render.label("confirm"), callback_data=button_data("f", run_id, "S", "ok"))],
        [Button(render.label("fix"), callback_data=button_data("f", run_id, "S", "fix")),
         Button(render.label("pause"), callback_data=button_data("f", run_id, "S", "x"))],
    ])


def confirm_question(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    """A rule's question before recording: yes anyway, or back to the answer."""
    run_id = step.run.id
    return InlineKeyboardMarkup([[
        Button(render.label("yes"), callback_data=button_data("f", run_id, "S", "y")),
        Button(render.label("fix"), callback_data=button_data("f", run_id, "S", "re")),
    ]])


def sections(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    run_id = step.run.id
    buttons = [Button(s.title, callback_data=button_data("f", run_id, "S", "sec", i))
               for i, s in enumerate(step.spec.sections)]
    keyboard = rows(buttons, 2)
    keyboard.append([Button(render.label("summary"),
                            callback_data=button_data("f", run_id, "S", "sum"))])
    return InlineKeyboardMarkup(keyboard)


def fields(render: Renderer, step: Step, section_key: str) -> InlineKeyboardMarkup:
    run_id = step.run.id
    buttons = [Button(f.short, callback_data=button_data("f", run_id, "S", "e",
                                                         step.spec.position(f.key)))
               for f in step.spec.fields_of(section_key) if f.applies(step.answers)]
    keyboard = rows(buttons, 2)
    keyboard.append([Button(render.label("summary"),
                            callback_data=button_data("f", run_id, "S", "sum"))])
    return InlineKeyboardMarkup(keyboard)


def duplicates(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    """The households that may be the one being opened: open one (if hers to see: the new one
    is dropped), or go on with a new one (`dn:<run>:<o|n|c>:<ids>`; `c`: asked at
    confirmation, the new one is created)."""
    run_id, found = step.run.id, step.extras["duplicates"]
    keyboard = [[Button(render.label("open_existing", h=d.household),
                        callback_data=button_data("dn", run_id, "o", d.household.id))]
                for d in found if d.visible]
    ids = ".".join(str(d.household.id) for d in found)
    action = "c" if step.extras.get("confirming") else "n"
    keyboard.append([Button(render.label("create_anyway"),
                            callback_data=button_data("dn", run_id, action, ids))])
    keyboard.append([Button(render.label("abandon"), callback_data=button_data("a", step.run.id))])
    return InlineKeyboardMarkup(keyboard)


def paused(render: Renderer, step: Step) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("resume"), callback_data=button_data("r", step.run.id)),
        Button(render.label("abandon"), callback_data=button_data("a", step.run.id)),
    ]])


def card(render: Renderer, c: Card, actor: Advisor, more: bool = False) -> InlineKeyboardMarkup:
    """The card's buttons: the daily ones, the rest behind «Plus…» (`more`: that side)."""
    h, plan = c.household, c.plan
    state = "running" if c.diagnostic_run else "done" if c.diagnostic else "todo"

    def button(label: str, action: str, **context: object) -> Button:
        return Button(render.label(label, **context), callback_data=button_data("h", action, h.id))

    def history(label: str, action: str) -> Button:
        return Button(render.text(f"history.{label}"), callback_data=button_data("t", action, h.id))

    plan_state = "draft" if plan.draft else "signed" if plan.current else "none"
    may = c.allowed  # storage.policy: only the buttons of what the actor may do

    def line(*buttons: Button | None) -> None:
        shown = [b for b in buttons if b is not None]
        if shown:
            keyboard.append(shown)

    def when(action: str, b: Button) -> Button | None:
        return b if action in may else None

    keyboard: list[list[Button]] = []
    if h.status == "clos":  # consultation, notes and documents only (callbacks.READ_ONLY)
        line(when("household.notes", button("add_note", "n")),
             when("household.notes", history("history", "h")))
        if plan.draft or plan.current:
            line(when("plan.view", button("ppal_pdf", "f")),
                 when("plan.view", button("versions", "v")),
                 when("rent.view", button("rent", "y")) if c.tenancy is not None else None)
        elif c.tenancy is not None:
            line(when("rent.view", button("rent", "y")))
        if h.confidential and (h.address or (c.tenancy is not None and c.tenancy.address)):
            line(when("household.address", Button(render.label("show_address"),
                                                    callback_data=button_data("h", "a", h.id))))
        line(when("household.reopen", button("reopen", "O")))
        return InlineKeyboardMarkup(keyboard)
    if more:
        if plan.draft or plan.current:
            line(when("plan.view", button("ppal_pdf", "f")),
                 when("plan.view", button("versions", "v")))
        if plan.current:
            line(when("plan.edit", button("follow_up", "t", done=plan.steps_done,
                                          total=plan.steps_total)),
                 when("plan.edit", button("bilan", "b")))
        line(when("household.edit", button("tenancy", "l", state=c.tenancy is not None)),
             when("reminder.answer", button("free_reminder", "z")))
        if c.tenancy is not None and c.tenancy.sublet:
            line(when("review.record", button("review", "g")))
        line(when("rapport.write", button("report", "w")),
             when("household.notes", history("phase_button", "p")))
        if c.tenancy is not None and c.tenancy.landlord_id and h.shared_with_id is None:
            line(when("household.share", button("share", "k")))
        line(when("household.reassign", button("reassign", "r")))
        if h.status == "actif":
            line(when("household.close", button("close", "c")))
        line(history("less", "-"))
        return InlineKeyboardMarkup(keyboard)
    line(when("diagnostic.edit", button("diagnostic", "d", state=state)),
         when("household.notes", button("add_note", "n")))
    line(when("plan.view", button("ppal", "p", state=plan_state)),
         when("plan.sign", button("sign", "s")) if plan.draft else None)
    line(when("household.notes", history("history", "h")),
         when("rent.view", button("rent", "y")) if c.tenancy is not None else None)
    if h.confidential and (h.address or (c.tenancy is not None and c.tenancy.address)):
        line(when("household.address", Button(render.label("show_address"),
                                                callback_data=button_data("h", "a", h.id))))
    line(history("more", "+"))
    return InlineKeyboardMarkup(keyboard)


def landlord_card(render: Renderer, c: LandlordCard) -> InlineKeyboardMarkup | None:
    """The landlord's answers, each offered while it is to give (storage.policy decides)."""
    h = c.household
    keyboard = []
    if c.rapport is not None and "rapport.answer" in c.allowed:
        keyboard.append([Button(render.label("landlord_rapport"),
                                callback_data=button_data("h", "Q", h.id))])
    if c.to_cosign and "plan.cosign" in c.allowed:
        keyboard.append([Button(render.label("landlord_cosign"),
                                callback_data=button_data("h", "X", h.id))])
    if "review.agree" in c.allowed:
        keyboard += [[Button(render.label("landlord_review", held_on=r.held_on),
                             callback_data=button_data("h", "G", h.id, r.id))]
                     for r in landlords.unanswered_reviews(c)]
    return markup(keyboard)


def assignees(render: Renderer, household: Household, candidates: Sequence[Advisor]
              ) -> InlineKeyboardMarkup | None:
    return markup([[Button(a.name or str(a.telegram_id),
                           callback_data=button_data("h", "R", household.id, a.id))]
                   for a in candidates])


def plan_items(render: Renderer, household: Household, items: Sequence[Item]
               ) -> InlineKeyboardMarkup | None:
    return markup([[Button(render.label("plan_item", item=i, n=n + 1),
                           callback_data=button_data("h", "u", household.id, i.uid))]
                   for n, i in enumerate(items)])


def plan_versions(render: Renderer, household: Household, versions: Sequence[PlanVersion]
                  ) -> InlineKeyboardMarkup | None:
    return markup([[Button(render.label("version_pdf", v=v),
                           callback_data=button_data("h", "V", household.id, v.id))]
                   for v in versions])


def reminder(render: Renderer, r: Reminder) -> InlineKeyboardMarkup | None:
    """A reminder's one-tap answers (its kind's actions): they do the work right there."""
    buttons = [Button(render.label(a.label), callback_data=button_data("m", r.id, a.code))
               for a in kinds.get(r.kind).actions]
    return markup(rows(buttons, 3 if len(buttons) == 3 else 2))


def ledger(render: Renderer, s: Statement) -> InlineKeyboardMarkup | None:
    """The 💶 screen: a payment, a plan d'apurement, and «Corriger» on each entry shown
    (its row id: a press on an entry that moved down the list still corrects that one)."""
    h = s.household
    keyboard = [[Button(render.label("add_payment"), callback_data=button_data("h", "P", h.id)),
                 Button(render.label("repayment_plan"),
                        callback_data=button_data("h", "A", h.id))]]
    keyboard += [[Button(render.label("correct_entry", e=line.entry, shown=line.shown),
                         callback_data=button_data("h", "K", h.id, line.entry.id))]
                 for line in s.entries]
    return markup(keyboard)


def reminder_list(render: Renderer, items: Sequence[Outgoing]) -> InlineKeyboardMarkup | None:
    return markup([[Button(render.label("reminder_open", r=i.reminder, h=i.household),
                           callback_data=button_data("m", i.reminder.id, "o"))]
                   for i in items[:50]])


def household_list(render: Renderer, households: Sequence[Household], page: int | None = None,
                   pages: int = 1, next_due: Mapping[int, Reminder] | None = None
                   ) -> InlineKeyboardMarkup | None:
    """One button per household; `next_due` (`storage.households.next_due`) adds each one's
    most urgent item."""
    due = next_due or {}
    keyboard = [[Button(render.label("household", h=h, next=due.get(h.id or 0)),
                        callback_data=button_data("h", "o", h.id))]
                for h in households]
    if page is not None and pages > 1:
        navigation = []
        if page > 0:
            navigation.append(Button(render.label("previous_page"),
                                     callback_data=button_data("p", page - 1)))
        if page < pages - 1:
            navigation.append(Button(render.label("next_page"),
                                     callback_data=button_data("p", page + 1)))
        keyboard.append(navigation)
    return markup(keyboard)


def roles(render: Renderer, organisations: Sequence[LandlordOrganisation] = ()
          ) -> InlineKeyboardMarkup:
    """One button per role; a bailleur's invitation names its organisation: one per landlord."""
    keyboard = [[Button(render.label("role", value=r.value),
                        callback_data=button_data("i", r.value))]
                for r in ROLE_KEYS if r != Role.BAILLEUR]
    keyboard += [[Button(render.label("role_organisation", name=o.name),
                         callback_data=button_data("i", Role.BAILLEUR.value, o.id))]
                 for o in organisations]
    return InlineKeyboardMarkup(keyboard)


def confirm_deactivate(render: Renderer, member: Advisor) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("deactivate_yes"), callback_data=button_data("e", "D", member.id)),
        Button(render.label("no"), callback_data=button_data("e", "n", member.id)),
    ]])


def team(render: Renderer, members: Sequence[Advisor], me: Advisor,
         invitations: Sequence[Invitation] = ()) -> InlineKeyboardMarkup | None:
    keyboard = []
    for m in members:
        name = m.name or str(m.telegram_id)
        if m.id == me.id:
            keyboard.append([Button(render.label("change_role", name=name),
                                    callback_data=button_data("e", "o", m.id))])
            continue
        if m.active:
            keyboard.append([Button(render.label("deactivate", name=name),
                                    callback_data=button_data("e", "d", m.id))])
        else:
            keyboard.append([Button(render.label("reactivate", name=name),
                                    callback_data=button_data("e", "r", m.id))])
        keyboard[-1].append(Button(render.label("change_role", name=name),
                                   callback_data=button_data("e", "o", m.id)))
    keyboard += [[Button(render.label("revoke_invitation",
                                      role_label=render.label("role", value=i.role.value),
                                      created_at=i.created_at),
                         callback_data=button_data("v", "c", i.id))] for i in invitations]
    return markup(keyboard)


def new_roles(render: Renderer, member: Advisor) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[Button(render.label("role", value=r.value),
                                         callback_data=button_data("e", "O", member.id, r.value))]
                                 for r in ROLE_KEYS if r != member.role])


def confirm_role(render: Renderer, member: Advisor, role: Role) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("role_yes"),
               callback_data=button_data("e", "S", member.id, role.value)),
        Button(render.label("no"), callback_data=button_data("e", "n", member.id)),
    ]])


def confirm_revoke(render: Renderer, invitation: Invitation) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        Button(render.label("revoke_yes"), callback_data=button_data("v", "y", invitation.id)),
        Button(render.label("no"), callback_data=button_data("e", "n", 0)),
    ]])


