"""Figures quoted in the rules' examples (and so in docs/rules.md) are the ones the code
produces: each example is run as written, its quoted figure compared with the report's, and the
configuration it shows must make the rule fire. ("61.2 J" and "fc1 is 62%" were quoted where the
code said 17.9 J and 20.9%.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from energy_lint.rules import RULES_BY_CODE
from energy_lint.units import format_energy
from tests.check_cli import CPU_PROFILE, EXAMPLES, codes, document, run_check


def example(code: str) -> tuple[str, str]:
    """(the configuration lines, the comment) of a rule's example."""
    text = RULES_BY_CODE[code].section("Example")
    config = "\n".join(line for line in text.splitlines() if not line.strip().startswith("#"))
    comment = " ".join(line.strip()[1:].strip() for line in text.splitlines() if line.strip().startswith("#"))
    assert CPU_PROFILE in comment  # the example names the profile its figure comes from
    return config, comment


def run_example(code: str, model: str, tmp_path: Path, *args: str) -> dict:
    config, _ = example(code)
    (tmp_path / "energy-lint.toml").write_text(
        config.replace("[tool.energy-lint.budgets]", "[budgets]") + "\n"
    )
    result = run_check(EXAMPLES / model, "--select", code, "--format", "json", *args, cwd=tmp_path)
    assert codes(result) == {code}, result.stdout[-1000:]
    return document(result)["models"][0]


def test_forward_pass_example(tmp_path: Path) -> None:
    model = run_example("EL101", "resnet50.json", tmp_path, "--batch-size", "32")
    assert f"predicts {format_energy(model['energy_j'])} on" in example("EL101")[1]


def test_per_sample_example(tmp_path: Path) -> None:
    model = run_example("EL102", "resnet50.json", tmp_path, "--batch-size", "32")
    assert f"predicts {format_energy(model['energy_per_sample_j'])} per sample" in example("EL102")[1]


def test_dominant_layer_example(tmp_path: Path) -> None:
    model = run_example("EL201", "vgg16.json", tmp_path)
    conv = next(layer for layer in model["layers"] if layer["name"] == "block4_conv2")
    share = conv["energy_j"] / model["layer_sum_j"]
    assert f"takes {share:.0%} of" in example("EL201")[1]


@pytest.mark.parametrize("code", ["EL101", "EL102", "EL201"])
def test_examples_quote_a_figure(code: str) -> None:
    assert re.search(r"\d", example(code)[1])
