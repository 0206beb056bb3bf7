"""Configuration: where it is found, how overrides combine, what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.config import ConfigError, find_config, load_config, parse_config


def test_energy_lint_toml_beats_a_pyproject_in_the_same_directory(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.energy-lint]\nbatch-size = 2\n")
    assert find_config(tmp_path) == tmp_path / "pyproject.toml"
    (tmp_path / "energy-lint.toml").write_text("batch-size = 3\n")
    assert find_config(tmp_path) == tmp_path / "energy-lint.toml"


def test_a_pyproject_without_our_section_is_passed_over(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.energy-lint]\nbatch-size = 2\n")
    inner = tmp_path / "pkg"
    inner.mkdir()
    (inner / "pyproject.toml").write_text('[project]\nname = "pkg"\n')
    assert find_config(inner) == tmp_path / "pyproject.toml"


def test_override_budgets_apply_in_order_to_matching_paths_only(tmp_path: Path) -> None:
    config = parse_config(
        {
            "budgets": {"forward-pass": "10 J", "per-sample": "1 J"},
            "overrides": [
                {"paths": ["models/**/*.keras"], "reason": "r", "budgets": {"forward-pass": "1 J"}},
                {"paths": ["models/edge/*"], "reason": "r", "budgets": {"forward-pass": "10 mJ"}},
            ],
        },
        tmp_path / "energy-lint.toml",
    )
    assert config.budgets_for(str(tmp_path / "models/a/b.keras")).forward_pass_j == 1.0
    assert config.budgets_for(str(tmp_path / "models/edge/c.keras")).forward_pass_j == pytest.approx(0.01)
    assert config.budgets_for(str(tmp_path / "other.keras")).forward_pass_j == 10.0
    assert config.budgets_for(str(tmp_path / "models/edge/c.keras")).per_sample_j == 1.0


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"budgets": {"forward-pas": "1 J"}}, "forward-pas"),
        ({"overrides": [{"paths": ["x"], "reason": "r", "budget": {}}]}, "budget"),
        ({"pue": 0.9}, "pue"),
        ({"select": "EL1"}, "select"),
        ({"severity": {"EL101": "fatal"}}, "EL101"),
    ],
)
def test_mistakes_name_the_key_and_the_file(tmp_path: Path, table: dict, named: str) -> None:
    path = tmp_path / "energy-lint.toml"
    with pytest.raises(ConfigError) as raised:
        parse_config(table, path)
    assert named in str(raised.value) and str(path) in str(raised.value)


def test_no_file_means_defaults() -> None:
    config = load_config(None)
    assert config.options == {} and config.budgets.forward_pass_j is None
    assert config.budgets.layer_share == 0.5
