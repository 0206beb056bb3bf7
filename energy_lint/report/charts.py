"""The energy-by-layer-type chart, drawn without any library or network: a mermaid `xychart-beta`
block for markdown (GitHub renders it) and an inline SVG for the HTML page. Layer types come
from model files, so every label is sanitized (mermaid) or escaped (SVG) here."""

from __future__ import annotations

import math
import re
from html import escape

from ..errors import one_line
from ..results import ModelResult
from ..units import format_energy
from .summary import energy_by_type

BARS = 8
"""At most this many bars; past it the cheapest types are one "other" bar."""
BAR_COLOUR = "#2b8a3e"
"""The bars' fill, used nowhere else on the page (a screenshot test looks for it)."""

_UNITS = ((1e3, "kJ"), (1.0, "J"), (1e-3, "mJ"), (1e-6, "µJ"), (1e-9, "nJ"))
_MERMAID_UNSAFE = re.compile(r"[^A-Za-z0-9_.+-]")
_LABEL_CHARS = 30


def chart_unit(max_j: float) -> tuple[float, str]:
    """The scale and unit in which the largest bar reads between 1 and 1000."""
    for scale, unit in _UNITS:
        if max_j >= scale:
            return scale, unit
    return _UNITS[-1]


def plain_number(value: float) -> str:
    """Three significant digits, never in exponent notation (mermaid wants plain numbers)."""
    if value <= 0 or not math.isfinite(value):
        return "0"
    decimals = min(6, max(0, 2 - math.floor(math.log10(value))))
    text = f"{value:.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def mermaid_label(text: str) -> str:
    """A layer type as a mermaid string: only letters, digits and `_.+-` survive, so that no
    quote, bracket, backtick or newline in a model file can end the string, the list or the
    code block."""
    label = _MERMAID_UNSAFE.sub("_", text)[:_LABEL_CHARS]
    return label or "_"


def mermaid_chart(result: ModelResult) -> str:
    """A fenced ```mermaid bar chart of the energy by layer type, or "" when no layer was priced."""
    bars = energy_by_type(result, BARS)
    if not bars:
        return ""
    scale, unit = chart_unit(max(energy for _, energy in bars))
    labels = ", ".join(f'"{mermaid_label(kind)}"' for kind, _ in bars)
    values = ", ".join(plain_number(energy / scale) for _, energy in bars)
    return (
        "```mermaid\n"
        "xychart-beta\n"
        f'    title "Energy by layer type ({unit}, layer predictions)"\n'
        f"    x-axis [{labels}]\n"
        f'    y-axis "Energy ({unit})"\n'
        f"    bar [{values}]\n"
        "```\n"
    )


def svg_chart(result: ModelResult) -> str:
    """Horizontal bars with the type on the left and energy and share on the right; "" when
    no layer was priced. One <rect class="bar"> per bar and no other rect."""
    bars = energy_by_type(result, BARS)
    if not bars:
        return ""
    total = result.estimate.layer_sum_j or 1.0
    biggest = max(energy for _, energy in bars)
    label_w, bar_w, value_w, row_h, bar_h, top = 190, 440, 150, 24, 17, 4
    width, height = label_w + bar_w + value_w, top * 2 + row_h * len(bars)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        'role="img" aria-label="Energy by layer type">'
    ]
    for index, (kind, energy) in enumerate(bars):
        y = top + index * row_h
        length = max(1.0, bar_w * energy / biggest)
        name = one_line(kind)
        shown = name if len(name) <= 26 else name[:25] + "…"
        value = f"{format_energy(energy)} · {energy / total:.1%}"
        parts.append(
            f"<g><title>{escape(name)}: {escape(value)}</title>"
            f'<text class="label" x="{label_w - 8}" y="{y + 13}" text-anchor="end">{escape(shown)}</text>'
            f'<rect class="bar" x="{label_w}" y="{y}" width="{length:.1f}" height="{bar_h}" '
            f'fill="{BAR_COLOUR}"/>'
            f'<text class="value" x="{label_w + length + 6:.1f}" y="{y + 13}">{escape(value)}</text></g>'
        )
    parts.append("</svg>")
    return "".join(parts)
