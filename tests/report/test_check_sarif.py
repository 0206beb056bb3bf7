"""`energy-lint check --format sarif` through the real CLI: every rule's finding validates against
the official SARIF 2.1.0 schema (vendored, offline) and points at its model file and layer."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

import h5py
import jsonschema
import pytest

from energy_lint import __version__
from energy_lint.report.check_sarif import FINGERPRINT, HOMEPAGE
from energy_lint.report.rule_docs import github_anchor
from energy_lint.rules import RULES, RULES_BY_CODE
from tests.check_cli import CPU_PROFILE, EXAMPLES, REFERENCE, REPO, document, run_check
from tests.rules.cases import CASES, PROFILES, model_path, rule_args

SCHEMA = json.loads((REPO / "tests" / "schemas" / "sarif-schema-2.1.0.json").read_text())
VALIDATOR = jsonschema.validators.validator_for(SCHEMA)(SCHEMA)


def sarif(result: Any) -> dict[str, Any]:
    """The log on stdout, checked against the schema; its only run."""
    return sarif_run(result.stdout)


def sarif_run(text: str) -> dict[str, Any]:
    log = json.loads(text)
    problems = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(log)]
    assert not problems, problems[:5]
    assert log["version"] == "2.1.0" and len(log["runs"]) == 1
    return log["runs"][0]


def pretty_copy(source: Path, directory: Path, name: str | None = None, indent: int | None = 2) -> str:
    """A model config under directory/models/, one key per line as configs are often committed;
    returns its path relative to `directory`."""
    target = directory / "models" / (name or source.name)
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(json.loads(source.read_text()), indent=indent))
    return target.relative_to(directory).as_posix()


def baseline_args(model: str, directory: Path) -> tuple[str, ...]:
    """A saved JSON report of the model itself in which it cost half as much: EL104 fires."""
    report = document(run_check(model, "--format", "json", cwd=directory))
    for entry in report["models"]:
        entry["energy_j"] /= 2
    (directory / "baseline.json").write_text(json.dumps(report))
    return ("--baseline", "baseline.json")


def checked_case(code: str, directory: Path) -> tuple[str, Any]:
    """The rule's fixture from tests/rules/cases.py, copied under `directory`, checked as SARIF."""
    config, triggering, _ = CASES[code]
    (directory / "energy-lint.toml").write_text(config)
    model = pretty_copy(model_path(triggering, directory), directory)
    extra = baseline_args(model, directory) if code == "EL104" else rule_args(code, directory, model, "-")
    profile = PROFILES.get(code, CPU_PROFILE)
    return model, run_check(
        model, "--select", code, "--format", "sarif", *extra, cwd=directory, profile=profile
    )


def name_line(path: Path, layer: str) -> int:
    """The 1-based line holding the layer's `"name": ...` key, found independently of the writer."""
    key = f'"name": {json.dumps(layer)}'
    return next(number for number, line in enumerate(path.read_text().splitlines(), 1) if key in line)


