"""--diff-base with an .onnx model: the blob at the ref is read from memory and priced."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.check_cli import document, run_check
from tests.graph.onnx.builders import conv_model
from tests.integrations.git_repo import commit_all, new_repo

pytestmark = pytest.mark.slow


def test_diff_base_prices_the_onnx_model_at_the_ref(tmp_path: Path) -> None:
    repo = new_repo(tmp_path / "repo")
    (repo / "models").mkdir()
    conv_model(repo / "models" / "net.onnx", dims=(1, 3, 32, 32))
    commit_all(repo, "8 filters")
    conv_model(repo / "models" / "net.onnx", dims=(1, 3, 32, 32), filters=32)
    commit_all(repo, "32 filters")
    done = run_check("models", "--diff-base", "HEAD~1", "--format", "json", cwd=repo)
    (model,) = document(done)["models"]
    assert done.returncode in (0, 1), done.stderr
    assert model["macs"] == 32 * 32 * 32 * 27
    assert model["base"]["source"] == "HEAD~1"
    assert model["base"]["energy_j"] > 0 and model["base"]["change"] > 0
