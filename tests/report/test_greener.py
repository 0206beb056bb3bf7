"""`check --profile A --profile B@REGION`: every model priced on each profile with its grid, the
greenest named, in every output format."""

from __future__ import annotations

import json

import pytest

from energy_lint.report import CHECK_FORMATS
from tests.check_cli import EXAMPLES, document, run_check
from tests.report.reports import Page

PROFILES = ("cpu-xeon-2core-tf-ctx@POL", "h100-torch-fp32@FRA")
MODELS = (EXAMPLES / "mobilenet_v3_small.json", EXAMPLES / "resnet50.json")


def compared(tmp_path, output_format: str):
    args = [arg for profile in PROFILES for arg in ("--profile", profile)]
    return run_check(*MODELS, *args, "--format", output_format, cwd=tmp_path, profile=None)


def test_json_carries_one_estimate_per_profile_and_the_cheapest(tmp_path) -> None:
    report = document(compared(tmp_path, "json"))
    assert [(p["name"], p["grid"]) for p in report["profiles"]] == [
        ("cpu-xeon-2core-tf-ctx", "POL"),
        ("h100-torch-fp32", "FRA"),
    ]
    assert report["profile"]["name"] == "cpu-xeon-2core-tf-ctx"  # rules and main figures: the first
    for model in report["models"]:
        first, second = model["estimates"]
        assert first["profile"] == "cpu-xeon-2core-tf-ctx" and second["profile"] == "h100-torch-fp32"
        assert first["energy_j"] == pytest.approx(model["energy_j"])
        assert second["energy_j"] != pytest.approx(first["energy_j"])
        for estimate in (first, second):
            expected = estimate["use_energy_j"] / 3.6e6 * estimate["g_per_kwh"]
            assert estimate["use_co2e_g"] == pytest.approx(expected)
            assert "duration_s" not in estimate  # no profile predicts time: no empty column
        assert first["g_per_kwh"] > second["g_per_kwh"]  # Poland's grid, France's
        cheapest = min((first, second), key=lambda estimate: estimate["use_co2e_g"])
        assert model["cheapest"] == cheapest["profile"]


def test_a_single_profile_still_lists_its_one_estimate(tmp_path) -> None:
    report = document(run_check(MODELS[0], "--format", "json", cwd=tmp_path))
    (estimate,) = report["models"][0]["estimates"]
    assert "cheapest" not in report["models"][0] and estimate["energy_j"] == report["models"][0]["energy_j"]


def cheapest_names(tmp_path) -> list[str]:
    return [model["cheapest"] for model in document(compared(tmp_path, "json"))["models"]]


@pytest.mark.parametrize("output_format", sorted(set(CHECK_FORMATS) - {"json"}))
def test_every_format_names_both_profiles_and_the_greenest(output_format: str, tmp_path) -> None:
    result = compared(tmp_path, output_format)
    assert result.returncode in (0, 1), result.stderr
    out = result.stdout
    cheapest = cheapest_names(tmp_path)
    if output_format == "sarif":
        artifacts = json.loads(out)["runs"][0]["artifacts"]
        assert len(artifacts) == 2
        for artifact, name in zip(artifacts, cheapest, strict=True):
            estimates = artifact["properties"]["estimates"]
            assert [e["profile"] for e in estimates] == ["cpu-xeon-2core-tf-ctx", "h100-torch-fp32"]
            assert artifact["properties"]["cheapest"] == name
        return
    for name in ("cpu-xeon-2core-tf-ctx", "h100-torch-fp32"):
        assert name in out
    if output_format == "text":
        assert out.count("on each profile") == 2 and out.count("cheapest") == 2
        assert "POL (" in out and "FRA (" in out
        assert "not predicted" not in out  # the time column that could never be filled is gone
    elif output_format == "markdown":
        assert out.count("**On each profile**") == 2 and "Greenest profile" in out
        assert all(f"`{name}`" in out for name in cheapest)
    elif output_format == "html":
        page = Page(out)
        tables = [t for t in page.tables if t.head and t.head[0] == "Profile"]
        assert len(tables) == 2 and all(len(t.rows) == 2 for t in tables)
        assert sum(row[-1] == "cheapest" for t in tables for row in t.rows) == 2
    elif output_format == "github":
        assert out.count("greenest of 2 profiles") == 2
