"""`energy-lint inspect` run as a user runs it, in a subprocess: bad files get one line each on
stderr and exit 2, good files in the same call are still reported, nothing hangs, memory stays
bounded, a Lambda's code never runs and nothing is written to disk."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.in_process import invoke

pytestmark = pytest.mark.keras

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TIMEOUT_S = 60
# Published parameter counts of keras.applications (keras.io/api/applications).
RESNET50_PARAMS, VGG16_PARAMS = 25_636_712, 138_357_544


def run(
    *args: Any, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """energy-lint inspect ARGS: in this process, or, given an `env`, in a fresh interpreter
    with that environment and a timeout that proves no hang."""
    if env is None:
        return invoke("inspect", *args, cwd=cwd or REPO)
    result = subprocess.run(
        [sys.executable, "-m", "energy_lint", "inspect", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S,
        cwd=cwd or REPO,
        env=env,
    )
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    return result


def cli_env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return {**env, **extra}


def error_lines(result: subprocess.CompletedProcess) -> dict[str, str]:
    """stderr as {path: problem}, checking every line is one `error: PATH: problem`."""
    lines = result.stderr.splitlines()
    assert all(line.startswith("error: ") for line in lines), result.stderr
    # The paths in these tests hold no ": ", and a problem may (an HDF5 error's text does).
    return dict(line[len("error: ") :].split(": ", 1) for line in lines)


def models_by_path(result: subprocess.CompletedProcess) -> dict[str, dict[str, Any]]:
    document = json.loads(result.stdout)
    assert document["version"] == 1
    return {model["path"]: model for model in document["models"]}


@pytest.fixture(scope="module")
def good(tiny_convnets: dict[str, Any]) -> dict[str, Any]:
    """A tiny model saved by Keras 3 and by tf.keras 2 in each of their formats, with the
    parameter count Keras gives (built once per session in conftest.py)."""
    return tiny_convnets


@pytest.fixture(scope="module")
def bad(
    tmp_path_factory: pytest.TempPathFactory, good: dict[str, Any], tiny_mlp: dict[str, Path]
) -> dict[Path, str]:
    """One file per kind of bad input, each with the start of the problem the CLI reports."""
    directory = tmp_path_factory.mktemp("bad")
    real_keras, real_h5 = good["paths"]["keras3.keras"], good["paths"]["keras3.h5"]
    vgg16 = json.loads((EXAMPLES / "vgg16.json").read_text())
    cases: dict[Path, str] = {}

    def add(name: str, data: bytes | str, problem: str) -> None:
        path = directory / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        cases[path] = problem

    def damaged_vgg16(name: str, problem: str, **changes: dict[str, Any]) -> None:
        """vgg16.json with `changes` merged into the config of the layers they name."""
        config = json.loads(json.dumps(vgg16))
        layers = {entry["name"]: entry for entry in config["config"]["layers"]}
        for layer_name, values in changes.items():
            layers[layer_name]["config"].update(values)
        add(name, json.dumps(config), problem)

    add("empty.keras", b"", "file is empty")
    add(
        "truncated.keras",
        real_keras.read_bytes()[: real_keras.stat().st_size // 2],
        "corrupt or truncated .keras",
    )
    add("truncated.h5", real_h5.read_bytes()[: real_h5.stat().st_size // 2], "corrupt or truncated HDF5 file")
    add("random.h5", bytes(range(256)) * 16, "named .h5 but its content is not a format energy-lint reads")
    add("mislabelled.keras", real_h5.read_bytes(), "named .keras but its content is HDF5")
    add("mislabelled.h5", real_keras.read_bytes(), "named .h5 but its content is a .keras zip archive")
    add(
        "package.json",
        '{"name": "web-app", "version": "1.0.0"}',
        "not a Keras model config (no class_name) nor a Hugging Face config.json (no model_type)",
    )
    add("deep.json", "[" * 100_000 + "]" * 100_000, "file is nested too deeply")
    with zipfile.ZipFile(directory / "no-config.keras", "w") as archive:
        archive.writestr("metadata.json", "{}")
    cases[directory / "no-config.keras"] = "zip archive has no config.json"
    _zip_bomb(directory / "bomb.keras")
    cases[directory / "bomb.keras"] = "config.json is larger than 64 MiB"

    cycle = json.loads(json.dumps(vgg16))
    cycle["config"]["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "block1_conv2"
    add("cycle.json", json.dumps(cycle), "the graph has a cycle through 'block1_conv1', 'block1_conv2'")
    dangling = json.loads(json.dumps(vgg16))
    dangling["config"]["layers"][2]["inbound_nodes"][0]["args"][0]["config"]["keras_history"][0] = "ghost"
    add(
        "dangling.json",
        json.dumps(dangling),
        "'block1_conv2' takes input from 'ghost', which is not in the model",
    )
    damaged_vgg16(
        "negative-input.json",
        "input 'input_layer' dimension must be between 1 and 2147483647, got -224",
        input_layer={"batch_shape": [None, -224, 224, 3]},
    )
    damaged_vgg16(
        "absurd-filters.json",
        "layer 'block1_conv1' (Conv2D): config 'filters' must be between 1 and 2147483647, got 1000000000000",
        block1_conv1={"filters": 10**12},
    )
    damaged_vgg16(
        "string-units.json",
        "layer 'fc1' (Dense): config 'units' must be an integer, got 'abc'",
        fc1={"units": "abc"},
    )
    wrong_type = json.loads(json.dumps(vgg16))
    wrong_type["config"]["layers"][1]["inbound_nodes"] = 7
    add("wrong-type.json", json.dumps(wrong_type), "layer 'block1_conv1': inbound_nodes must be a list")

    weights = directory / "mlp.weights.h5"
    weights.write_bytes(tiny_mlp["weights"].read_bytes())
    cases[weights] = "HDF5 file has no model_config attribute"
    (directory / "directory.keras").mkdir()
    cases[directory / "directory.keras"] = "is a directory, not a model file"
    cases[directory / "missing.keras"] = "no such file or directory"
    return cases


def _zip_bomb(path: Path, mebibytes: int = 200) -> None:
    """config.json of 200 MiB of spaces, which deflates to about 200 kB."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("config.json", "w") as out:
        block = b" " * (1 << 20)
        for _ in range(mebibytes):
            out.write(block)


