"""`energy-lint check --format github` through the real CLI: the workflow commands are read back
the way the Actions runner reads them (stop-commands included), and the job summary is appended
to a file that other steps have already written to."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest

from energy_lint.report.check_github import MAX_ANNOTATIONS, SUMMARY_ENV
from energy_lint.rules import RULES_BY_CODE
from tests.check_cli import EXAMPLES, document, run_check

COMMAND = re.compile(r"^::([a-z-]+)(?: ([^:]*))?::(.*)$")
_UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}
EARLIER = "## Tests\n\nwritten by an earlier step\n"


@dataclass(frozen=True)
class Command:
    name: str
    properties: dict[str, str]
    message: str
    raw: str


def unescape(text: str) -> str:
    return re.sub("%(25|0D|0A|3A|2C)", lambda match: _UNESCAPE[match.group(0)], text)


def commands(stdout: str) -> list[Command]:
    """The workflow commands the runner would act on: none between ::stop-commands::TOKEN and
    ::TOKEN::."""
    found: list[Command] = []
    stopped: str | None = None
    for line in stdout.splitlines():
        text = line.strip()
        if stopped is not None:
            stopped = None if text == f"::{stopped}::" else stopped
            continue
        match = COMMAND.match(text)
        if not match:
            continue
        name, properties, message = match.groups()
        if name == "stop-commands":
            stopped = message
            continue
        pairs = (item.split("=", 1) for item in properties.split(",")) if properties else ()
        found.append(Command(name, {key: unescape(value) for key, value in pairs}, unescape(message), line))
    return found


def plain_lines(stdout: str) -> list[str]:
    """What the log shows as text: the lines inside stop-commands."""
    lines, stopped = [], None
    for line in stdout.splitlines():
        if stopped is not None:
            if line.strip() == f"::{stopped}::":
                stopped = None
            else:
                lines.append(line)
        elif line.startswith("::stop-commands::"):
            stopped = line.removeprefix("::stop-commands::")
    return lines


def pretty_copy(source: Path, directory: Path, name: str | None = None) -> str:
    target = directory / "models" / (name or source.name)
    target.parent.mkdir(exist_ok=True)
    target.write_text(json.dumps(json.loads(source.read_text()), indent=2))
    return target.relative_to(directory).as_posix()


@pytest.fixture
def summary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The job summary file, already holding another step's text."""
    path = tmp_path / "step_summary.md"
    path.write_text(EARLIER)
    monkeypatch.setenv(SUMMARY_ENV, str(path))
    return path


def test_over_budget_model_escapes_path_and_message_and_appends_the_summary(
    tmp_path: Path, summary: Path
) -> None:
    """A path with a comma, a colon and a percent sign; a baseline file whose name holds a
    newline, which EL104's message quotes next to its percentages."""
    model = pretty_copy(EXAMPLES / "mobilenet_v3_small.json", tmp_path, "over,budget: 100%.json")
    report = document(run_check(model, "--format", "json", cwd=tmp_path))
    report["models"][0]["energy_j"] /= 2
    baseline = "base\nline 50%.json"
    (tmp_path / baseline).write_text(json.dumps(report))
    (tmp_path / "energy-lint.toml").write_text('[budgets]\nforward-pass = "1 mJ"\nregression = "+5%"\n')

    result = run_check(model, "--select", "EL1", "--baseline", baseline, "--format", "github", cwd=tmp_path)

    assert result.returncode == 1, result.stderr
    found = commands(result.stdout)
    errors = [c for c in found if c.name == "error"]
    assert {c.properties["title"] for c in errors} == {
        f"{code} {RULES_BY_CODE[code].name}" for code in ("EL101", "EL104")
    }
    for error in errors:
        assert error.properties["file"] == model
        assert error.properties["line"] == "1"  # model-level findings
        assert "file=models/over%2Cbudget%3A 100%25.json," in error.raw
    [regression] = [c for c in errors if c.properties["title"].startswith("EL104")]
    assert "\n" in regression.message and "%" in regression.message
    assert "%0A" in regression.raw and "%25" in regression.raw
    assert not [c for c in found if c.name in ("warning", "notice")]
    assert [c.name for c in found].count("group") == 1 and found[0].message.startswith(model)

    log = plain_lines(result.stdout)
    assert log[0].startswith(f"{model}: ") and "per forward pass" in log[0] and "+100.0%" in log[0]
    assert any(line.strip().startswith("EL104 error: ") and "base\\nline" in line for line in log)

    text = summary.read_text()
    assert text.startswith(EARLIER)
    appended = text[len(EARLIER) :]
    assert "## energy-lint check" in appended and "cpu-xeon-2core-tf" in appended
    for source in report["profile"]["power_source"].values():
        assert source in appended
    assert report["carbon"]["name"] in appended
    assert "| Change |" in appended and "+100.0%" in appended
    assert "**EL101** error" in appended and "**EL104** error" in appended


