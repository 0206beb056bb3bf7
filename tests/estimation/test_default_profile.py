"""Which bundled profile `check` uses when none is configured: the one measured on the runtime
of the models' format where every model shares it, else the first preferred one."""

from __future__ import annotations

from pathlib import Path

import pytest

from energy_lint.estimation import profile as profiles


@pytest.fixture
def bundled(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A bundled folder holding an onnxruntime profile and the TensorFlow one; no user ones."""
    root = tmp_path / "bundled"
    for name in ("cpu-epyc-2core-ort", "cpu-xeon-2core-tf-ctx", "h100-torch-fp32"):
        (root / name).mkdir(parents=True)
        (root / name / "profile.json").write_text("{}")
    monkeypatch.setattr(profiles, "BUNDLED", root)
    monkeypatch.setenv("ENERGY_LINT_PROFILES", str(tmp_path / "none"))
    return root


@pytest.mark.parametrize(
    ("formats", "expected"),
    [({"onnx"}, "cpu-epyc-2core-ort"), ({"keras"}, "cpu-xeon-2core-tf-ctx"),
     ({"onnx", "keras"}, "cpu-xeon-2core-tf-ctx"), (set(), "cpu-xeon-2core-tf-ctx")],
)  # fmt: skip
def test_the_default_follows_the_format_every_model_shares(
    bundled: Path, formats: set, expected: str
) -> None:
    assert profiles.default_profile(formats) == bundled / expected


def test_without_a_profile_of_its_format_an_onnx_run_takes_the_first_preferred(bundled: Path) -> None:
    (bundled / "cpu-epyc-2core-ort" / "profile.json").unlink()
    assert profiles.default_profile({"onnx"}) == bundled / "cpu-xeon-2core-tf-ctx"
