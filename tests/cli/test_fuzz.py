"""A bounded fuzz test: real small models saved by Keras 3 in each format (.keras zip, .h5,
.json), damaged by the seeded mutator of tests/mutations.py, go through `inspect` and `check`
with an undamaged model after them. Whatever the damage: no traceback, an exit code in {0, 1,
2}, stdout one strict JSON document, the damaged file a model or an error and the good file
after it reported. Hypothesis picks the seeds, derandomized: the same examples on every run.
benchmarks/fuzz.py runs the same mutator at scale, with hang and memory limits."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from energy_lint.cli.app import cli
from tests import mutations, tiny_models, tiny_onnx

pytestmark = pytest.mark.keras

EXAMPLES = 30
SEEDED = settings(
    max_examples=EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
"""The same examples on every run, as many for every format."""


@pytest.fixture(scope="module")
def bases(tmp_path_factory: pytest.TempPathFactory) -> list[mutations.Base]:
    directory = tmp_path_factory.mktemp("bases")
    keras = tiny_models.keras3()
    paths = [
        *tiny_models.save(tiny_models.mlp(keras), directory, "mlp", tiny_models.KERAS3_FORMATS).values(),
        *tiny_models.save(tiny_models.zoo(keras), directory, "zoo", tiny_models.KERAS3_FORMATS).values(),
    ]
    return [mutations.load_base(path) for path in paths]


def _strict(constant: str) -> Any:
    raise ValueError(f"{constant} is not JSON")


def run(command: str, directory: Path, mutant: Path, good: Path) -> dict[str, Any]:
    """One run in-process; checks what holds for any input and returns the JSON document."""
    args = [command, "--format", "json", str(mutant), str(good)]
    if command == "check":
        args[1:1] = ["--config", str(directory / "energy-lint.toml")]  # no repository budgets
    result = CliRunner().invoke(cli, args)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    assert "Traceback" not in result.stderr
    assert result.exit_code in (0, 1, 2), result.stderr
    errors = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in errors), result.stderr  # no stray warning
    document = json.loads(result.stdout, parse_constant=_strict)
    models = {model["path"] for model in document["models"]}
    listed = {error["path"] for error in document["errors"]}
    assert str(mutant) in models | listed
    assert str(good) in models
    assert listed == {line.removeprefix("error: ").split(": ")[0] for line in errors} - {str(good)}
    assert (result.exit_code == 2) == bool(listed)
    return document


@SEEDED
@given(choice=st.integers(min_value=0, max_value=10**6))
def test_damaged_files_never_end_the_run(bases: list[mutations.Base], choice: int) -> None:
    base = bases[choice % len(bases)]
    directory = Path(tempfile.mkdtemp(prefix="energy-lint-fuzz-"))
    try:
        (directory / "energy-lint.toml").write_text("")
        mutant, good = directory / f"mutant.{base.format}", directory / "zz-good.json"
        mutations.mutant(base, choice, mutant)
        good.write_bytes(next(b.data for b in bases if b.name == "mlp.json"))
        inspected = run("inspect", directory, mutant, good)
        checked = run("check", directory, mutant, good)
        # check prices what inspect reads: a model inspect reads may still fail its pricing
        inspected_models = {m["path"] for m in inspected["models"]}
        assert {m["path"] for m in checked["models"]} <= inspected_models
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def test_the_mutator_reaches_both_outcomes(bases: list[mutations.Base], tmp_path: Path) -> None:
    """The fuzz test means something only if its damage gets past the reader sometimes and is
    refused other times: count both over the first seeds."""
    outcomes = set()
    good = tmp_path / "zz-good.json"
    good.write_bytes(
        bases[0].data if bases[0].format == "json" else next(b.data for b in bases if b.format == "json")
    )
    (tmp_path / "energy-lint.toml").write_text("")
    for seed in range(12):
        base = bases[seed % len(bases)]
        mutant = tmp_path / f"m{seed}.{base.format}"
        mutations.mutant(base, seed, mutant)
        document = run("inspect", tmp_path, mutant, good)
        outcomes.add(str(mutant) in {m["path"] for m in document["models"]})
    assert outcomes == {True, False}


@pytest.fixture(scope="module")
def onnx_bases(tmp_path_factory: pytest.TempPathFactory) -> list[mutations.Base]:
    """Small torch models as torch.onnx.export writes them (tests/tiny_onnx.py): an MLP, and a
    convolution net with a batch norm and a grouped convolution, with a dynamic batch."""
    pytest.importorskip("torch")
    pytest.importorskip("onnx")
    directory = tmp_path_factory.mktemp("onnx-bases")
    paths = tiny_onnx.export(directory, ("mlp", "convnet"), fixed=False)
    return [mutations.load_base(path) for path in paths]


@SEEDED
@given(choice=st.integers(min_value=0, max_value=10**6))
def test_damaged_onnx_files_never_end_the_run(onnx_bases: list[mutations.Base], choice: int) -> None:
    """The same contract for ONNX graphs damaged through the onnx package (an op retyped, a
    hostile dimension or attribute, nodes out of order...) or in their bytes."""
    base = onnx_bases[choice % len(onnx_bases)]
    directory = Path(tempfile.mkdtemp(prefix="energy-lint-fuzz-"))
    try:
        (directory / "energy-lint.toml").write_text("")
        mutant, good = directory / "mutant.onnx", directory / "zz-good.onnx"
        mutations.mutant(base, choice, mutant)
        good.write_bytes(onnx_bases[0].data)
        run("inspect", directory, mutant, good)
        run("check", directory, mutant, good)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
