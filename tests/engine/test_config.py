"""Configuration: where it is found, how overrides combine, what is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.engine.config import ConfigError, find_config, load_config, parse_config


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
    assert config.settings_for(str(tmp_path / "models/a/b.keras")).budgets.forward_pass_j == 1.0
    assert config.settings_for(str(tmp_path / "models/edge/c.keras")).budgets.forward_pass_j == pytest.approx(
        0.01
    )
    assert config.settings_for(str(tmp_path / "other.keras")).budgets.forward_pass_j == 10.0
    assert config.settings_for(str(tmp_path / "models/edge/c.keras")).budgets.per_sample_j == 1.0


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


def test_training_comes_from_its_table_and_overrides_per_path(tmp_path: Path) -> None:
    config = parse_config(
        {
            "training": {"epochs": 90, "training-samples": 1_281_167, "validation-samples": 50_000},
            "overrides": [
                {
                    "paths": ["edge/*"],
                    "reason": "fine-tuned only",
                    "training": {"epochs": 3, "batch-size": 64},
                }
            ],
        },
        tmp_path / "energy-lint.toml",
    )
    plan = config.settings_for(str(tmp_path / "big.keras")).training_plan
    assert (plan.epochs, plan.training_samples, plan.validation_samples, plan.batch_size) == (
        90, 1_281_167, 50_000, 32,
    )  # fmt: skip
    assert plan.steps_per_epoch == 40037 and plan.validation_steps == 1563
    edge = config.settings_for(str(tmp_path / "edge" / "small.keras")).training_plan
    assert (edge.epochs, edge.batch_size, edge.training_samples) == (3, 64, 1_281_167)


def test_no_training_table_means_no_plan_unless_an_override_gives_a_whole_one(tmp_path: Path) -> None:
    config = parse_config(
        {
            "overrides": [
                {"paths": ["a.keras"], "reason": "r", "training": {"epochs": 2, "training-samples": 10}}
            ]
        },
        tmp_path / "energy-lint.toml",
    )
    assert config.settings_for(str(tmp_path / "b.keras")).training_plan is None
    assert config.settings_for(str(tmp_path / "a.keras")).training_plan.epochs == 2


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"training": {"epochs": 3}}, "give epochs and training-samples"),
        ({"training": {"epochs": 0, "training-samples": 5}}, "training.epochs must be a positive integer"),
        ({"training": {"epochs": 2, "training-samples": 5, "lr": 1}}, "unknown key 'lr'"),
        ({"training": {"epochs": "ten", "training-samples": 5}}, "positive integer"),
        ({"quality": {"points-per-decade": "a lot"}}, "points-per-decade must be a number"),
        ({"quality": {"scale": 0}}, "scale must be positive"),
        ({"quality": {"weight": 1}}, "unknown key 'weight'"),
        ({"overrides": [{"reason": "r", "quality": "good"}]}, "quality must be a number"),
        ({"budgets": {"training": "5 apples"}}, "budgets.training"),
    ],
)
def test_bad_training_and_quality_settings_name_the_key(tmp_path: Path, table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(table, tmp_path / "energy-lint.toml")


def test_quality_settings_and_per_path_values(tmp_path: Path) -> None:
    config = parse_config(
        {
            "quality": {"metric": "top1", "points-per-decade": 2, "tolerance": 0.5},
            "budgets": {"training": "500 kWh", "training-co2e": "150 kg"},
            "overrides": [{"paths": ["m/*.keras"], "reason": "measured on ImageNet val", "quality": 0.761}],
        },
        tmp_path / "energy-lint.toml",
    )
    assert config.quality.metric == "top1" and config.quality.points_per_decade == 2.0
    assert config.quality.scale == 100.0 and config.quality.tolerance == 0.5
    assert config.settings_for(str(tmp_path / "m" / "a.keras")).quality == 0.761
    assert config.settings_for(str(tmp_path / "other.keras")).quality is None
    budgets = config.settings_for(str(tmp_path / "m" / "a.keras")).budgets
    assert budgets.training_j == pytest.approx(500 * 3.6e6) and budgets.training_co2e_g == pytest.approx(
        150_000
    )


def test_workload_defaults_top_level_and_per_path(tmp_path: Path) -> None:
    config = parse_config(
        {
            "sequence-length": 512,
            "overrides": [{"paths": ["chat/*"], "reason": "chat", "generated-tokens": 1024}],
            "budgets": {"per-token": "2 J"},
        },
        tmp_path / "energy-lint.toml",
    )
    plain = config.settings_for(str(tmp_path / "a.json"))
    chat = config.settings_for(str(tmp_path / "chat" / "b.json"))
    assert (plain.workload.sequence_length, plain.workload.generated_tokens) == (512, 128)
    assert (chat.workload.sequence_length, chat.workload.generated_tokens) == (512, 1024)
    assert plain.budgets.per_token_j == 2.0
    default = load_config(None).settings_for("x.json").workload
    assert (default.sequence_length, default.generated_tokens) == (128, 128)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ({"sequence-length": 0}, "sequence-length must be a positive integer"),
        ({"generated-tokens": -1}, "generated-tokens must be an integer of 0 or more"),
        ({"sequence-length": "long"}, "sequence-length must be a positive integer"),
        ({"overrides": [{"reason": "r", "generated-tokens": 1.5}]}, r"overrides\[0\]\.generated-tokens"),
        ({"budgets": {"per-token": "fast"}}, "budgets.per-token"),
    ],
)
def test_bad_workload_names_the_key(tmp_path: Path, table: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(table, tmp_path / "energy-lint.toml")
