"""Every format shows a transformer's workload: prefill, energy per generated token, energy
per 1,000 tokens; JSON adds them under `generation` and still validates against the schema."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from tests.check_cli import REPO, document, run_check

GPT2 = REPO / "tests" / "graph" / "architectures" / "configs" / "gpt2.json"
SCHEMA = json.loads((REPO / "tests" / "schemas" / "check-v1.schema.json").read_text())
CONFIG = "sequence-length = 64\ngenerated-tokens = 32\n"


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    (tmp_path / "energy-lint.toml").write_text(CONFIG)
    return tmp_path


def test_json_carries_the_workload_and_validates(workdir: Path) -> None:
    result = run_check(GPT2, "--format", "json", cwd=workdir)
    data = document(result)
    jsonschema.validate(data, SCHEMA)
    generation = data["models"][0]["generation"]
    assert (generation["prompt_tokens"], generation["generated_tokens"]) == (64, 32)
    assert generation["per_token_j"] == pytest.approx(generation["decode_j"] / 32)
    assert generation["decode_by_type_j"]["Attention"] > 0


@pytest.mark.parametrize("fmt", ["text", "markdown", "html", "github"])
def test_every_format_shows_the_per_token_figures(fmt: str, workdir: Path) -> None:
    result = run_check(GPT2, "--format", fmt, cwd=workdir)
    assert result.returncode == 0, result.stderr
    output = " ".join(result.stdout.split())
    assert "prompt 64 tokens: prefill" in output
    assert "32 generated tokens:" in output and "per token with a KV cache" in output
    assert "per 1,000 tokens" in output


def test_sarif_properties_carry_the_workload(workdir: Path) -> None:
    (workdir / "energy-lint.toml").write_text(CONFIG + '[budgets]\nper-token = "0.000001 J"\n')
    result = run_check(GPT2, "--format", "sarif", cwd=workdir)
    sarif = json.loads(result.stdout)
    results = sarif["runs"][0]["results"]
    assert any(r["ruleId"] == "EL107" for r in results)


def test_an_override_sets_the_workload_of_its_paths(workdir: Path) -> None:
    override = '[[overrides]]\npaths = ["**/gpt2.json"]\nreason = "short prompts"\nsequence-length = 16\n'
    (workdir / "energy-lint.toml").write_text(CONFIG + override)
    generation = document(run_check(GPT2, "--format", "json", cwd=workdir))["models"][0]["generation"]
    assert (generation["prompt_tokens"], generation["generated_tokens"]) == (16, 32)
