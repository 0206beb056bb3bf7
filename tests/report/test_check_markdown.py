"""`check --format markdown` through the real CLI, read back with markdown-it (the CommonMark
parser rich depends on, tables enabled, raw HTML passed through as GitHub would consider it):
the summary row per model, one mermaid bar per layer type, names from model files that cannot
break a table or become markup, the violations, the change against a --baseline report."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from energy_lint.errors import one_line
from energy_lint.report.charts import mermaid_label
from energy_lint.report.check_markdown import GROUP_OVER, code, text
from energy_lint.units import format_energy
from tests.check_cli import EXAMPLES, REFERENCE, document, run_check
from tests.report.reports import ODD_NAME, Page, assert_chart, odd_model

UNITS = {"kJ": 1e3, "J": 1.0, "mJ": 1e-3, "µJ": 1e-6, "nJ": 1e-9}
MERMAID = re.compile(
    r"```mermaid\nxychart-beta\n    title \"[^\"\n]*\"\n    x-axis \[(?P<labels>[^\]\n]*)\]\n"
    r"    y-axis \"Energy \((?P<unit>[^)\"]+)\)\"\n    bar \[(?P<values>[^\]\n]*)\]\n```\n"
)


def rendered(markdown: str) -> Page:
    return Page(MarkdownIt("commonmark").enable("table").render(markdown))


def charts(markdown: str) -> list[tuple[float, dict[str, float]]]:
    """Each mermaid block as (its unit in joules, {label: value}); asserts one value per label."""
    blocks = markdown.count("```mermaid")
    found = []
    for match in MERMAID.finditer(markdown):
        labels = re.findall(r'"([^"]*)"', match["labels"])
        assert match["labels"] == ", ".join(f'"{label}"' for label in labels)
        values = [float(value) for value in match["values"].split(", ")]
        assert len(values) == len(labels) > 0
        assert 1 <= max(values) < 1000, "the unit keeps the largest bar between 1 and 1000"
        found.append((UNITS[match["unit"]], dict(zip(labels, values))))
    assert len(found) == blocks, "every mermaid block has the xychart-beta form"
    return found


def test_a_summary_row_and_a_chart_per_model(tmp_path: Path) -> None:
    models = [EXAMPLES / "resnet50.json", EXAMPLES / "mobilenet_v3_small.json"]
    report = run_check(*models, "--format", "markdown", cwd=tmp_path)
    reference = document(run_check(*models, "--format", "json", cwd=tmp_path))["models"]
    assert report.returncode == 0, report.stderr
    page = rendered(report.stdout)
    summary = page.table_with("Energy / pass")
    assert [row[0] for row in summary.rows] == [model["path"] for model in reference]
    for row, model in zip(summary.rows, reference):
        assert row[summary.head.index("Energy / pass")] == format_energy(model["energy_j"])
    assert report.stdout.count("<details>") == len(models) == len(page.starts("summary"))
    found = charts(report.stdout)
    assert len(found) == len(models)
    for (unit, chart), model in zip(found, reference):
        assert_chart(list(chart), [value * unit for value in chart.values()], model, mermaid_label)
    assert "per forward pass" in report.stdout and "power: " in report.stdout


def test_names_from_the_model_file_cannot_break_tables_or_become_markup(tmp_path: Path) -> None:
    model = odd_model(tmp_path)
    report = run_check(model, "--format", "markdown", "--verbose", cwd=tmp_path)
    layers = document(run_check(model, "--format", "json", cwd=tmp_path))["models"][0]["layers"]
    assert report.returncode == 0, report.stderr
    html = MarkdownIt("commonmark").enable("table").render(report.stdout)
    assert "<script" not in html and "&lt;script&gt;" in html
    table = rendered(report.stdout).table_with("Predictor")
    assert len(table.rows) == len(layers), "--verbose lists every layer, each on its own row"
    assert all(len(row) == len(table.head) for row in table.rows)
    assert one_line(ODD_NAME) in [row[0] for row in table.rows]
    assert {row[0] for row in table.rows} == {one_line(layer["name"]) for layer in layers}
    assert len(charts(report.stdout)) == 1


def test_violations_are_listed_with_their_layer_and_counted(tmp_path: Path) -> None:
    models = [EXAMPLES / "resnet50.json", REFERENCE / "lstm_classifier.json"]
    energy = document(run_check(models[0], "--format", "json", cwd=tmp_path))["models"][0]["energy_j"]
    (tmp_path / "energy-lint.toml").write_text(f'[budgets]\nforward-pass = "{energy / 2 * 1000:.3f} mJ"\n')
    reference = document(run_check(*models, "--format", "json", cwd=tmp_path))
    report = run_check(*models, "--format", "markdown", "--verbose", cwd=tmp_path)
    assert report.returncode == 1, report.stderr
    violations = [(m["path"], v) for m in reference["models"] for v in m["violations"]]
    codes = {v["code"] for _, v in violations}
    assert {"EL101", "EL201"} <= codes, codes
    table = rendered(report.stdout).table_with("Severity")
    assert table.head == ["Model", "Code", "Severity", "Layer", "Message"]
    assert sorted(table.rows) == sorted(
        [path, v["code"], v["severity"], v["layer"] or "-", one_line(v["message"])] for path, v in violations
    )
    errors = sum(v["severity"] == "error" for _, v in violations)
    last = report.stdout.rstrip().splitlines()[-1]
    assert last == f"**Found {len(violations)} violations ({errors} error{'s' * (errors != 1)}).**"


def test_a_baseline_comparison_shows_the_change(tmp_path: Path) -> None:
    model, newcomer = EXAMPLES / "resnet50.json", EXAMPLES / "mobilenet_v3_small.json"
    energy = document(run_check(model, "--format", "json", cwd=tmp_path))["models"][0]["energy_j"]
    baseline = {"version": 1, "models": [{"path": str(model), "energy_j": energy / 1.25}], "errors": []}
    (tmp_path / "base.json").write_text(json.dumps(baseline))
    report = run_check(model, newcomer, "--format", "markdown", "--baseline", "base.json", cwd=tmp_path)
    assert report.returncode == 0, report.stderr
    summary = rendered(report.stdout).table_with("Change")
    change = {row[0]: row[summary.head.index("Change")] for row in summary.rows}
    assert change == {str(model): "+25.0%", str(newcomer): "new"}
    assert f"**+25.0%** against `base.json` ({format_energy(energy / 1.25)})" in report.stdout


def test_output_file_and_unreadable_inputs(tmp_path: Path) -> None:
    broken = tmp_path / "broken|`name`.json"
    broken.write_text("{}")
    report = run_check(
        EXAMPLES / "mobilenet.json", broken, "--format", "markdown", "-o", "r.md", cwd=tmp_path
    )
    assert report.returncode == 2 and report.stdout == ""
    written = (tmp_path / "r.md").read_text(encoding="utf-8")
    assert written.startswith("## energy-lint check\n")
    items = [line for line in written.splitlines() if line.startswith("- ")]
    assert len(items) == 1 and items[0].startswith(f"- {code(str(broken), False)}: ")
    assert "".join(rendered(written).text).count(str(broken)) == 1, "the path renders as itself"
    assert written.rstrip().endswith(", 1 input could not be read.**")
    assert len(charts(written)) == 1


@pytest.mark.parametrize(
    "hostile",
    ['a"b', "x]\n```\n<img src=x>", "` | `", "", "Ünïcode:*_[]", "a\\|b", "end\\", "&amp; ~~x~~"],
    ids=lambda s: repr(s)[:12],
)
def test_labels_and_cells_survive_any_text(hostile: str) -> None:
    label = mermaid_label(hostile)
    assert label and re.fullmatch(r"[A-Za-z0-9_.+-]+", label)
    row = rendered(f"| a | b |\n| - | - |\n| {code(hostile)} | {text(hostile)} |\n").tables[0].rows
    assert row == [[one_line(hostile).strip()] * 2]
    line = rendered(f"{code(hostile, False)} {text(hostile)}\n")
    assert "".join(line.text).strip() == f"{one_line(hostile)} {one_line(hostile)}".strip()
    assert not [tag for tag, _ in line.tags if tag not in ("p", "code")]


def test_without_verbose_a_rule_on_many_layers_of_a_model_is_one_row(tmp_path: Path) -> None:
    reference = document(run_check(EXAMPLES, "--format", "json", cwd=tmp_path))["models"]
    counts: dict[tuple[str, str], int] = {}
    for model in reference:
        for violation in model["violations"]:
            key = (model["path"], violation["code"])
            counts[key] = counts.get(key, 0) + 1
    grouped = {key: count for key, count in counts.items() if count > GROUP_OVER}
    assert grouped, "some example model trips a layer rule on many layers"
    table = rendered(run_check(EXAMPLES, "--format", "markdown", cwd=tmp_path).stdout).table_with("Severity")
    rows: dict[tuple[str, str], list[list[str]]] = {}
    for row in table.rows:
        rows.setdefault((row[0], row[1]), []).append(row)
    assert set(rows) == set(counts)
    for key, count in counts.items():
        if key in grouped:
            assert len(rows[key]) == 1 and rows[key][0][3].startswith(f"{count} layers: "), rows[key]
        else:
            assert len(rows[key]) == count


def test_a_report_too_long_for_a_github_comment_is_cut_to_fit_and_says_so(tmp_path: Path) -> None:
    from energy_lint.report.check_markdown import COMMENT_LIMIT

    models = tmp_path / "models"
    models.mkdir()
    for copy in range(4):  # every layer of 52 models is far more than one comment holds
        for example in sorted(EXAMPLES.glob("*.json")):
            (models / f"{copy}_{example.name}").write_bytes(example.read_bytes())
    done = run_check("models", "--format", "markdown", "--verbose", cwd=tmp_path)
    assert len(done.stdout) <= COMMENT_LIMIT
    assert "left out to fit a GitHub comment" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith(("**Found", "**All checks passed"))
    table_rows = [line for line in done.stdout.splitlines() if line.startswith("| `models/")]
    assert len(table_rows) >= 52  # the summary table keeps every model