def test_each_bad_file_gets_one_line_and_the_good_files_are_reported(
    good: dict[str, Any], bad: dict[Path, str]
) -> None:
    examples = [EXAMPLES / "resnet50.json", EXAMPLES / "vgg16.json"]
    good_paths = list(good["paths"].values())
    bad_paths = list(bad)
    # Good files between bad ones: a bad file stops neither the files before it nor after it.
    arguments = [*bad_paths[:3], examples[0], *bad_paths[3:9], *good_paths, *bad_paths[9:], examples[1]]
    result = run(*arguments, "--format", "json")

    assert result.returncode == 2
    errors = error_lines(result)
    assert len(result.stderr.splitlines()) == len(bad)
    assert set(errors) == {str(path) for path in bad}
    for path, problem in bad.items():
        assert errors[str(path)].startswith(problem), (path, errors[str(path)])

    document = json.loads(result.stdout)
    assert {error["path"] for error in document["errors"]} == {str(path) for path in bad}
    models = models_by_path(result)
    assert set(models) == {str(path) for path in [*examples, *good_paths]}
    assert models[str(examples[0])]["params"] == RESNET50_PARAMS
    assert models[str(examples[1])]["params"] == VGG16_PARAMS
    for path in good_paths:
        assert models[str(path)]["params"] == good["params"], path
        assert models[str(path)]["unknown_layers"] == 0


def test_text_format_reports_good_files_next_to_bad_ones(good: dict[str, Any], bad: dict[Path, str]) -> None:
    result = run(*bad, EXAMPLES / "vgg16.json", good["paths"]["keras3.keras"])
    assert result.returncode == 2
    assert set(error_lines(result)) == {str(path) for path in bad}
    assert f"{EXAMPLES / 'vgg16.json'}  vgg16 · json" in result.stdout
    assert f"params {VGG16_PARAMS:,}" in result.stdout
    assert f"params {good['params']:,}" in result.stdout


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_exit_0_when_every_input_is_good(good: dict[str, Any], output_format: str) -> None:
    result = run(*good["paths"].values(), EXAMPLES / "resnet50.json", "--format", output_format)
    assert result.returncode == 0
    assert result.stderr == ""
    if output_format == "json":
        assert json.loads(result.stdout)["errors"] == []
        assert len(models_by_path(result)) == len(good["paths"]) + 1


def test_a_directory_is_searched_recursively(
    good: dict[str, Any], tiny_mlp: dict[str, Path], tmp_path: Path
) -> None:
    """Model files at any depth are read; JSON that is no Keras config, weights-only .h5 and
    the folders of other tools are passed over without a word."""
    root = tmp_path / "project"
    expected = []
    for key, relative in [
        ("keras3.keras", "a.keras"),
        ("keras3.h5", "models/b.h5"),
        ("keras2.json", "models/v2/c.json"),
    ]:
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(good["paths"][key].read_bytes())
        expected.append(target)
    (root / "package.json").write_text('{"name": "web-app", "dependencies": {"left-pad": "1.0.0"}}')
    (root / "models" / "tsconfig.json").write_text('{"compilerOptions": {"strict": true}}')
    (root / "models" / "b.weights.h5").write_bytes(tiny_mlp["weights"].read_bytes())
    for skipped in ("node_modules", ".git", "__pycache__"):
        (root / skipped).mkdir()
        (root / skipped / "d.keras").write_bytes(b"not a model")

    result = run(root, "--format", "json")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    models = models_by_path(result)
    assert set(models) == {str(path) for path in expected}
    assert all(model["params"] == good["params"] for model in models.values())

    (root / "models" / "v2" / "broken.keras").write_bytes(b"")
    (root / "models" / "checkpoint.keras").mkdir()
    result = run(root, "--format", "json")
    assert result.returncode == 2
    assert error_lines(result) == {
        str(root / "models" / "checkpoint.keras"): "is a directory, not a model file",
        str(root / "models" / "v2" / "broken.keras"): "file is empty",
    }
    assert set(models_by_path(result)) == {str(path) for path in expected}


