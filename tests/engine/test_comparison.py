"""--diff-base and --baseline through the real CLI: a temporary git repository with two commits,
model files in every format at the base, and saved JSON reports."""

from __future__ import annotations

import json
import math
import re
import shutil
from pathlib import Path

import jsonschema
import pytest

from tests.check_cli import EXAMPLES, document, run_check
from tests.integrations.git_repo import commit_all, copy_example, new_repo
from tests.tiny_models import keras3, save

pytestmark = [pytest.mark.keras, pytest.mark.slow]

CONFIG = '[budgets]\nregression = "+5%"\n'
SCHEMA = json.loads((Path(__file__).parents[1] / "schemas" / "check-v1.schema.json").read_text())


def energy(path: Path, cwd: Path) -> float:
    return document(run_check(path, "--format", "json", cwd=cwd))["models"][0]["energy_j"]


@pytest.fixture(scope="module")
def history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Commit 1: edge.json (MobileNetV3Small), vgg16.json, and a Keras MLP as .keras and .h5.
    Commit 2: edge.json becomes MobileNetV2, the MLP gets a wider hidden layer, ResNet50 is new."""
    repo = new_repo(tmp_path_factory.mktemp("history") / "repo")
    (repo / "energy-lint.toml").write_text(CONFIG)
    copy_example("mobilenet_v3_small.json", repo / "models" / "edge.json")
    copy_example("vgg16.json", repo / "models" / "vgg16.json")
    k = keras3()
    narrow = k.Sequential([k.Input((256,)), k.layers.Dense(64), k.layers.Dense(10)], name="mlp")
    save(narrow, repo / "models", "mlp", ("keras", "h5"))
    old = repo.parent / "old"
    shutil.copytree(repo / "models", old)  # the files as they were, to check directly
    commit_all(repo, "first models")
    copy_example("mobilenet_v2.json", repo / "models" / "edge.json")
    copy_example("resnet50.json", repo / "models" / "resnet50.json")
    wide = k.Sequential([k.Input((256,)), k.layers.Dense(1024), k.layers.Dense(10)], name="mlp")
    save(wide, repo / "models", "mlp", ("keras", "h5"))
    commit_all(repo, "bigger models")
    return repo


def by_name(data: dict) -> dict[str, dict]:
    return {Path(model["path"]).name: model for model in data["models"]}


def test_diff_base_prices_each_model_at_the_ref_and_flags_the_regression(history: Path) -> None:
    done = run_check("models", "--diff-base", "HEAD~1", "--format", "json", cwd=history)
    jsonschema.validate(document(done), SCHEMA)
    models = by_name(document(done))
    assert done.returncode == 1, done.stderr
    edge = models["edge.json"]
    assert edge["base"]["source"] == "HEAD~1"
    assert edge["base"]["change"] == pytest.approx(edge["energy_j"] / edge["base"]["energy_j"] - 1)
    assert edge["base"]["change"] > 0.05
    assert [v["code"] for v in edge["violations"] if v["code"] == "EL104"] == ["EL104"]
    assert models["vgg16.json"]["base"]["change"] == 0.0
    assert models["resnet50.json"]["base"] == {"source": "HEAD~1", "energy_j": None, "change": None}
    for name in ("vgg16.json", "resnet50.json"):
        assert not [v for v in models[name]["violations"] if v["code"] == "EL104"]


@pytest.mark.parametrize("name", ["edge.json", "mlp.keras", "mlp.h5"])
def test_the_base_estimate_equals_checking_the_old_file(history: Path, name: str) -> None:
    """The blob at the ref is read from memory (zip, HDF5 or JSON) and priced exactly as the
    file itself would be."""
    done = run_check(f"models/{name}", "--diff-base", "HEAD~1", "--format", "json", cwd=history)
    base = document(done)["models"][0]["base"]
    assert base["energy_j"] == pytest.approx(energy(history.parent / "old" / name, history), rel=1e-12)
    assert base["change"] > 0  # a wider hidden layer, a bigger network


def test_text_report_names_the_change_and_the_base(history: Path) -> None:
    done = run_check("models", "--diff-base", "HEAD~1", cwd=history)
    change, model = {}, None
    for line in done.stdout.splitlines():  # a model's line may wrap; its change line follows
        model = line.split()[0] if line.startswith("models/") else model
        if line.startswith("  change: "):
            change[model] = line
    assert re.match(r"  change: \+\d+\.\d% against HEAD~1 \(\d+", change["models/edge.json"])
    assert change["models/resnet50.json"] == "  change: new (not in HEAD~1)"
    assert change["models/vgg16.json"].startswith("  change: unchanged against HEAD~1")


def test_unknown_ref_and_no_repository_are_one_line_errors(history: Path, tmp_path: Path) -> None:
    unknown = run_check("models", "--diff-base", "no-such-branch", cwd=history)
    assert unknown.returncode == 2 and unknown.stderr.strip().count("\n") == 0
    assert "no-such-branch" in unknown.stderr and unknown.stderr.startswith("error:")
    shutil.copyfile(EXAMPLES / "vgg16.json", tmp_path / "vgg16.json")
    outside = run_check("vgg16.json", "--diff-base", "HEAD", cwd=tmp_path)
    assert outside.returncode == 2 and "not inside a git repository" in outside.stderr


def test_a_git_lfs_pointer_at_the_base_is_reported_and_the_model_still_checked(tmp_path: Path) -> None:
    """The base blob is an LFS pointer (the repository stores the model in Git LFS): without
    git-lfs to fetch it, that model's comparison is an input error; it and the others are
    still checked."""
    repo = new_repo(tmp_path / "lfs")
    pointer = "version https://git-lfs.github.com/spec/v1\noid sha256:" + "0" * 64 + "\nsize 1234\n"
    (repo / "mlp.keras").write_text(pointer)
    commit_all(repo, "a model stored in Git LFS")
    k = keras3()
    save(k.Sequential([k.Input((8,)), k.layers.Dense(4)], name="mlp"), repo, "mlp", ("keras",))
    copy_example("vgg16.json", repo / "vgg16.json")
    done = run_check("mlp.keras", "vgg16.json", "--diff-base", "HEAD", "--format", "json", cwd=repo)
    assert done.returncode == 2
    (line,) = done.stderr.strip().splitlines()
    assert line.startswith("error: mlp.keras: base:") and "LFS" in line
    assert [Path(m["path"]).name for m in document(done)["models"]] == ["mlp.keras", "vgg16.json"]


def test_baseline_report_keyed_by_path(tmp_path: Path) -> None:
    copy_example("mobilenet_v3_small.json", tmp_path / "models" / "edge.json")
    (tmp_path / "energy-lint.toml").write_text(CONFIG)
    saved = run_check("models/edge.json", "--format", "json", "--output", "before.json", cwd=tmp_path)
    assert saved.returncode == 0 and saved.stdout == ""
    copy_example("mobilenet_v2.json", tmp_path / "models" / "edge.json")
    done = run_check("./models/edge.json", "--baseline", "before.json", "--format", "json", cwd=tmp_path)
    model = document(done)["models"][0]
    before = json.loads((tmp_path / "before.json").read_text())["models"][0]["energy_j"]
    assert model["base"] == {
        "source": "before.json",
        "energy_j": before,
        "change": pytest.approx(model["energy_j"] / before - 1),
    }
    assert done.returncode == 1 and "EL104" in {v["code"] for v in model["violations"]}


@pytest.mark.parametrize(
    "content, problem",
    [("not json", "not valid JSON"), ('{"version": 1}', "not a report"), (None, "cannot be read")],
)
def test_a_bad_baseline_is_a_one_line_error(tmp_path: Path, content: str | None, problem: str) -> None:
    if content is not None:
        (tmp_path / "base.json").write_text(content)
    done = run_check(EXAMPLES / "vgg16.json", "--baseline", "base.json", cwd=tmp_path)
    assert done.returncode == 2 and problem in done.stderr and done.stderr.count("\n") == 1


def test_diff_base_and_baseline_together_are_refused(history: Path) -> None:
    done = run_check("models", "--diff-base", "HEAD~1", "--baseline", "x.json", cwd=history)
    assert done.returncode == 2 and "not both" in done.stderr


@pytest.fixture(scope="module")
def accuracy_history(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Commit 1: net.json is MobileNetV3Small at 0.674 accuracy, vgg.json VGG16 at 0.713.
    Commit 2: net.json becomes ResNet50 at 0.681 (many times the energy for 0.7 points), vgg.json
    becomes MobileNetV2 at 0.718 (less energy, more accuracy). Sidecars travel with the models."""
    repo = new_repo(tmp_path_factory.mktemp("accuracy") / "repo")
    (repo / "energy-lint.toml").write_text("inferences = 1000\n")
    models = repo / "models"
    copy_example("mobilenet_v3_small.json", models / "net.json")
    (models / "net.metrics.json").write_text('{"accuracy": 0.674}')
    copy_example("vgg16.json", models / "vgg.json")
    (models / "vgg.metrics.json").write_text('{"accuracy": 0.713}')
    commit_all(repo, "first models")
    copy_example("resnet50.json", models / "net.json")
    (models / "net.metrics.json").write_text('{"accuracy": 0.681}')
    copy_example("mobilenet_v2.json", models / "vgg.json")
    (models / "vgg.metrics.json").write_text('{"accuracy": 0.718}')
    commit_all(repo, "swap models")
    return repo