def test_annotations_are_capped_errors_and_model_level_first(tmp_path: Path, summary: Path) -> None:
    """ResNet50 and VGG16 at batch 1024: every layer extrapolates (EL301 warnings); VGG16 alone
    is over a forward-pass budget made a warning; one input cannot be read."""
    resnet = pretty_copy(EXAMPLES / "resnet50.json", tmp_path)
    vgg = pretty_copy(EXAMPLES / "vgg16.json", tmp_path)
    (tmp_path / "broken.h5").write_bytes(b"\x89HDF\r\n\x1a\n truncated")
    (tmp_path / "energy-lint.toml").write_text(
        '[severity]\nEL101 = "warning"\n'
        '[[overrides]]\npaths = ["models/vgg16.json"]\nreason = "test"\nbudgets = { forward-pass = "1 mJ" }\n'
    )
    args = (resnet, vgg, "broken.h5", "--batch-size", "1024", "--select", "EL101,EL301")
    expected = document(run_check(*args, "--format", "json", cwd=tmp_path))
    warnings = [v for m in expected["models"] for v in m["violations"]]
    assert len(warnings) > MAX_ANNOTATIONS and {v["severity"] for v in warnings} == {"warning"}

    result = run_check(*args, "--format", "github", cwd=tmp_path)

    assert result.returncode == 2
    found = commands(result.stdout)
    annotations = [c for c in found if c.name in ("error", "warning")]
    assert [c.name for c in annotations] == ["error"] + ["warning"] * MAX_ANNOTATIONS
    assert annotations[0].properties == {"file": "broken.h5"} and annotations[0].message
    assert annotations[1].properties["title"] == "EL101 forward-pass-over-budget"
    assert annotations[1].properties["file"] == vgg and annotations[1].properties["line"] == "1"
    for annotation in annotations[2:]:
        path = tmp_path / annotation.properties["file"]
        layer = annotation.message.split(" ")[0]
        line = path.read_text().splitlines()[int(annotation.properties["line"]) - 1]
        assert f'"name": {json.dumps(layer)}' in line
    [notice] = [c for c in found if c.name == "notice"]
    assert f"{len(warnings) - MAX_ANNOTATIONS} more" in notice.message and "log" in notice.message
    assert found.index(notice) > found.index(annotations[-1])

    log = plain_lines(result.stdout)
    assert len([line for line in log if line.startswith("  EL")]) == len(warnings)
    assert [c.message.split(":")[0] for c in found if c.name == "group"] == [resnet, vgg]

    appended = summary.read_text()[len(EARLIER) :]
    assert "### Inputs that could not be read" in appended and "broken.h5" in appended
    assert "more" in appended and len(appended.encode()) < 1 << 20


def test_clean_model_exits_zero_without_annotations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SUMMARY_ENV, raising=False)
    model = pretty_copy(EXAMPLES / "mobilenet_v3_small.json", tmp_path)
    result = run_check(model, "--select", "EL1", "--format", "github", cwd=tmp_path)
    assert result.returncode == 0
    assert [c.name for c in commands(result.stdout)] == ["group", "endgroup"]
    assert "All checks passed." in result.stdout
    assert plain_lines(result.stdout)[0].startswith(f"{model}: ")