def test_named_pipes_do_not_hang(good: dict[str, Any], tmp_path: Path) -> None:
    """Named explicitly or met in a searched directory, a FIFO is refused, not read forever."""
    (tmp_path / "searched").mkdir()
    os.mkfifo(tmp_path / "searched" / "pipe.json")
    os.mkfifo(tmp_path / "pipe.keras")
    result = run(tmp_path / "pipe.keras", tmp_path / "searched", good["paths"]["keras3.json"], env=cli_env())
    assert result.returncode == 2
    problem = "is not a regular file (a pipe or a device?)"
    assert error_lines(result) == {
        str(tmp_path / "pipe.keras"): problem,
        str(tmp_path / "searched" / "pipe.json"): problem,
    }
    assert f"params {good['params']:,}" in result.stdout


MEASURE = """
import json, resource, subprocess, sys, time
started = time.monotonic()
result = subprocess.run(sys.argv[1:], capture_output=True, text=True, timeout=60)
print(json.dumps({"returncode": result.returncode, "stdout": result.stdout, "stderr": result.stderr,
                  "seconds": time.monotonic() - started,
                  "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
"""


def run_measured(*args: Any) -> dict[str, Any]:
    """Like run(), through a parent of its own, whose only child is the CLI: the peak memory
    (ru_maxrss of RUSAGE_CHILDREN) is the CLI's, not that of some earlier test's subprocess."""
    command = [sys.executable, "-m", "energy_lint", "inspect", *map(str, args)]
    wrapper = subprocess.run(
        [sys.executable, "-c", MEASURE, *command],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_S + 10,
        cwd=REPO,
        env=cli_env(),
    )
    assert wrapper.returncode == 0, wrapper.stderr
    measured = json.loads(wrapper.stdout)
    assert "Traceback" not in measured["stdout"] + measured["stderr"]
    return measured


def test_zip_bomb_fails_fast_in_bounded_memory(tmp_path: Path) -> None:
    """200 MiB of config.json in 200 kB: refused in well under the time and memory it would
    take to inflate. The same bomb declaring a size of 1000 bytes is cut there by zipfile;
    read in one 64 MiB gulp it used to cost ~150 MB all the same."""
    bomb = tmp_path / "bomb.keras"
    _zip_bomb(bomb)
    assert bomb.stat().st_size < 1 << 20
    liar = tmp_path / "liar.keras"
    data = bytearray(bomb.read_bytes())
    data[22:26] = struct.pack("<I", 1000)  # uncompressed size, local header
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = struct.pack("<I", 1000)  # ... and central directory
    liar.write_bytes(bytes(data))
    baseline = run_measured(EXAMPLES / "vgg16.json")
    assert baseline["returncode"] == 0

    for path, problem in [
        (bomb, "config.json is larger than 64 MiB"),
        (liar, "corrupt or truncated .keras archive (Bad CRC-32 for file 'config.json')"),
    ]:
        measured = run_measured(path, "--format", "json")
        assert measured["returncode"] == 2
        assert measured["stderr"] == f"error: {path}: {problem}\n"
        assert measured["seconds"] < 10
        assert measured["max_rss_kib"] < 100 * 1024, measured["max_rss_kib"]
        assert measured["max_rss_kib"] < baseline["max_rss_kib"] + 40 * 1024


# -- a Lambda's code never runs ------------------------------------------------------------------


@pytest.fixture(scope="module")
def lambdas(tiny_lambdas: dict[str, Any]) -> dict[str, Any]:
    """Models whose Lambda would create a marker file if its code ever ran (conftest.py)."""
    return tiny_lambdas


def raw_config(path: Path) -> Any:
    from energy_lint.graph.files import read_raw_model

    return read_raw_model(path).config


