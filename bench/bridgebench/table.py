"""Rows of the benchmark table: our figure, the reference, their ratio, the target, the verdict.

A :class:`Target` says which way is better and where the line is; it judges the ratio
(ours / reference) or, for an absolute target such as the cold start, our figure::

    >>> row = Row("1", "sync latency median, tcp", "us", ours=88.0, reference=70.0,
    ...           reference_name="python floor", target=Target.at_most(1.3))
    >>> row.ratio, row.verdict
    (1.257, 'pass')
    >>> print(format_table([row]))
"""

import json
import math
import os
from typing import Any, Dict, List, Optional

__all__ = ["Target", "Row", "format_table", "format_markdown", "read_json", "write_json"]


class Target:
    """``ratio <= limit`` (lower is better), ``ratio >= limit``, or ``ours <= limit`` absolute."""

    def __init__(self, kind: str, limit: Optional[float], text: str):
        self.kind = kind
        self.limit = limit
        self.text = text

    @classmethod
    def at_most(cls, limit: float) -> "Target":
        return cls("ratio<=", limit, "<= %gx" % limit)

    @classmethod
    def at_least(cls, limit: float) -> "Target":
        return cls("ratio>=", limit, ">= %gx" % limit)

    @classmethod
    def absolute_at_most(cls, limit: float, unit: str) -> "Target":
        return cls("ours<=", limit, "<= %g %s" % (limit, unit))

    @classmethod
    def report_only(cls) -> "Target":
        return cls("report", None, "report")

    def verdict(self, ours: Optional[float], ratio: Optional[float]) -> str:
        if self.kind == "report":
            return "info"
        if self.kind == "ours<=":
            return "n/a" if ours is None else ("pass" if ours <= self.limit else "miss")
        if ratio is None:
            return "n/a"
        if self.kind == "ratio<=":
            return "pass" if ratio <= self.limit else "miss"
        return "pass" if ratio >= self.limit else "miss"

    def __repr__(self) -> str:
        return "<Target %s>" % self.text


class Row:
    """One line of the table. ``ratio`` is ours / reference, rounded to 3 digits."""

    def __init__(self, row_id: str, name: str, unit: str, ours: Optional[float] = None,
                 reference: Optional[float] = None, reference_name: str = "",
                 target: Optional[Target] = None, note: str = "", skipped: str = "",
                 details: Optional[Dict[str, Any]] = None):
        self.row_id = row_id
        self.name = name
        self.unit = unit
        self.ours = ours
        self.reference = reference
        self.reference_name = reference_name
        self.target = target or Target.report_only()
        self.note = note
        self.skipped = skipped
        self.details = details or {}

    @property
    def ratio(self) -> Optional[float]:
        if self.ours is None or not self.reference:
            return None
        return round(self.ours / self.reference, 3)

    @property
    def verdict(self) -> str:
        if self.skipped:
            return "skipped"
        return self.target.verdict(self.ours, self.ratio)

    def as_dict(self) -> Dict[str, Any]:
        return {
            "row": self.row_id, "name": self.name, "unit": self.unit, "ours": self.ours,
            "reference": self.reference, "reference_name": self.reference_name,
            "ratio": self.ratio, "target": self.target.text, "verdict": self.verdict,
            "note": self.note, "skipped": self.skipped or None, "details": self.details,
        }

    def __repr__(self) -> str:
        return "<Row %s %s ours=%s ref=%s %s>" % (self.row_id, self.name, self.ours,
                                                  self.reference, self.verdict)


def _number(value: Optional[float]) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if abs(value) >= 1000:
        return "{:,.0f}".format(value)
    if abs(value) >= 10:
        return "%.1f" % value
    return "%.3g" % value


def table_lines(rows: List[Row]) -> List[List[str]]:
    """The table's cells: header first."""
    lines = [["row", "measure", "ours", "reference", "ratio", "target", "verdict"]]
    for row in rows:
        if row.skipped:
            lines.append([row.row_id, row.name, "-", "-", "-", row.target.text,
                          "skipped: " + row.skipped])
            continue
        unit = " " + row.unit if row.unit else ""
        reference = _number(row.reference) + unit if row.reference is not None else "-"
        if row.reference_name and row.reference is not None:
            reference += " (%s)" % row.reference_name
        ratio = "%.2fx" % row.ratio if row.ratio is not None else "-"
        lines.append([row.row_id, row.name, _number(row.ours) + unit, reference, ratio,
                      row.target.text, row.verdict])
    return lines


def format_table(rows: List[Row]) -> str:
    """A plain-text table for the terminal."""
    lines = table_lines(rows)
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    out = []
    for number, line in enumerate(lines):
        out.append("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if number == 0:
            out.append("  ".join("-" * width for width in widths))
    return "\n".join(out)


def format_markdown(rows: List[Row]) -> str:
    """The same table in Markdown, for docs/performance.md."""
    lines = table_lines(rows)
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "---|" * len(lines[0])]
    for line in lines[1:]:
        out.append("| " + " | ".join(cell.replace("|", "\\|") for cell in line) + " |")
    return "\n".join(out)


def read_json(path: str) -> "tuple[List[Row], Dict[str, Any], Dict[str, Any]]":
    """The rows, machine and settings of a results file written by :func:`write_json`."""
    with open(path) as source:
        document = json.load(source)
    rows = []
    for item in document["rows"]:
        target = Target.report_only()
        text = item.get("target") or "report"
        if text.startswith("<= ") and text.endswith("x"):
            target = Target.at_most(float(text[3:-1]))
        elif text.startswith(">= ") and text.endswith("x"):
            target = Target.at_least(float(text[3:-1]))
        elif text.startswith("<= "):
            number, unit = text[3:].split(" ", 1)
            target = Target.absolute_at_most(float(number), unit)
        rows.append(Row(item["row"], item["name"], item["unit"], item["ours"], item["reference"],
                        item.get("reference_name", ""), target, item.get("note", ""),
                        item.get("skipped") or "", item.get("details") or {}))
    return rows, document.get("machine", {}), document.get("settings", {})


def write_json(path: str, rows: List[Row], machine: Dict[str, Any], settings: Dict[str, Any]) -> None:
    """Write the run (machine, settings, rows) as JSON, atomically."""
    document = {"machine": machine, "settings": settings, "rows": [r.as_dict() for r in rows]}
    tmp = path + ".tmp"
    with open(tmp, "w") as out:
        json.dump(document, out, indent=2, sort_keys=False)
        out.write("\n")
    os.replace(tmp, path)
