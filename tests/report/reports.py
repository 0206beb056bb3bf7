"""Reading reports back in the markdown and HTML report tests: a page parsed with the standard
library's html.parser (its tables as rows of cell texts, optional end tags allowed, and every
start tag with its attributes), a model whose layer names are hostile to both formats, and the
bars a chart must show, computed from the JSON report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

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


def expected_bars(model: dict) -> dict[str, float]:
    """Energy by layer type from the JSON report: what the chart must show."""
    totals: dict[str, float] = {}
    for layer in model["layers"]:
        totals[layer["type"]] = totals.get(layer["type"], 0.0) + layer["energy_j"]
    ranked = sorted(((t, e) for t, e in totals.items() if e > 0), key=lambda item: -item[1])
    if len(ranked) > BARS:
        ranked = [*ranked[: BARS - 1], ("other", sum(e for _, e in ranked[BARS - 1 :]))]
    return dict(ranked)
