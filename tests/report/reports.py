"""Reading reports back in the markdown and HTML report tests: a page parsed with the standard
library's html.parser (its tables as rows of cell texts, optional end tags allowed, and every
start tag with its attributes), a model whose layer names are hostile to both formats, and the
bars a chart must show, computed from the JSON report."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pytest

from energy_lint.report.charts import BARS
from tests.check_cli import EXAMPLES

ODD_NAME = "conv|a`b<script>alert(1)</script>\nx"


@dataclass
class Table:
    classes: str
    head: list[str] = field(default_factory=list)
    rows: list[list[str]] = field(default_factory=list)


class Page(HTMLParser):
    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.tables: list[Table] = []
        self.text: list[str] = []
        self._open: list[Table] = []
        self._cell: list[str] | None = None
        self._in_head = False
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "table":
            self._open.append(Table(dict(attrs).get("class") or ""))
            self.tables.append(self._open[-1])
        elif not self._open:
            return
        elif tag == "thead":
            self._in_head = True
        elif tag in ("tbody", "tr"):
            self._in_head = self._in_head and tag == "tr"
            self._end_cell()
            if tag == "tr" and not self._in_head:
                self._open[-1].rows.append([])
        elif tag in ("td", "th"):
            self._end_cell()
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "tr"):
            self._end_cell()
        elif tag == "thead":
            self._end_cell()
            self._in_head = False
        elif tag == "table" and self._open:
            self._end_cell()
            self._open.pop()

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is None or not self._open:
            return
        text = "".join(self._cell).strip()
        table = self._open[-1]
        if self._in_head:
            table.head.append(text)
        elif table.rows:
            table.rows[-1].append(text)
        self._cell = None

    def table_with(self, heading: str) -> Table:
        """The one table with this column heading."""
        found = [table for table in self.tables if heading in table.head]
        assert len(found) == 1, [table.head for table in self.tables]
        return found[0]

    def starts(self, tag: str) -> list[dict[str, str | None]]:
        return [attrs for name, attrs in self.tags if name == tag]


def odd_model(directory: Path) -> Path:
    """VGG16 whose biggest convolution is renamed to something hostile to markdown and HTML;
    every reference to the layer follows the new name."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())

    def rename(node: object) -> object:
        if isinstance(node, dict):
            return {key: rename(value) for key, value in node.items()}
        if isinstance(node, list):
            return [rename(value) for value in node]
        return ODD_NAME if node == "block1_conv2" else node

    path = directory / "odd_names.json"
    path.write_text(json.dumps(rename(config)))
    return path


def assert_chart(
    labels: list[str],
    values_j: list[float] | None,
    model: dict,
    label: Callable[[str], str] = lambda kind: kind,
) -> None:
    """The chart shows energy by layer type, as it says: checked against the JSON report's layers
    by its properties, not by a second implementation of the chart. At most BARS bars, largest
    first and "other" last; a named bar is one type's whole energy; no type left out costs more
    than a type shown; and the bars (where their values are given, in J) add up to the layers."""
    by_type: dict[str, float] = {}
    for layer in model["layers"]:
        by_type[label(layer["type"])] = by_type.get(label(layer["type"]), 0.0) + layer["energy_j"]
    spent = {kind: energy for kind, energy in by_type.items() if energy > 0}
    assert len(labels) == min(len(spent), BARS)
    named = labels[:-1] if labels and labels[-1] == "other" and len(spent) > BARS else labels
    assert "other" not in named or "other" in spent
    assert set(named) <= set(spent)
    energies = [spent[kind] for kind in named]
    assert energies == sorted(energies, reverse=True)
    left_out = [energy for kind, energy in spent.items() if kind not in named]
    assert all(energy <= min(energies) * (1 + 1e-12) for energy in left_out)
    if values_j is not None:
        assert values_j[: len(named)] == pytest.approx(energies, rel=0.006)
        assert sum(values_j) == pytest.approx(sum(spent.values()), rel=0.006)