def test_lambda_code_is_never_run(lambdas: dict[str, Any]) -> None:
    result = run(*lambdas["paths"].values(), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert not lambdas["marker"].exists()
    models = models_by_path(result)
    assert set(models) == {str(path) for path in lambdas["paths"].values()}
    for key, path in lambdas["paths"].items():
        model = models[str(path)]
        layers = {layer["name"]: layer for layer in model["layers"]}
        assert layers["side_effect"]["type"] == "Lambda"
        assert layers["side_effect"]["known"] is False
        assert layers["before"]["known"] is True
        assert layers["before"]["output_shape"] == [1, 4]
        assert model["unknown_layers"] >= 1
        if key.startswith("keras3"):
            # Keras 3 records every edge's shape: the Lambda's output and what follows it are known.
            assert layers["side_effect"]["output_shape"] == [1, 4]
            assert layers["after"]["known"] is True
            assert layers["after"]["output_shape"] == [1, 2]
            assert model["params"] == lambdas["params"]
        else:
            # tf.keras 2 records no edge shapes: past the Lambda nothing is guessed. Its .json
            # records each layer's build_config, which gives the Dense its input; its .h5 does
            # not, but stores the weights, which give the Dense its params.
            assert layers["side_effect"]["output_shape"] is None
            assert model["params"] == lambdas["params"]
            if key.endswith(".json"):
                assert "build_config" in json.dumps(raw_config(path))
                assert layers["after"]["output_shape"] == [1, 2]
                assert (
                    layers["after"]["note"]
                    == "input shape read from the file: upstream 'side_effect' is unknown"
                )
            else:
                assert "build_config" not in json.dumps(raw_config(path))
                assert layers["after"]["output_shape"] is None
                assert layers["after"]["known"] is False
                assert layers["after"]["params"] == 2 * 4 + 2


def test_lambda_is_reported_in_text(lambdas: dict[str, Any]) -> None:
    result = run(lambdas["paths"]["keras3.keras"])
    assert result.returncode == 0
    assert "Lambda (unknown)" in result.stdout
    assert "1 layer(s) without a rule, not counted: side_effect (Lambda)" in result.stdout
    assert not lambdas["marker"].exists()


# -- nothing is written ----------------------------------------------------------------------------


def _snapshot(directory: Path) -> dict[str, tuple[int, int]]:
    return {
        str(path.relative_to(directory)): (path.lstat().st_mtime_ns, path.lstat().st_size)
        for path in sorted(directory.rglob("*"))
    }


@pytest.mark.parametrize("output_format", ["text", "json"])
def test_nothing_is_written_to_disk(
    good: dict[str, Any], lambdas: dict[str, Any], tmp_path: Path, output_format: str
) -> None:
    """Not in the working directory, HOME or TMPDIR, and not next to the inputs: good files of
    every format, a Lambda and bad files are read in a sandbox of empty directories."""
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    for source in [*good["paths"].values(), *lambdas["paths"].values(), EXAMPLES / "mobilenet.json"]:
        (inputs / source.name).write_bytes(source.read_bytes())
    (inputs / "truncated.h5").write_bytes(good["paths"]["keras3.h5"].read_bytes()[:2000])
    (inputs / "empty.keras").write_bytes(b"")
    _zip_bomb(inputs / "bomb.keras", mebibytes=80)
    sandbox = {name: tmp_path / name for name in ("cwd", "home", "tmp")}
    for directory in sandbox.values():
        directory.mkdir()
    before = _snapshot(inputs)
    env = {key: value for key, value in cli_env().items() if not key.startswith("XDG_")}
    env.update(HOME=str(sandbox["home"]), TMPDIR=str(sandbox["tmp"]), PYTHONDONTWRITEBYTECODE="1")

    result = run(inputs, "--format", output_format, cwd=sandbox["cwd"], env=env)

    assert result.returncode == 2
    assert set(error_lines(result)) == {
        str(inputs / name) for name in ("truncated.h5", "empty.keras", "bomb.keras")
    }
    if output_format == "json":
        assert len(models_by_path(result)) == len(good["paths"]) + len(lambdas["paths"]) + 1
    for name, directory in sandbox.items():
        assert list(directory.iterdir()) == [], name
    assert _snapshot(inputs) == before
    assert not lambdas["marker"].exists()


# -- names from the file are printed, not interpreted ------------------------------------------------


def test_markup_in_names_is_printed_as_text(tmp_path: Path) -> None:
    """The text report is drawn with rich: a layer named "[/x]" used to be taken for markup
    and end the run in a MarkupError traceback."""
    config = json.loads((EXAMPLES / "vgg16.json").read_text())
    first = config["config"]["layers"][1]
    first["class_name"] = first["registered_name"] = "[/custom]"
    first["module"] = "my_project.layers"
    config["config"]["name"] = "[bold]vgg16[/bold]"
    (tmp_path / "[red]markup.json").write_text(json.dumps(config))
    result = run("[red]markup.json", cwd=tmp_path)  # a short title, which the table does not wrap
    assert result.returncode == 0, result.stderr
    assert "[red]markup.json  [bold]vgg16[/bold] · json" in result.stdout
    assert "[/custom] (unknown)" in result.stdout
