"""`energy-lint check` end to end in a subprocess: exit codes, configuration precedence and
overrides, the JSON contract, and one-line errors for bad input and bad configuration."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest

from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.rules import RULES
from tests.check_cli import CPU_PROFILE, EXAMPLES, REFERENCE, REPO, codes, document, run_check
from tests.in_process import invoke

SCHEMA = json.loads((REPO / "tests" / "schemas" / "check-v1.schema.json").read_text())
RESNET, MOBILE = EXAMPLES / "resnet50.json", EXAMPLES / "mobilenet_v3_small.json"


def write_config(directory: Path, text: str, name: str = "energy-lint.toml") -> Path:
    path = directory / name
    path.write_text(text)
    return path


def one_error_line(result) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def test_json_validates_against_the_contract_schema(tmp_path: Path) -> None:
    result = run_check(RESNET, REFERENCE / "lstm_classifier.json", "--format", "json", cwd=tmp_path)
    data = document(result)
    jsonschema.validate(data, SCHEMA)
    assert [Path(m["path"]).name for m in data["models"]] == ["resnet50.json", "lstm_classifier.json"]
    assert data["profile"]["name"] == CPU_PROFILE
    sources = data["profile"]["power_source"]
    assert sources  # how power was obtained, per device
    assert all("not a measurement" in source for source in sources.values())


def test_layers_and_correction_reproduce_the_reported_total_exactly(tmp_path: Path) -> None:
    model = document(run_check(RESNET, "--batch-size", "8", "--format", "json", cwd=tmp_path))["models"][0]
    layer_sum = sum(layer["energy_j"] for layer in model["layers"])
    assert layer_sum == model["layer_sum_j"]
    correction = load_profile(find_profile(CPU_PROFILE)).correction
    assert correction.predict_one(layer_sum) == model["energy_j"]
    assert model["energy_per_sample_j"] == model["energy_j"] / 8
    assert model["co2e_per_sample_g"] == pytest.approx(model["co2e_g"] / 8)
    assert model["co2e_inferences_g"] == pytest.approx(model["co2e_per_sample_g"] * 1_000_000)
    low, high = model["energy_j_interval"]
    assert low < model["energy_j"] < high
    free = [layer for layer in model["layers"] if layer["predictor"] == "free"]
    assert free and all(layer["energy_j"] == 0 for layer in free)  # InputLayer costs nothing


def test_co2e_follows_the_grid_and_the_pue(tmp_path: Path) -> None:
    def co2e(*options: str) -> float:
        return document(run_check(MOBILE, "--format", "json", *options, cwd=tmp_path))["models"][0]["co2e_g"]

    assert co2e("--country", "FRA") < co2e("--country", "POL")
    assert co2e("--country", "DEU", "--pue", "1.5") == pytest.approx(1.5 * co2e("--country", "DEU"))


@pytest.mark.parametrize(
    ("budget", "extra", "expected"),
    [("10 kJ", [], 0), ("1 mJ", [], 1), ("1 mJ", ["--exit-zero"], 0), ("1 mJ", ["--fail-on", "never"], 0)],
)
def test_exit_code_follows_error_violations(
    tmp_path: Path, budget: str, extra: list[str], expected: int
) -> None:
    write_config(tmp_path, f'[budgets]\nforward-pass = "{budget}"\n')
    assert run_check(MOBILE, *extra, cwd=tmp_path).returncode == expected


def test_warnings_alone_exit_0_unless_configured_as_errors(tmp_path: Path) -> None:
    lstm = REFERENCE / "lstm_seq2seq.json"
    assert run_check(lstm, "--select", "EL302", cwd=tmp_path).returncode == 0
    write_config(tmp_path, '[severity]\nEL302 = "error"\n')
    result = run_check(lstm, "--select", "EL302", "--format", "json", cwd=tmp_path)
    assert result.returncode == 1
    assert {v["severity"] for v in document(result)["models"][0]["violations"]} == {"error"}


def test_fail_on_warning_counts_warnings(tmp_path: Path) -> None:
    lstm = REFERENCE / "lstm_seq2seq.json"  # generic-predictor warnings, no error
    assert run_check(lstm, "--select", "EL3", cwd=tmp_path).returncode == 0
    assert run_check(lstm, "--select", "EL3", "--fail-on", "warning", cwd=tmp_path).returncode == 1
    assert run_check(MOBILE, "--select", "EL1", "--fail-on", "warning", cwd=tmp_path).returncode == 0


def test_skip_non_models_passes_over_named_json_that_is_no_keras_config(tmp_path: Path) -> None:
    """pre-commit names every .json file: with the flag, package.json is no error."""
    (tmp_path / "package.json").write_text('{"name": "web", "version": "1.0.0"}')
    (tmp_path / "m.weights.h5").write_bytes(b"\x89HDF\r\n\x1a\n")
    named = run_check("package.json", MOBILE, "--format", "json", cwd=tmp_path)
    assert named.returncode == 2 and "package.json" in one_error_line(named)
    skipped = run_check(
        "package.json", "m.weights.h5", MOBILE, "--skip-non-models", "--format", "json", cwd=tmp_path
    )
    assert skipped.returncode == 0 and skipped.stderr == ""
    assert [Path(m["path"]).name for m in document(skipped)["models"]] == ["mobilenet_v3_small.json"]


def test_an_output_file_that_cannot_be_written_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_check(MOBILE, "--output", str(tmp_path / "missing" / "report.json"), cwd=tmp_path)
    assert result.returncode == 2 and "report.json" in one_error_line(result)


def test_unreadable_input_exits_2_and_the_rest_is_still_checked(tmp_path: Path) -> None:
    broken = tmp_path / "broken.keras"
    broken.write_bytes(b"not a zip")
    result = run_check(broken, MOBILE, "--format", "json", cwd=tmp_path)
    assert result.returncode == 2
    data = document(result)
    assert [Path(m["path"]).name for m in data["models"]] == ["mobilenet_v3_small.json"]
    assert [Path(e["path"]).name for e in data["errors"]] == ["broken.keras"]
    assert "broken.keras" in one_error_line(result)


def test_flags_win_over_configuration_which_wins_over_defaults(tmp_path: Path) -> None:
    def batch(*options: str, cwd: Path = tmp_path) -> int:
        return document(run_check(MOBILE, "--format", "json", *options, cwd=cwd))["models"][0]["batch_size"]

    assert batch() == 1
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n[tool.energy-lint]\nbatch-size = 4\n')
    nested = tmp_path / "src" / "models"
    nested.mkdir(parents=True)
    assert batch(cwd=nested) == 4  # found from a subdirectory, upwards
    assert batch("--batch-size", "2") == 2
    write_config(tmp_path, "batch-size = 16\n")  # energy-lint.toml beside pyproject.toml wins
    assert batch() == 16


def test_a_region_flag_wins_over_a_configured_country(tmp_path: Path) -> None:
    write_config(tmp_path, 'country = "POL"\n')
    configured = document(run_check(MOBILE, "--format", "json", cwd=tmp_path))["carbon"]
    flagged = document(run_check(MOBILE, "--format", "json", "--region", "gcp:europe-west1", cwd=tmp_path))
    assert configured["where"] == "POL"
    assert flagged["carbon"]["where"] == "gcp:europe-west1"


def test_overrides_apply_budgets_by_path_and_ignores_by_layer(tmp_path: Path) -> None:
    models = tmp_path / "models"
    (models / "edge").mkdir(parents=True)
    shutil.copy(MOBILE, models / "edge" / "small.json")
    shutil.copy(MOBILE, models / "server.json")
    shutil.copy(RESNET, models / "resnet.json")
    write_config(
        tmp_path,
        '[budgets]\nforward-pass = "10 J"\n'
        '[[overrides]]\npaths = ["models/edge/*.json"]\nreason = "phones"\n'
        'budgets = { forward-pass = "1 mJ" }\n'
        '[[overrides]]\npaths = ["models/resnet.json"]\nlayers = ["conv5*"]\nreason = "calibrated soon"\n'
        'ignore = ["EL301"]\n',
    )
    data = document(run_check(models, "--format", "json", "--select", "EL101", cwd=tmp_path))
    by_name = {Path(m["path"]).name: m for m in data["models"]}
    assert [v["code"] for v in by_name["small.json"]["violations"]] == ["EL101"]
    assert not by_name["server.json"]["violations"]
    # A batch of 512 is outside every layer's training range: each layer extrapolates (EL301)
    # but those the override's layer glob names.
    resnet = run_check(
        models / "resnet.json", "--format", "json", "--select", "EL301", "--batch-size", "512", cwd=tmp_path
    )
    layers = [v["layer"] for v in document(resnet)["models"][0]["violations"]]
    assert len(layers) > 100 and not [name for name in layers if name.startswith("conv5")]
    assert "conv4_block1_1_conv" in layers


def test_select_ignore_and_extend_select(tmp_path: Path) -> None:
    lstm = REFERENCE / "gru_bidirectional.json"
    assert codes(run_check(lstm, "--format", "json", cwd=tmp_path)) >= {"EL201", "EL302"}
    assert codes(run_check(lstm, "--format", "json", "--ignore", "EL3", cwd=tmp_path)) == {"EL201"}
    write_config(tmp_path, 'ignore = ["EL3"]\nextend-select = ["EL302"]\n')
    assert codes(run_check(lstm, "--format", "json", cwd=tmp_path)) == {"EL201", "EL302"}


def test_text_report_names_the_profile_power_source_and_counts(tmp_path: Path) -> None:
    write_config(tmp_path, '[budgets]\nforward-pass = "1 mJ"\n')
    result = run_check(MOBILE, RESNET, "--statistics", cwd=tmp_path, profile=CPU_PROFILE)
    assert result.returncode == 1
    out = result.stdout
    assert "not a measurement" in out and CPU_PROFILE in out
    assert "EL101 forward pass" in out and "per forward pass" in out
    assert "forward-pass-over-budget" in out  # --statistics
    assert "Found" in out and "(2 errors)" in out
    assert "\x1b[" not in out  # plain when not a terminal


@pytest.mark.parametrize(
    ("config", "problem"),
    [
        ("colour = 1\n", "unknown key 'colour'"),
        ('[budgets]\nforward-pass = "50 parsecs"\n', "budgets.forward-pass"),
        ("[budgets]\nforward-pass = 50\n", "has no unit"),
        ('[[overrides]]\npaths = ["models/[edge"]\nreason = "x"\n', "bad glob"),
        ('[[overrides]]\npaths = ["a"]\n', "reason"),
        ('country = "XXY"\n', "XXY"),
        ('region = "gcp:mars-north1"\n', "mars-north1"),
        ('ignore = ["EL9"]\n', "EL9"),
        ("batch-size = 0\n", "batch-size"),
        ("country = [\n", "not valid TOML"),
    ],
)
def test_bad_configuration_is_one_line_and_exit_2(tmp_path: Path, config: str, problem: str) -> None:
    path = write_config(tmp_path, config)
    result = run_check(MOBILE, cwd=tmp_path)
    assert result.returncode == 2
    line = one_error_line(result)
    assert problem in line
    if "country" not in config and "region" not in config:
        assert str(path) in line


def test_missing_and_corrupt_profiles_are_one_line_and_exit_2(tmp_path: Path) -> None:
    result = run_check(MOBILE, cwd=tmp_path, profile="no-such-profile")
    assert result.returncode == 2 and "no-such-profile" in one_error_line(result)
    corrupt = tmp_path / "corrupt"
    shutil.copytree(find_profile(CPU_PROFILE), corrupt)
    (corrupt / "conv.npz").write_bytes(b"garbage")
    result = run_check(MOBILE, cwd=tmp_path, profile=str(corrupt))
    assert result.returncode == 2 and "corrupt" in one_error_line(result)


def test_rules_and_rule_explain_themselves(tmp_path: Path) -> None:
    def cli(*args: str) -> subprocess.CompletedProcess:
        return invoke(*args, cwd=REPO)

    listing = cli("rules").stdout.splitlines()
    assert [line.split()[0] for line in listing] == [
        "EL101",
        "EL102",
        "EL103",
        "EL104",
        "EL105",
        "EL106",
        "EL107",
        "EL201",
        "EL301",
        "EL302",
        "EL303",
        "EL304",
        "EL305",
    ]
    explained = cli("rule", "el201")
    assert explained.returncode == 0 and "What:" in explained.stdout and "Example:" in explained.stdout
    unknown = cli("rule", "EL999")
    assert unknown.returncode == 2 and "EL999" in unknown.stderr
    documented = json.loads(cli("rules", "--format", "json").stdout)
    assert len(documented) == len(RULES) and all(rule["why"] and rule["example"] for rule in documented)
