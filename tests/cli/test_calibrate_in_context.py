"""`calibrate --in-context`: which reference models run at which batch sizes, interleaved with
the sampled ones, and a missing model path is one line and exit 2."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from energy_lint.cli.app import cli
from energy_lint.cli.calibrate_in_context import plan

EXAMPLES = Path(__file__).parents[2] / "examples"


def test_references_run_at_the_larger_batch_only_where_a_pass_stays_small():
    references = [EXAMPLES / "resnet50.json", EXAMPLES / "vgg16.json"]
    sampled = [(Path(f"rand-mlp-{i:04d}.json"), 4) for i in range(4)]
    runs = plan(references, sampled, (1, 8))
    assert {(r.path.name, r.batch_size) for r in runs if r.path.parent == EXAMPLES} == {
        ("resnet50.json", 1),
        ("vgg16.json", 1),
        ("resnet50.json", 8),
    }
    assert [r.path.name for r in runs[:3]] == ["resnet50.json", "rand-mlp-0000.json", "vgg16.json"]
    assert len(runs) == 7


def test_a_missing_model_path_is_one_line_and_exit_2(tmp_path):
    result = CliRunner().invoke(
        cli,
        ["calibrate", "--name", "x", "--in-context", "--sample", "0", "--models", str(tmp_path / "no.json"),
         "--measurements", str(tmp_path / "m.csv")],
    )  # fmt: skip
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"error: {tmp_path / 'no.json'}: no such model file or directory"
    ]
