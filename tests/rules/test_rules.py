"""One fixture that triggers each rule code and one that does not, through the real CLI on real
Keras model files (keras.applications configs and the calibration reference models)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from energy_lint.rules import RULES, selected_codes
from tests.check_cli import EXAMPLES, REFERENCE, codes, document, run_check

# code: (config, model that triggers it, model that does not)
CASES = {
    "EL101": ('[budgets]\nforward-pass = "600 mJ"\n', "resnet50.json", "mobilenet_v3_small.json"),
    "EL102": (
        'batch-size = 4\n[budgets]\nper-sample = "300 mJ"\n',
        "resnet50.json",
        "mobilenet_v3_small.json",
    ),
    "EL103": (
        'country = "POL"\ninferences = 100_000_000\n[budgets]\nco2e = "20 kg"\n',
        "densenet121.json",
        "mobilenet_v3_small.json",
    ),
    "EL104": ('[budgets]\nregression = "+5%"\n', "resnet50.json", "vgg16.json"),
    "EL201": ("", "../calibration/models/lstm_classifier.json", "resnet50.json"),
    "EL301": ("", "WIDE", "vgg16.json"),
    "EL302": ("", "../calibration/models/lstm_seq2seq.json", "vgg16.json"),
    "EL303": ("", "CUSTOM", "vgg16.json"),
}


def custom_layer_model(directory: Path) -> Path:
    """VGG16 with one layer of a registered custom class, as a model using a package's own
    layer is saved: unknown to energy-lint, whose code it would never run."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())
    for layer in config["config"]["layers"]:
        if layer["config"]["name"] == "block1_pool":
            layer.update(class_name="Gate", module="my_package.layers", registered_name="MyPackage>Gate")
    path = directory / "custom_gate.json"
    path.write_text(json.dumps(config))
    return path


def wide_dense_model(directory: Path) -> Path:
    """VGG16 whose first fully connected layer has a million units: 25 billion parameters, far
    outside what any profile measured, whatever it was calibrated on."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())
    for layer in config["config"]["layers"]:
        if layer["config"]["name"] == "fc1":
            layer["config"]["units"] = 1_000_000
    path = directory / "wide_vgg16.json"
    path.write_text(json.dumps(config))
    return path


def rule_args(code: str, directory: Path) -> tuple[str, ...]:
    """Arguments a rule needs beyond its configuration: EL104 compares with a saved report in
    which ResNet50 cost a microjoule (it grew) and VGG16 a megajoule (it shrank)."""
    if code != "EL104":
        return ()
    energies = {model_path("resnet50.json", directory): 1e-6, model_path("vgg16.json", directory): 1e6}
    models = [{"path": str(path), "energy_j": energy} for path, energy in energies.items()]
    (directory / "baseline.json").write_text(json.dumps({"version": 1, "models": models}))
    return ("--baseline", str(directory / "baseline.json"))


def model_path(name: str, directory: Path) -> Path:
    special = {"CUSTOM": custom_layer_model, "WIDE": wide_dense_model}
    return special[name](directory) if name in special else (EXAMPLES / name).resolve()


def test_every_rule_has_a_case_here() -> None:
    assert set(CASES) == {rule.code for rule in RULES}


@pytest.mark.parametrize("code", sorted(CASES))
def test_rule_fires_on_its_fixture_and_not_on_the_clean_one(code: str, tmp_path: Path) -> None:
    config, triggering, clean = CASES[code]
    (tmp_path / "energy-lint.toml").write_text(config)
    extra = rule_args(code, tmp_path)
    fired = run_check(
        model_path(triggering, tmp_path), "--select", code, "--format", "json", *extra, cwd=tmp_path
    )
    quiet = run_check(model_path(clean, tmp_path), "--select", code, "--format", "json", *extra, cwd=tmp_path)
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
    assert selected_codes(("EL",), ("EL3",), ()) == {"EL101", "EL102", "EL103", "EL104", "EL201"}
    assert "EL302" in selected_codes(("EL",), ("EL3",), ("EL302",))
    assert selected_codes(("EL1",), (), ()) == {"EL101", "EL102", "EL103", "EL104"}
    assert selected_codes(("EL101",), ("EL1",), ()) == {"EL101"}


def test_reference_models_exist() -> None:
    assert (REFERENCE / "lstm_classifier.json").is_file()
