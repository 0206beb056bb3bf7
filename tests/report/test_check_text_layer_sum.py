"""The text report's layer rows are the per-layer predictions, before the profile's whole-model
correction: they do not add up to the total, and the text report now says so, as markdown and
HTML already did (with the sum it would otherwise leave the reader to wonder about)."""

from __future__ import annotations

from pathlib import Path

from energy_lint.units import format_energy
from tests.check_cli import EXAMPLES, document, run_check


def test_text_report_says_its_rows_are_before_the_correction(tmp_path: Path) -> None:
    model = EXAMPLES / "mobilenet_v3_small.json"
    figures = document(run_check(model, "--format", "json", cwd=tmp_path))["models"][0]
    assert figures["correction"] != "none"  # the bundled CPU profile corrects the layer sum
    text = run_check(model, "--verbose", cwd=tmp_path).stdout
    expected = (
        f"Layer figures are the per-layer predictions: they sum to {format_energy(figures['layer_sum_j'])}, "
        f"which the profile's whole-model correction ({figures['correction']}) turns into the total."
    )
    assert expected in " ".join(text.split())