def test_el106_reads_the_sidecar_at_the_ref_and_fails_only_the_change_that_does_not_pay(
    accuracy_history: Path,
) -> None:
    done = run_check("models", "--diff-base", "HEAD~1", "--format", "json", cwd=accuracy_history)
    assert done.returncode == 1, done.stderr
    models = by_name(document(done))
    net, vgg = models["net.json"], models["vgg.json"]
    assert net["quality"]["value"] == 0.681 and net["quality"]["base_value"] == 0.674
    assert net["quality"]["source"].endswith("net.metrics.json")
    assert [v["code"] for v in net["violations"] if v["code"] == "EL106"] == ["EL106"]
    (el106,) = [v["message"] for v in net["violations"] if v["code"] == "EL106"]
    assert " needs " in el106 and "(0.674 at HEAD~1 -> 0.681)" in el106
    assert not [v for v in vgg["violations"] if v["code"] == "EL106"]
    expected = 100 * 0.681 - 5 * math.log10(net["quality"]["use_energy_j"] / 3.6e6)
    assert net["quality"]["score"] == pytest.approx(expected)
    jsonschema.validate(document(done), SCHEMA)


def test_a_baseline_report_carries_quality_for_the_next_comparison(
    accuracy_history: Path, tmp_path: Path
) -> None:
    saved = run_check("models", "--format", "json", "--exit-zero", cwd=accuracy_history)
    report = document(saved)
    for model in report["models"]:
        model["quality"]["use_energy_j"] /= 1000  # as if both had cost a thousandth
    (tmp_path / "base.json").write_text(json.dumps(report))
    done = run_check(
        "models", "--baseline", str(tmp_path / "base.json"), "--format", "json", cwd=accuracy_history
    )
    found = {name: {v["code"] for v in m["violations"]} for name, m in by_name(document(done)).items()}
    assert "EL106" in found["net.json"] and "EL106" in found["vgg.json"]  # 3 decades, 0 points bought
