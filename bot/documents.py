"""The documents the work needs, as PDF: the PPAL, the rapport socio-éducatif, a bilan, a
glissement review's record.

HTML from Jinja2 templates (`bot/templates/documents/`, autoescaped), laid out by WeasyPrint
(Pango does the text, so accents, long words and `<&>"` print as typed). Each file is kept
under `BOT_DATA_DIR/documents/<référence>/` and recorded with what it was made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from io import BytesIO
from pathlib import Path
from typing import Any

from bot.render import Renderer
from bot.settings import DEFAULT_CITY
from storage import exports
from storage.access import Export
from storage.documents import ReportDocument
from storage.evaluation import CLOSURE_REASONS, Evaluation, indicators
from storage.forms.spec import load
from storage.models import Advisor, Bilan, Household, PlanVersion
from storage.plans import Change, Item
from storage.tenancy import ReviewDocument

TEMPLATES = Path(__file__).with_name("templates")


@dataclass(frozen=True)
class Organisation:
    name: str
    address: str = ""
    logo: str | None = None  # file URI for WeasyPrint
    city: str = DEFAULT_CITY  # «Fait à …» on the documents signed (setting ORG_CITY)


class DocumentMaker:
    def __init__(self, render: Renderer, org: Organisation) -> None:
        self.render, self.org = render, org
        self.css = (TEMPLATES / "documents" / "style.css").read_text(encoding="utf-8")

    def _pdf(self, template: str, **context: Any) -> bytes:
        from weasyprint import HTML  # heavy import, only where documents are made

        html = self.render.env.get_template(f"documents/{template}.html").render(
            org=self.org, css=self.css, **context)
        result: bytes = HTML(string=html, base_url=str(TEMPLATES)).write_pdf()
        return result

    def ppal(self, household: Household, version: PlanVersion, history: list[PlanVersion],
             advisor: Advisor | None, signatory: Advisor | None, today: date,
             previous: PlanVersion | None = None, changes: Sequence[Change] = ()) -> bytes:
        """`previous` and `changes`: what an avenant changes (storage.plans.changes)."""
        spec = load("ppal")
        return self._pdf("ppal", h=household, version=version, history=history, advisor=advisor,
                         signatory=signatory, today=today, previous=previous, changes=changes,
                         spec=spec, who=spec.field("demarches").sub("qui"),
                         rhythm=spec.field("rythme"))

    def report(self, found: ReportDocument, answers: dict[str, Any], today: date) -> bytes:
        household = found.household
        show_address = not household.confidential or bool(answers.get("adresse"))
        return self._pdf("rapport", h=household, r=answers, d=found.diagnostic,
                         budget=found.budget, target=found.target, arrears=found.arrears,
                         landlord=answers.get("bailleur") or found.landlord,
                         advisor=found.advisor, today=today, show_address=show_address,
                         diag=load("diagnostic"), axes_field=load("rapport").field("axes"),
                         entry_path=load("menage").field("parcours"))

    def review(self, found: ReviewDocument) -> bytes:
        """The one-page record of a glissement review, for the landlord."""
        return self._pdf("revue", h=found.household, review=found.review, home=found.home,
                         advisor=found.advisor, period_end=found.period_end,
                         deadline=found.deadline)

    def access(self, found: Export, today: date) -> bytes:
        """The right of access, readable: identity, diagnostic, plans, notes, rent account,
        reviews, documents (the JSON beside it has every row)."""
        return self._pdf("acces", h=found.household, data=found.data, advisors=found.advisors,
                         today=today, diag=load("diagnostic"), ppal=load("ppal"))

    def bilan(self, household: Household, bilan: Bilan, version: PlanVersion | None,
              items: list[Item], advisor: Advisor | None) -> bytes:
        return self._pdf("bilan", h=household, bilan=bilan, version=version, items=items,
                         advisor=advisor)

    def evaluation(self, ev: Evaluation, today: date) -> bytes:
        """The yearly evaluation: the figures by section, households by month and exits by
        reason as inline SVG charts (bot/templates/documents/charts.html)."""
        sections: dict[str, list[tuple[str, object]]] = {}
        for section, key, value in indicators(ev):
            sections.setdefault(section, []).append((key, value))
        return self._pdf("evaluation", ev=ev, sections=list(sections.items()), today=today,
                         reasons=CLOSURE_REASONS)

    def evaluation_workbook(self, ev: Evaluation) -> bytes:
        """«Indicateurs» (one labelled row per figure) and «Ménages» (one row per household
        supported, by reference only); every cell through storage.exports.cell."""
        from openpyxl import Workbook

        text = self.render.text
        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = text("evaluation.sheet", name="indicators")
        for section, key, value in indicators(ev):
            sheet.append(exports.row([text("evaluation.section", key=section),
                                      text("evaluation.label", key=key), value]))
        sheet.column_dimensions["A"].width = 34
        sheet.column_dimensions["B"].width = 58
        households = book.create_sheet(text("evaluation.sheet", name="households"))
        households.append(exports.row(list(text("evaluation.columns").split("|"))))
        for r in ev.rows:
            households.append(exports.row([
                r.reference, r.start, r.end, text("evaluation.code", kind="path",
                                                   value=r.entry_path),
                text("evaluation.code", kind="composition", value=r.composition), r.persons,
                text("evaluation.code", kind="band", value=r.resource_band),
                text("evaluation.code", kind="lease", value=r.lease), r.home_entry,
                r.sublease_start, r.transferred_on,
                text("evaluation.code", kind="reason", value=r.closure_reason),
                r.months_in_period, r.duration_months, text("evaluation.yes_no", value=r.impaye),
                text("evaluation.code", kind="outcome", value=r.impaye_outcome),
                text("evaluation.yes_no", value=r.repayment_plan), r.contacts]))
        for column in "BCIJK":
            for cell in households[column][1:]:
                cell.number_format = "DD/MM/YYYY"
        buffer = BytesIO()
        book.save(buffer)
        return buffer.getvalue()
