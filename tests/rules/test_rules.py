"""One fixture that triggers each rule code and one that does not, through the real CLI on real
Keras model files (keras.applications configs and the calibration reference models)."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.rules import RULES, selected_codes
from tests.check_cli import CPU_PROFILE, REFERENCE, codes, document, run_check
from tests.rules.cases import CASES, PROFILES, model_path, rule_args


def test_every_rule_has_a_case_here() -> None:
    assert set(CASES) == {rule.code for rule in RULES}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_fixture_and_not_on_the_clean_one(code: str, tmp_path: Path) -> None:
    config, triggering, clean = CASES[code]
    (tmp_path / "energy-lint.toml").write_text(config)
    fired_path, clean_path = model_path(triggering, tmp_path), model_path(clean, tmp_path)
    extra = rule_args(code, tmp_path, fired_path, clean_path)
    profile = PROFILES.get(code, CPU_PROFILE)
    fired = run_check(fired_path, "--select", code, "--format", "json", *extra, cwd=tmp_path, profile=profile)
    quiet = run_check(clean_path, "--select", code, "--format", "json", *extra, cwd=tmp_path, profile=profile)
    assert codes(fired) == {code}, fired.stdout[-2000:]
    assert codes(quiet) == set()
    severity = next(rule.severity for rule in RULES if rule.code == code)
    assert fired.returncode == (1 if severity == "error" else 0)
    assert quiet.returncode == 0
    violation = document(fired)["models"][0]["violations"][0]
    assert violation["severity"] == severity and violation["message"]


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_every_rule_documents_what_why_and_an_example(rule) -> None:
    assert rule.summary and rule.section("Why") and rule.section("Example")


def test_selection_by_prefix_follows_the_most_specific_entry() -> None:
    budgets = {f"EL10{n}" for n in range(1, 8)}
    assert selected_codes(("EL",), ("EL3",), ()) == budgets | {"EL201"}
    assert "EL302" in selected_codes(("EL",), ("EL3",), ("EL302",))
    assert selected_codes(("EL1",), (), ()) == budgets
    assert selected_codes(("EL101",), ("EL1",), ()) == {"EL101"}


def test_reference_models_exist() -> None:
    assert (REFERENCE / "lstm_classifier.json").is_file()
