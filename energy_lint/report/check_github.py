"""`energy-lint check --format github`: for a GitHub Actions step. First a plain log, one
collapsible group per model with its figures and every violation (workflow commands are
suspended inside it, so that names from a model file cannot pass for commands); then one
annotation per violation on the model file, capped as GitHub caps them (10 errors and 10
warnings per step: errors first, model-level findings before layer-level ones, then one notice
saying how many were left out); then, when GITHUB_STEP_SUMMARY names a file, a markdown section
appended to the job summary."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from ..errors import ModelReadError, one_line
from ..impact.hardware_comparison import cheapest
from ..results import CheckedModel, Violation
from ..rules import RULES_BY_CODE
from ..units import format_energy, format_mass
from .check_markdown import code as markdown_code
from .check_markdown import text as markdown_text
from .locations import LayerLocator, relative_path
from .run import CheckRun
from .summary import change_phrase, extra_lines, markdown_table

if TYPE_CHECKING:
    from ..engine.model_check import CheckSettings

MAX_ANNOTATIONS = 10
"""Per level and per step: GitHub drops the rest."""
SUMMARY_ENV = "GITHUB_STEP_SUMMARY"
SUMMARY_LIMIT = 256 * 1024
"""GitHub refuses a step summary over 1 MiB; other steps of the job write there too."""
SUMMARY_MODELS = 100
SUMMARY_VIOLATIONS_PER_MODEL = 20
SUMMARY_ITEM_CHARS = 500


def escape_data(text: str) -> str:
    """A workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value (file=, title=)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def command(name: str, message: str, **properties: object) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items())
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def annotation_path(path: str) -> str:
    """Relative to the current directory (the checkout) when under it; else absolute, which the
    runner maps into the repository when it can."""
    return relative_path(path) or Path(path).resolve().as_posix()


@dataclass(frozen=True)
class Annotation:
    level: str
    line: str
    layered: bool = False


def violation_annotation(path: str, violation: Violation, locator: LayerLocator) -> Annotation:
    rule = RULES_BY_CODE.get(violation.code)
    title = f"{violation.code} {rule.name}" if rule else violation.code
    level = "error" if violation.severity == "error" else "warning"
    line = locator.position(path, violation.layer).line
    text = command(level, violation.message, file=annotation_path(path), line=line, title=title)
    return Annotation(level, text, violation.layer is not None)


def read_error_annotation(error: ModelReadError) -> Annotation:
    return Annotation("error", command("error", error.problem, file=annotation_path(error.path)))


def capped(annotations: list[Annotation]) -> tuple[list[Annotation], dict[str, int]]:
    """What GitHub will show: errors first, model-level findings before layer-level ones, at
    most MAX_ANNOTATIONS of each level; and how many of each level were left out."""
    ordered = sorted(annotations, key=lambda a: (a.level != "error", a.layered))
    shown: list[Annotation] = []
    hidden = {"error": 0, "warning": 0}
    for annotation in ordered:
        if sum(a.level == annotation.level for a in shown) < MAX_ANNOTATIONS:
            shown.append(annotation)
        else:
            hidden[annotation.level] += 1
    return shown, hidden


def model_line(model: CheckedModel) -> str:
    result = model.result
    estimate = result.estimate
    low, high = estimate.interval_j
    line = (
        f"{model.graph.path}: {format_energy(estimate.energy_j)} per forward pass at batch "
        f"{model.graph.batch_size} (90%: {format_energy(low)} to {format_energy(high)}), "
        f"{format_energy(result.energy_per_sample_j)} per sample, CO2e {format_mass(result.co2e_g)} per pass"
    )
    change = change_phrase(result)
    line = f"{line}, {change}" if change else line
    best = cheapest(result.estimates)
    if best is not None:
        count = len(result.estimates)
        line += f"; greenest of {count} profiles: {best.profile} ({format_mass(best.use_co2e_g)} in use)"
    return one_line("; ".join([line, *(f"{label}: {text}" for label, text in extra_lines(result))]))


def violation_line(violation: Violation) -> str:
    return one_line(f"  {violation.code} {violation.severity}: {violation.message}")


def log_model(model: CheckedModel, out: TextIO, token: str) -> None:
    """One collapsible group; inside it, commands are stopped until the unguessable token."""
    title = f"{model.graph.path}: {format_energy(model.result.estimate.energy_j)}"
    count = len(model.violations)
    title += f", {count} violation{'s' * (count != 1)}" if count else ", clean"
    out.write(command("group", one_line(title)) + "\n")
    out.write(f"::stop-commands::{token}\n")
    out.write(model_line(model) + "\n")
    for violation in model.violations:
        out.write(violation_line(violation) + "\n")
    out.write(f"::{token}::\n::endgroup::\n")


