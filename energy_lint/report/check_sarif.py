"""`energy-lint check --format sarif`: one SARIF 2.1.0 log with one run, for GitHub code scanning
and other SARIF viewers. Every registered rule is described (help from its docstring, helpUri to
its section of docs/rules.md); each violation is a result located in its model file (the
layer's line in a JSON config, line 1 in a .keras or .h5 file) with a fingerprint of path, layer
and code, so that a finding keeps its identity across commits. Inputs that could not be read are
tool notifications, and the run's properties say which profile and grid the numbers come from."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from .. import HOMEPAGE, __version__
from ..results import CheckedModel, Violation
from ..rules import RULES, Rule
from .check_json import carbon_document, figures, profile_document, profiles_document
from .locations import LayerLocator, relative_path
from .rule_docs import anchor, rule_markdown, rule_text, unwrapped
from .run import CheckRun

RULES_DOC = f"{HOMEPAGE}/blob/main/docs/rules.md"
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
SRCROOT = "%SRCROOT%"
FINGERPRINT = "energyLint/v1"
"""partialFingerprints key; bump the version if what the hash covers ever changes."""
RULE_INDEX = {rule.code: index for index, rule in enumerate(RULES)}
_LEVELS = {"error": "error", "warning": "warning"}
_TAGS = {"EL1": "budget", "EL2": "energy-hotspot", "EL3": "estimate-trust"}


def help_uri(rule: Rule) -> str:
    return f"{RULES_DOC}#{anchor(rule)}"


def rule_descriptor(rule: Rule) -> dict[str, Any]:
    tags = ["energy"] + [tag for prefix, tag in _TAGS.items() if rule.code.startswith(prefix)]
    return {
        "id": rule.code,
        "name": rule.name,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": unwrapped(rule.section("What"))},
        "help": {"text": rule_text(rule), "markdown": rule_markdown(rule)},
        "helpUri": help_uri(rule),
        "defaultConfiguration": {"level": _LEVELS.get(rule.severity, "warning")},
        "properties": {"tags": tags},
    }


def artifact_location(path: str) -> dict[str, Any]:
    """Relative to %SRCROOT% (the current directory) when the file is under it, else an
    absolute file URI."""
    relative = relative_path(path)
    if relative is None:
        return {"uri": Path(path).resolve().as_uri()}
    return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}


def fingerprint(uri: str, layer: str | None, code: str) -> str:
    """Stable across commits and runs: the line of a layer and the numbers in the message move,
    the file, the layer and the rule do not."""
    return hashlib.sha256("\0".join((uri, layer or "", code)).encode("utf-8")).hexdigest()


def model_properties(model: CheckedModel) -> dict[str, Any]:
    """The figures behind the findings, named as in `--format json` (docs/contracts.md, 2. check JSON)."""
    return {
        "batch_size": model.graph.batch_size,
        "inferences": model.result.inferences,
        **figures(model.result),
    }


def sarif_result(
    violation: Violation, location: dict[str, Any], index: int, path: str, locator: LayerLocator
) -> dict[str, Any]:
    position = locator.position(path, violation.layer)
    region: dict[str, Any] = {"startLine": position.line}
    if position.column is not None:
        region["startColumn"] = position.column
    where: dict[str, Any] = {
        "physicalLocation": {"artifactLocation": {**location, "index": index}, "region": region}
    }
    if violation.layer is not None:
        where["logicalLocations"] = [{"name": violation.layer, "kind": "object"}]
    return {
        "ruleId": violation.code,
        "ruleIndex": RULE_INDEX[violation.code],
        "level": _LEVELS.get(violation.severity, "warning"),
        "message": {"text": violation.message},
        "locations": [where],
        "partialFingerprints": {FINGERPRINT: fingerprint(location["uri"], violation.layer, violation.code)},
    }


def sarif_log(run: CheckRun) -> dict[str, Any]:
    models = list(run)  # read_errors is complete only after this
    locator = LayerLocator()
    artifacts: list[dict[str, Any]] = []
    indices: dict[str, int] = {}
    results = []
    for model in models:
        location = artifact_location(model.graph.path)
        if location["uri"] not in indices:
            indices[location["uri"]] = len(artifacts)
            artifacts.append(
                {"location": location, "roles": ["analysisTarget"], "properties": model_properties(model)}
            )
        index = indices[location["uri"]]
        results += [sarif_result(v, location, index, model.graph.path, locator) for v in model.violations]
    notifications = [
        {
            "level": "error",
            "message": {"text": f"{error.path}: {error.problem}"},
            "locations": [{"physicalLocation": {"artifactLocation": artifact_location(error.path)}}],
        }
        for error in run.read_errors
    ]
    invocation: dict[str, Any] = {
        "executionSuccessful": not run.read_errors,
        "workingDirectory": {"uri": _directory_uri(Path.cwd())},
    }
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    driver = {
        "name": "energy-lint",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": HOMEPAGE,
        "rules": [rule_descriptor(rule) for rule in RULES],
    }
    settings = run.settings
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": driver},
                "invocations": [invocation],
                "originalUriBaseIds": {SRCROOT: {"uri": _directory_uri(Path.cwd())}},
                "artifacts": artifacts,
                "results": results,
                "columnKind": "utf16CodeUnits",
                "properties": {
                    "profile": profile_document(settings),
                    "carbon": carbon_document(settings),
                    "profiles": profiles_document(settings),
                },
            }
        ],
    }


def _directory_uri(directory: Path) -> str:
    """SARIF wants a base URI to end with a slash."""
    uri = directory.resolve().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def write(run: CheckRun, out: TextIO) -> None:
    out.write(json.dumps(sarif_log(run), indent=2) + "\n")
