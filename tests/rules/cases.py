"""The fixture of each rule code: a configuration, a model that triggers the rule and one that
does not, and what else the rule needs on the command line. tests/rules/test_rules.py runs them;
tests/report/test_check_sarif.py reports them as SARIF."""

from __future__ import annotations

import json
from pathlib import Path

from tests.check_cli import EXAMPLES

CONFIGS = "../tests/graph/architectures/configs"
"""Hugging Face config.json files (from the examples directory)."""

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
    "EL105": (
        "[training]\nepochs = 90\ntraining-samples = 1_281_167\nbatch-size = 64\n"
        '[budgets]\ntraining = "50 kWh"\n',
        "resnet50.json",
        "mobilenet_v3_small.json",
    ),
    "EL106": (
        'inferences = 1000\n[[overrides]]\npaths = ["*"]\nreason = "r"\nquality = 0.8\n',
        "resnet50.json",
        "vgg16.json",
    ),
    "EL107": (
        'sequence-length = 64\ngenerated-tokens = 16\n[budgets]\nper-token = "5 J"\n',
        f"{CONFIGS}/llama-2-70b.json",
        f"{CONFIGS}/gpt2.json",
    ),
    "EL201": ("", "../calibration/models/lstm_classifier.json", "resnet50.json"),
    "EL301": ("", "WIDE", "resnet50.json"),
    "EL302": ("", "../calibration/models/lstm_seq2seq.json", "vgg16.json"),
    "EL303": ("", "CUSTOM", "vgg16.json"),
    "EL305": ("", "MOSTLY_CUSTOM", "CUSTOM"),
    "EL304": (
        '[[overrides]]\npaths = ["*resnet50.json"]\nreason = "r"\n'
        "training = { epochs = 1, training-samples = 64 }\n",
        "resnet50.json",
        "vgg16.json",
    ),
}
TRAINING_PROFILE = "cpu-epyc-2core-tf"
"""A bundled profile calibrated with --train (of layers measured alone, as EL105's case needs)."""
UNTRAINED_PROFILE = "h100-torch-fp32"
"""A bundled profile without training rows: it cannot estimate a training run (EL304)."""
PROFILES = {"EL105": TRAINING_PROFILE, "EL304": UNTRAINED_PROFILE}


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


def mostly_custom_model(directory: Path) -> Path:
    """VGG16 whose convolutions are all a package's own layer: most of its compute unknown."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())
    for layer in config["config"]["layers"]:
        if layer["class_name"] == "Conv2D":
            layer.update(class_name="Gate", module="my_package.layers", registered_name="MyPackage>Gate")
    path = directory / "mostly_custom.json"
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


def rule_args(code: str, directory: Path, triggering: str | Path, clean: str | Path) -> tuple[str, ...]:
    """Arguments a rule needs beyond its configuration, for the models as the command line names
    them. EL104 compares with a saved report in which the triggering model cost a microjoule
    (it grew) and the clean one a megajoule (it shrank); EL106 with one in which the
    triggering model used a millijoule in all at an accuracy of 0.79 (a hundred thousand
    times less energy for one point less), the clean one 10^30 J."""
    if code == "EL104":
        models = [{"path": str(triggering), "energy_j": 1e-6}, {"path": str(clean), "energy_j": 1e6}]
    elif code == "EL106":
        models = [
            {"path": str(path), "energy_j": 1.0, "quality": {"value": 0.79, "use_energy_j": used}}
            for path, used in ((triggering, 1e-3), (clean, 1e30))
        ]
    else:
        return ()
    (directory / "baseline.json").write_text(json.dumps({"version": 1, "models": models}))
    return ("--baseline", str(directory / "baseline.json"))


def model_path(name: str, directory: Path) -> Path:
    special = {"CUSTOM": custom_layer_model, "WIDE": wide_dense_model, "MOSTLY_CUSTOM": mostly_custom_model}
    return special[name](directory) if name in special else (EXAMPLES / name).resolve()