@pytest.mark.parametrize("code", [rule.code for rule in RULES])
def test_every_rule_is_a_valid_result_at_its_model_and_layer(code: str, tmp_path: Path) -> None:
    model, result = checked_case(code, tmp_path)
    rule = RULES_BY_CODE[code]
    assert result.returncode == (1 if rule.severity == "error" else 0), result.stderr
    run = sarif(result)
    driver = run["tool"]["driver"]
    assert run["results"], result.stdout[-2000:]
    for found in run["results"]:
        assert found["ruleId"] == code
        assert driver["rules"][found["ruleIndex"]]["id"] == code
        assert found["level"] == rule.severity
        assert found["message"]["text"]
        physical = found["locations"][0]["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == model
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert run["artifacts"][physical["artifactLocation"]["index"]]["location"]["uri"] == model
        logical = found["locations"][0].get("logicalLocations")
        if logical:
            layer = logical[0]["name"]
            assert physical["region"]["startLine"] == name_line(tmp_path / model, layer)
        else:
            assert physical["region"]["startLine"] == 1
        assert set(found["partialFingerprints"]) == {FINGERPRINT}


def test_driver_describes_every_rule_in_registry_order(tmp_path: Path) -> None:
    run = sarif(run_check(EXAMPLES / "mobilenet_v3_small.json", "--format", "sarif", cwd=tmp_path))
    driver = run["tool"]["driver"]
    assert driver["name"] == "energy-lint" and driver["version"] == __version__
    assert driver["informationUri"] == HOMEPAGE
    assert [d["id"] for d in driver["rules"]] == [rule.code for rule in RULES]
    headings = {
        github_anchor(line[3:])
        for line in (REPO / "docs" / "rules.md").read_text().splitlines()
        if line.startswith("## ")
    }
    for descriptor, rule in zip(driver["rules"], RULES):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["defaultConfiguration"]["level"] == rule.severity
        assert " ".join(rule.section("Why").split()) in descriptor["help"]["text"]
        assert rule.section("Example") in descriptor["help"]["markdown"]
        page, anchor = descriptor["helpUri"].split("#")
        assert page == f"{HOMEPAGE}/blob/main/docs/rules.md"
        assert anchor in headings, f"{descriptor['helpUri']} names no heading of docs/rules.md"


def test_configured_severity_is_the_results_level(tmp_path: Path) -> None:
    """[severity] EL201 = "error": the result is an error, the rule's default stays a warning."""
    (tmp_path / "energy-lint.toml").write_text('[severity]\nEL201 = "error"\n')
    model = pretty_copy(REFERENCE / "lstm_classifier.json", tmp_path)
    result = run_check(model, "--select", "EL201", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 1
    run = sarif(result)
    assert {found["level"] for found in run["results"]} == {"error"}
    assert run["tool"]["driver"]["rules"][run["results"][0]["ruleIndex"]]["defaultConfiguration"] == {
        "level": "warning"
    }


def test_one_line_json_points_at_the_layer_by_column(tmp_path: Path) -> None:
    """keras' to_json() writes one line: every layer is on line 1, the column tells them apart."""
    model = pretty_copy(REFERENCE / "lstm_classifier.json", tmp_path, indent=None)
    run = sarif(run_check(model, "--select", "EL201", "--format", "sarif", cwd=tmp_path))
    found = run["results"][0]
    layer = found["locations"][0]["logicalLocations"][0]["name"]
    region = found["locations"][0]["physicalLocation"]["region"]
    text = (tmp_path / model).read_text()
    assert region["startLine"] == 1 and "\n" not in text
    assert text[region["startColumn"] - 1 :].startswith(f'"name": {json.dumps(layer)}')


def keras_zip(config: Path, target: Path) -> Path:
    """A .keras archive as Keras 3 writes it, minus the weights energy-lint never reads."""
    with zipfile.ZipFile(target, "w") as archive:
        archive.writestr("config.json", config.read_text())
        archive.writestr("metadata.json", json.dumps({"keras_version": "3.6.0"}))
    return target


def keras_h5(config: Path, target: Path) -> Path:
    """A legacy .h5 model file: its config in the model_config attribute."""
    with h5py.File(target, "w") as handle:
        handle.attrs["model_config"] = config.read_text()
        handle.attrs["keras_version"] = "3.6.0"
    return target


@pytest.mark.parametrize("suffix, write", [("keras", keras_zip), ("h5", keras_h5)], ids=["keras", "h5"])
def test_binary_model_files_point_at_line_one(suffix: str, write, tmp_path: Path) -> None:
    path = write(REFERENCE / "lstm_classifier.json", tmp_path / f"lstm.{suffix}")
    run = sarif(run_check(path.name, "--select", "EL201", "--format", "sarif", cwd=tmp_path))
    found = run["results"][0]
    physical = found["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == path.name
    assert physical["region"] == {"startLine": 1}
    assert found["locations"][0]["logicalLocations"][0]["name"]


def test_fingerprints_are_stable_across_runs_and_edits_and_differ_between_layers(tmp_path: Path) -> None:
    """Every layer of ResNet50 at batch 1024 extrapolates (EL301): one finding per layer."""
    args = ("--select", "EL301", "--batch-size", "1024", "--format", "sarif")
    model = pretty_copy(EXAMPLES / "resnet50.json", tmp_path)
    first, second = (sarif(run_check(model, *args, cwd=tmp_path))["results"] for _ in range(2))
    prints = [found["partialFingerprints"][FINGERPRINT] for found in first]
    assert len(prints) > 10
    assert prints == [found["partialFingerprints"][FINGERPRINT] for found in second]
    assert len(set(prints)) == len(prints)
    pretty_copy(EXAMPLES / "resnet50.json", tmp_path, indent=None)  # the same file, reformatted
    edited = sarif(run_check(model, *args, cwd=tmp_path))["results"]
    assert [found["partialFingerprints"][FINGERPRINT] for found in edited] == prints
    lines = {found["locations"][0]["physicalLocation"]["region"]["startLine"] for found in edited}
    assert lines == {1}


def test_unreadable_input_is_a_notification_and_the_run_unsuccessful(tmp_path: Path) -> None:
    (tmp_path / "broken.keras").write_bytes(b"PK\x03\x04 not really a zip")
    model = pretty_copy(REFERENCE / "lstm_classifier.json", tmp_path)
    result = run_check("broken.keras", model, "--select", "EL201", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 2
    run = sarif(result)
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [notification] = invocation["toolExecutionNotifications"]
    assert notification["level"] == "error"
    assert "broken.keras" in notification["message"]["text"]
    where = notification["locations"][0]["physicalLocation"]["artifactLocation"]
    assert where == {"uri": "broken.keras", "uriBaseId": "%SRCROOT%"}
    assert [found["ruleId"] for found in run["results"]] == ["EL201"]  # the readable model still is


def test_clean_run_succeeds_and_says_where_its_numbers_come_from(tmp_path: Path) -> None:
    """No budget configured and only the budget rules selected: nothing to report."""
    model = pretty_copy(EXAMPLES / "mobilenet_v3_small.json", tmp_path)
    result = run_check(model, "--select", "EL1", "--country", "DEU", "--format", "sarif", cwd=tmp_path)
    assert result.returncode == 0
    run = sarif(result)
    assert run["results"] == []
    assert run["invocations"][0]["executionSuccessful"] is True
    assert "toolExecutionNotifications" not in run["invocations"][0]
    report = document(run_check(model, "--country", "DEU", "--format", "json", cwd=tmp_path))
    assert run["properties"]["profile"] == report["profile"]
    assert run["properties"]["profile"]["power_source"]
    assert run["properties"]["carbon"] == report["carbon"] and report["carbon"]["where"] == "DEU"
    [artifact] = run["artifacts"]
    assert artifact["location"]["uri"] == model
    assert artifact["properties"]["energy_j"] == report["models"][0]["energy_j"]


def test_output_file_holds_the_log(tmp_path: Path) -> None:
    model = pretty_copy(REFERENCE / "lstm_classifier.json", tmp_path)
    result = run_check(model, "--select", "EL201", "--format", "sarif", "--output", "out.sarif", cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == ""
    run = sarif_run((tmp_path / "out.sarif").read_text())
    assert [found["ruleId"] for found in run["results"]] == ["EL201"]
