"""action.yml run as GitHub runs a composite action: each step's `run` through
`bash --noprofile --norc -eo pipefail`, with the env the step declares (its ${{ }} expressions
filled in from the inputs and the pull request), GITHUB_ACTION_PATH, GITHUB_STEP_SUMMARY,
GITHUB_OUTPUT and RUNNER_TEMP, in a checkout of a pull request made the way actions/checkout
makes it: one commit deep, without the base branch."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integrations.git_repo import GIT_ENV, REPO, commit_all, copy_example, git, new_repo

pytestmark = pytest.mark.slow

ACTION = yaml.safe_load((REPO / "action.yml").read_text())
EXPRESSION = re.compile(r"\$\{\{\s*([\w.-]+)\s*\}\}")
CONFIG = """
[budgets]
regression = "+5%"
[[overrides]]
paths = ["models/resnet50.json"]
reason = "a budget only ResNet50 exceeds, whatever the profile predicts"
budgets = { forward-pass = "1 mJ" }
"""


def render(value: str, context: dict[str, str]) -> str:
    def lookup(match: re.Match) -> str:
        assert match.group(1) in context, f"the test does not know the expression {match.group(0)}"
        return context[match.group(1)]

    return EXPRESSION.sub(lookup, str(value))


def run_action(workspace: Path, runner: Path, inputs: dict[str, str], base_ref: str) -> dict[str, Any]:
    """Every step in order, as the runner would; stops at the first that fails, like GitHub."""
    context = {f"inputs.{name}": str(spec.get("default", "")) for name, spec in ACTION["inputs"].items()}
    context.update({f"inputs.{name}": value for name, value in inputs.items()})
    context["github.base_ref"] = base_ref
    summary, output = runner / "summary.md", runner / "output"
    summary.write_text("## An earlier step's summary\n")
    output.touch()
    env = {
        **os.environ,
        **GIT_ENV,
        "GITHUB_ACTIONS": "true",
        "GITHUB_ACTION_PATH": str(REPO),
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_BASE_REF": base_ref,
        "RUNNER_TEMP": str(runner),
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    }
    env.pop("VIRTUAL_ENV", None)
    logs = []
    for index, step in enumerate(ACTION["runs"]["steps"]):
        assert step["shell"] == "bash"
        script = runner / f"step{index}.sh"
        script.write_text(step["run"])
        step_env = {**env, **{key: render(value, context) for key, value in step.get("env", {}).items()}}
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=step_env,
            capture_output=True,
            text=True,
            timeout=900,
        )
        logs.append(done)
        if done.returncode != 0:
            break
    return {"steps": logs, "summary": summary.read_text(), "output": output.read_text()}


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """origin has main (a small MobileNetV3 and VGG16) and a pull-request branch that swaps the
    small model for MobileNetV2 (five times the MACs) at the same path, leaves VGG16 as it is
    and adds ResNet50. The checkout holds the branch's one commit only."""
    root = tmp_path_factory.mktemp("action")
    author = new_repo(root / "author")
    (author / "energy-lint.toml").write_text(CONFIG)
    copy_example("mobilenet_v3_small.json", author / "models" / "edge.json")
    copy_example("vgg16.json", author / "models" / "vgg16.json")
    commit_all(author, "main")
    git(root, "clone", "--quiet", "--bare", str(author), "origin.git")
    git(author, "checkout", "--quiet", "-b", "bigger-edge")
    copy_example("mobilenet_v2.json", author / "models" / "edge.json")
    copy_example("resnet50.json", author / "models" / "resnet50.json")
    commit_all(author, "a bigger edge model and ResNet50")
    git(author, "push", "--quiet", str(root / "origin.git"), "bigger-edge")
    origin = (root / "origin.git").as_uri()
    git(root, "clone", "--quiet", "--depth", "1", "--branch", "bigger-edge", origin, "checkout")
    return root


def annotations(stdout: str) -> list[dict[str, str]]:
    found = []
    for line in stdout.splitlines():
        match = re.match(r"^::(error|warning|notice)( [^:]*)?::(.*)$", line)
        if match:
            properties = dict(p.split("=", 1) for p in (match.group(2) or "").strip().split(",") if p)
            found.append({"level": match.group(1), **properties, "message": match.group(3)})
    return found


def test_the_action_annotates_the_regression_and_summarises_the_pull_request(pull_request: Path) -> None:
    runner = pull_request / "runner"
    runner.mkdir()
    sarif = runner / "energy-lint.sarif"
    result = run_action(
        pull_request / "checkout", runner, {"paths": "models", "sarif": str(sarif)}, base_ref="main"
    )
    install, check = result["steps"]
    assert install.returncode == 0, install.stderr
    assert check.returncode == 1, check.stdout + check.stderr
    found = annotations(check.stdout)
    regressions = [a for a in found if a.get("title", "").startswith("EL104")]
    assert [a["file"] for a in regressions] == ["models/edge.json"]
    assert regressions[0]["level"] == "error" and "origin/main" in regressions[0]["message"]
    budget = [a for a in found if a.get("title", "").startswith("EL101")]
    assert [a["file"] for a in budget] == ["models/resnet50.json"]
    summary = result["summary"]
    assert summary.startswith("## An earlier step's summary\n")  # appended, not overwritten
    table = [line for line in summary.splitlines() if line.startswith("| `models/")]
    rows = {line.split("|")[1].strip(" `"): line for line in table}
    assert "new" in rows["models/resnet50.json"]
    assert "unchanged" in rows["models/vgg16.json"]
    assert re.search(r"\+\d+\.\d%", rows["models/edge.json"])
    assert sarif.is_file() and f"sarif={sarif}" in result["output"]


def test_the_action_passes_when_nothing_is_over_budget(pull_request: Path) -> None:
    runner = pull_request / "runner-clean"
    runner.mkdir()
    inputs = {"paths": "models/vgg16.json", "diff-base": "none", "config": str(pull_request / "none.toml")}
    (pull_request / "none.toml").write_text("")
    result = run_action(pull_request / "checkout", runner, inputs, base_ref="main")
    check = result["steps"][-1]
    assert len(result["steps"]) == 2 and check.returncode == 0, check.stdout + check.stderr
    assert not [a for a in annotations(check.stdout) if a["level"] == "error"]
    assert "models/vgg16.json" in result["summary"]
