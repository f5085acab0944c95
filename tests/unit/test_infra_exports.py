"""Issue 9 §3: formula-looking cells are stored as typed, and escaped in every export."""

from __future__ import annotations

import csv
import io
from datetime import date

from openpyxl import Workbook, load_workbook

from storage import exports


def test_formula_looking_text_gets_an_apostrophe():
    for typed in ("=1+2", "+33 6 12", "-5", "@SUM(A1)", "\t=cmd", "\r=cmd"):
        assert exports.cell(typed) == "'" + typed
    for kept in ("Dupré", "06 12 34 56 78", "", "a=b", 12, -3, date(2027, 3, 15), None):
        assert exports.cell(kept) == kept


def test_csv_and_xlsx_written_through_it_hold_text_not_formulas(tmp_path):
    values = ["=HYPERLINK(\"http://x\")", "Hélène", 3]
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=";").writerow(exports.row(values))
    written = next(csv.reader(io.StringIO(buffer.getvalue()), delimiter=";"))
    assert written == ["'=HYPERLINK(\"http://x\")", "Hélène", "3"]
    workbook = Workbook()
    workbook.active.append(exports.row(values))
    workbook.save(tmp_path / "x.xlsx")
    sheet = load_workbook(tmp_path / "x.xlsx").active
    assert sheet["A1"].data_type == "s" and sheet["A1"].value.startswith("'=")