def write(run: CheckRun, out: TextIO) -> None:
    token = secrets.token_hex(16)
    models = []
    for model in run:  # the log streams; annotations need every model to be ordered
        models.append(model)
        log_model(model, out, token)
    out.write(one_line(run.totals()) + "\n")
    locator = LayerLocator()
    annotations = [read_error_annotation(error) for error in run.read_errors]
    for model in models:
        annotations += [violation_annotation(model.graph.path, v, locator) for v in model.violations]
    shown, hidden = capped(annotations)
    for annotation in shown:
        out.write(annotation.line + "\n")
    summary_file = os.environ.get(SUMMARY_ENV)
    if sum(hidden.values()):
        out.write(command("notice", hidden_notice(hidden, bool(summary_file))) + "\n")
    if summary_file:
        try:
            append_summary(Path(summary_file), job_summary(run, models))
        except OSError as error:
            out.write(command("warning", f"the job summary could not be written: {error}") + "\n")
    out.flush()


def hidden_notice(hidden: dict[str, int], summary: bool) -> str:
    left = sum(hidden.values())
    kinds = " and ".join(f"{n} {level}{'s' * (n != 1)}" for level, n in hidden.items() if n)
    return (
        f"{left} more annotation{'s' * (left != 1)} not shown ({kinds}): GitHub shows at most "
        f"{MAX_ANNOTATIONS} errors and {MAX_ANNOTATIONS} warnings per step. The full list is in "
        "this step's log, one group per model"
        + ("; the job summary lists them per model." if summary else ".")
    )


def append_summary(path: Path, text: str) -> None:
    """Append, never overwrite: the file is shared with the job's other steps."""
    with path.open("a", encoding="utf-8") as handle:
        if handle.tell() > 0:
            text = "\n" + text
        handle.write(text)


def _md(value: str, limit: int = SUMMARY_ITEM_CHARS) -> str:
    """Text from a model file, inert in markdown (check_markdown.text), cut to `limit`."""
    value = " ".join(one_line(value).split())
    return markdown_text(value if len(value) <= limit else value[: limit - 1] + "…")


def _code(value: str) -> str:
    return markdown_code(value, in_table=False)


def settings_lines(settings: CheckSettings) -> list[str]:
    meta = settings.profile.meta
    how = settings.profile.power_description
    intensity = settings.intensity
    pue = f", PUE {settings.pue:g}" if settings.pue != 1.0 else ""
    return [
        f"- Profile {_code(settings.profile.name)} ({_md(str(meta.get('device')))}, "
        f"{_md(str(meta.get('backend')))}); power: {_md(how)}",
        f"- Grid: {_md(intensity.name)} ({_code(intensity.where)}), "
        f"{intensity.g_per_kwh:.0f} gCO2e/kWh{pue}, from {_md(intensity.source)}",
    ]


def job_summary(run: CheckRun, models: list[CheckedModel]) -> str:
    """A heading, where the figures come from, the table of models, the violations per model
    and the unreadable inputs; bounded to SUMMARY_LIMIT whatever the number of models."""
    lines = ["## energy-lint check", "", run.totals(), "", *settings_lines(run.settings)]
    sources = sorted({m.result.base.source for m in models if m.result.base is not None})
    if sources:
        lines.append("- Compared with " + ", ".join(_code(source) for source in sources))
    results = [model.result for model in models]
    shown = min(len(results), SUMMARY_MODELS)
    table = markdown_table(results[:shown]) if results else ""
    while shown > 1 and len(table) > SUMMARY_LIMIT // 2:
        shown //= 2
        table = markdown_table(results[:shown])
    if table:
        lines += ["", table.rstrip("\n")]
    if shown < len(results):
        lines += ["", f"… and {len(results) - shown} more models (the step's log lists every one)."]
    size = sum(len(line) + 1 for line in lines)
    listed, left = _violation_lines(models, SUMMARY_LIMIT - size)
    if listed:
        lines += ["", "### Violations", "", *listed]
    if left:
        lines += ["", f"… and {left} more violations (the step's log lists every one)."]
    if run.read_errors:
        lines += ["", "### Inputs that could not be read", ""]
        lines += [f"- {_code(e.path)}: {_md(e.problem)}" for e in run.read_errors[:SUMMARY_MODELS]]
        if len(run.read_errors) > SUMMARY_MODELS:
            lines.append(f"- … and {len(run.read_errors) - SUMMARY_MODELS} more")
    return "\n".join(lines) + "\n"


def _violation_lines(models: list[CheckedModel], budget: int) -> tuple[list[str], int]:
    """Per model with violations, a line naming it and a list (at most
    SUMMARY_VIOLATIONS_PER_MODEL items, then "and N more"); stops when `budget` characters are
    spent, returning how many violations were not listed at all."""
    lines: list[str] = []
    used, left = 0, 0
    for model in models:
        violations = model.violations
        if not violations:
            continue
        block = ["", f"**{_code(model.graph.path)}**", ""]
        block += [
            f"- **{v.code}** {v.severity}: {_md(v.message)}"
            for v in violations[:SUMMARY_VIOLATIONS_PER_MODEL]
        ]
        if len(violations) > SUMMARY_VIOLATIONS_PER_MODEL:
            block.append(f"- … and {len(violations) - SUMMARY_VIOLATIONS_PER_MODEL} more")
        cost = sum(len(line) + 1 for line in block)
        if used + cost > budget:
            left += len(violations)
            continue
        lines += block
        used += cost
    return lines[1:], left
