"""The hook of .pre-commit-hooks.yaml, run by the real pre-commit (`try-repo`) on a temporary
git repository: pre-commit installs energy-lint into its own light environment, passes it the
staged model files, and reports the hook's result. The hook repository is this working tree as
it is (committed or not), copied into a repository of its own: try-repo would leave out files
that are not yet committed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integrations.git_repo import GIT_ENV, REPO, commit_all, copy_example, git, new_repo
from tests.tiny_models import keras3, save

pytestmark = [pytest.mark.keras, pytest.mark.slow]

CONFIG = '[budgets]\nforward-pass = "600 mJ"\n'


def test_the_hook_is_declared_for_model_files_with_the_light_install() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "energy-lint" and hook["language"] == "python"
    assert hook["entry"].startswith("energy-lint check") and hook["require_serial"] is True
    import re

    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    assert all(files.search(name) for name in ("m.keras", "a/m.h5", "m.json", "m.onnx"))
    assert not files.search("train.py") and exclude.search("m.weights.h5")


HOOK_REPO_FILES = (".pre-commit-hooks.yaml", "pyproject.toml", "README.md", "LICENSE", "energy_lint")


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    repo = new_repo(tmp_path_factory.mktemp("hook") / "energy-lint")
    for name in HOOK_REPO_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(source, repo / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(source, repo / name)
    commit_all(repo, "energy-lint as it is in the working tree")
    return repo


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A repository with one model over the budget (ResNet50), one within it (a real .keras
    file written by Keras) and one JSON file that is no model."""
    repo = new_repo(tmp_path_factory.mktemp("hooked") / "project")
    (repo / "energy-lint.toml").write_text(CONFIG)
    copy_example("resnet50.json", repo / "models" / "resnet50.json")
    k = keras3()
    small = k.applications.MobileNetV3Small(weights=None, input_shape=(224, 224, 3))
    save(small, repo / "models", "mobilenet_v3_small", ("keras",))
    (repo / "package.json").write_text('{"name": "not-a-model", "version": "1.0.0"}\n')
    git(repo, "add", "--all")
    return repo


def try_repo(hook_repo: Path, repo: Path, *files: str) -> subprocess.CompletedProcess:
    home = repo.parent / "pre-commit-home"  # pre-commit's cache: the hook's environment, kept per module
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    command = [
        sys.executable,
        "-m",
        "pre_commit",
        "try-repo",
        str(hook_repo),
        "energy-lint",
        "--files",
        *files,
    ]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, timeout=600, env=env)


def test_pre_commit_fails_on_the_model_over_budget_and_skips_the_non_model_json(
    hook_repo: Path, project: Path
) -> None:
    done = try_repo(
        hook_repo, project, "models/resnet50.json", "models/mobilenet_v3_small.keras", "package.json"
    )
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "energy-lint" in output and "Failed" in output and "- exit code: 1" in output
    assert "EL101" in output and "models/resnet50.json" in output
    assert "package.json" not in output.split("- exit code: 1", 1)[1]  # skipped, not an error
    assert "error:" not in output and "Traceback" not in output


def test_pre_commit_passes_models_within_budget(hook_repo: Path, project: Path) -> None:
    done = try_repo(hook_repo, project, "models/mobilenet_v3_small.keras", "package.json")
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Passed" in output and "Failed" not in output


def test_installed_from_a_config_the_hook_environment_is_the_light_install(
    hook_repo: Path, project: Path
) -> None:
    """The way users install it: .pre-commit-config.yaml naming the repository and a rev."""
    rev = git(hook_repo, "rev-parse", "HEAD").strip()
    config = {"repos": [{"repo": str(hook_repo), "rev": rev, "hooks": [{"id": "energy-lint"}]}]}
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    home = project.parent / "pre-commit-home-installed"
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "NO_COLOR": "1"}
    command = [sys.executable, "-m", "pre_commit", "run", "--files", "models/mobilenet_v3_small.keras"]
    done = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0 and "Passed" in done.stdout, done.stdout + done.stderr
    installed = {p.name.split("-")[0].lower() for p in home.rglob("site-packages/*.dist-info")}
    assert {"energy_lint", "click", "rich", "numpy", "h5py"} <= installed
    assert not installed & {"tensorflow", "keras", "scikit_learn", "xgboost", "catboost", "codecarbon"}
