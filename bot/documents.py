"""The documents the work needs, as PDF: the PPAL, the rapport socio-éducatif, a bilan.

HTML from Jinja2 templates (`bot/templates/documents/`, autoescaped), laid out by WeasyPrint
(Pango does the text, so accents, long words and `<&>"` print as typed). Each file is kept
under `BOT_DATA_DIR/documents/<référence>/` and recorded with what it was made from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from bot.render import Renderer
from bot.settings import DEFAULT_CITY
from storage.access import Export
from storage.documents import ReportDocument
from storage.forms.spec import load
from storage.models import Advisor, Bilan, Household, PlanVersion
from storage.plans import Change, Item

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

    def access(self, found: Export, today: date) -> bytes:
        """The right of access, readable: identity, diagnostic, plans, notes, rent account,
        reviews, documents (the JSON beside it has every row)."""
        return self._pdf("acces", h=found.household, data=found.data, advisors=found.advisors,
                         today=today, diag=load("diagnostic"), ppal=load("ppal"))

    def bilan(self, household: Household, bilan: Bilan, version: PlanVersion | None,
              items: list[Item], advisor: Advisor | None) -> bytes:
        return self._pdf("bilan", h=household, bilan=bilan, version=version, items=items,
                         advisor=advisor)
