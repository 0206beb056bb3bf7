"""`check --format html` through the real CLI: the page parsed with html.parser (an SVG bar per
layer type, a drill-down row per layer, nothing fetched, names escaped), and drawn by a real
headless chromium, whose screenshot must hold the bars' colour exactly when there is a chart."""

from __future__ import annotations

import re
import shutil
import subprocess
from html import unescape
from pathlib import Path

import pytest

from energy_lint.errors import one_line
from energy_lint.report.charts import BAR_COLOUR
from energy_lint.units import format_energy
from tests.check_cli import EXAMPLES, REFERENCE, REPO, document, run_check
from tests.report.reports import ODD_NAME, Page, assert_chart, odd_model

INSTALL_TIMEOUT_S = 900
BROWSER_TIMEOUT_S = 60
MAX_BYTES_PER_LAYER = 170
"""The page is mostly the per-layer tables (about 140 bytes a layer now): a guard against bloat
such as a style or class per cell, which would double it."""


def page_of(tmp_path: Path, *args: object, name: str = "page.html") -> tuple[Page, str, int]:
    result = run_check(*args, "--format", "html", "--output", name, cwd=tmp_path)
    assert result.stdout == "", "with --output nothing goes to stdout"
    text = (tmp_path / name).read_text(encoding="utf-8")
    return Page(text), text, result.returncode


def sections(page: Page) -> list[list[tuple[str, dict]]]:
    """The tags of each model's <section>, in order."""
    found: list[list[tuple[str, dict]]] = []
    for tag, attrs in page.tags:
        if tag == "section" and (attrs.get("id") or "").startswith("m"):
            found.append([])
        elif found:
            found[-1].append((tag, attrs))
    return found


def test_page_structure_follows_the_models(tmp_path: Path) -> None:
    models = [EXAMPLES / "resnet50.json", odd_model(tmp_path), REFERENCE / "lstm_classifier.json"]
    reference = document(run_check(*models, "--format", "json", cwd=tmp_path))
    page, text, code = page_of(tmp_path, *models)
    assert code == 0
    assert text.startswith("<!DOCTYPE html>") and text.rstrip().endswith("</html>")

    summary = page.table_with("Energy / pass")
    assert [row[0] for row in summary.rows] == [model["path"] for model in reference["models"]]
    energies = [row[summary.head.index("Energy / pass")] for row in summary.rows]
    assert energies == [format_energy(model["energy_j"]) for model in reference["models"]]

    assert len(page.starts("svg")) == len(models)
    layer_tables = [table for table in page.tables if "Extrapolated in" in table.head]
    assert len(layer_tables) == len(models)
    for tags, table, model in zip(sections(page), layer_tables, reference["models"]):
        bars = [attrs for tag, attrs in tags if tag == "rect"]
        labels = [attrs for tag, attrs in tags if tag == "text" and attrs.get("class") == "label"]
        assert len(bars) == len(labels), "one rect per labelled layer type"
        assert {attrs["fill"] for attrs in bars} == {BAR_COLOUR} and all(a["class"] == "bar" for a in bars)
        assert [row[0] for row in table.rows] == [one_line(layer["name"]) for layer in model["layers"]]
        assert [row[1] for row in table.rows] == [layer["type"] for layer in model["layers"]]
        assert [row[4] for row in table.rows] == [
            format_energy(layer["energy_j"]) for layer in model["layers"]
        ]
        extrapolated = [", ".join(layer["extrapolated"]) for layer in model["layers"]]
        assert [row[8] if len(row) > 8 else "" for row in table.rows] == extrapolated
        assert all(len(row) in (len(table.head) - 1, len(table.head)) for row in table.rows)

    for svg, model in zip(re.findall(r"<svg.*?</svg>", text, re.S), reference["models"]):
        labels = re.findall(r'<text class="label"[^>]*>([^<]*)</text>', svg)
        assert_chart([unescape(label) for label in labels], None, model)
    power = reference["profile"]["power_source"]
    assert all(what in "".join(page.text) for what in power.values()), "how power was measured is shown"

    assert not page.starts("script") and not page.starts("link") and not page.starts("img")
    for _, attrs in page.tags:
        for key in ("src", "href"):
            value = (attrs.get(key) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//")), (key, value)
    assert "url(" not in text and "@import" not in text
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert one_line(ODD_NAME) in [row[0] for row in layer_tables[1].rows]


def test_violations_and_unreadable_inputs(tmp_path: Path) -> None:
    model = EXAMPLES / "resnet50.json"
    energy = document(run_check(model, "--format", "json", cwd=tmp_path))["models"][0]["energy_j"]
    (tmp_path / "energy-lint.toml").write_text(f'[budgets]\nforward-pass = "{energy / 2 * 1000:.3f} mJ"\n')
    broken = tmp_path / "<b>broken.json"
    broken.write_text("{}")
    reference = document(run_check(model, "--format", "json", cwd=tmp_path))["models"][0]
    page, text, code = page_of(tmp_path, model, broken)
    assert code == 2
    table = page.table_with("Message")
    assert [row[0].split()[0] for row in table.rows] == [v["code"] for v in reference["violations"]]
    assert [row[3] for row in table.rows] == [one_line(v["message"]) for v in reference["violations"]]
    assert "EL101" in [row[0].split()[0] for row in table.rows]
    assert "&lt;b&gt;broken.json" in text and "<b>broken" not in text
    items = "".join(page.text)
    assert f"{broken}: " in items
    count = len(reference["violations"])
    errors = sum(v["severity"] == "error" for v in reference["violations"])
    assert f"Found {count} violation{'s' * (count != 1)} ({errors} error" in items
    assert "1 input could not be read" in items


def test_the_page_stays_compact_with_many_models(tmp_path: Path) -> None:
    reference = document(run_check(EXAMPLES, "--format", "json", cwd=tmp_path))["models"]
    page, text, _ = page_of(tmp_path, EXAMPLES)
    layers = sum(len(model["layers"]) for model in reference)
    assert len(page.starts("section")) == len(reference) > 10
    assert len(text.encode()) < MAX_BYTES_PER_LAYER * layers, (len(text.encode()), layers)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed by scripts/install-chromium when missing (once a session)."""
    try:
        done = subprocess.run(
            [str(REPO / "scripts" / "install-chromium")],
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT_S,
        )
    except subprocess.TimeoutExpired:
        pytest.skip(f"chromium could not be installed within {INSTALL_TIMEOUT_S} s")
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if done.returncode != 0 or found is None:
        reason = (done.stderr.strip().splitlines() or ["no message"])[-1]
        pytest.skip(f"chromium could not be installed: {reason}")
    return found


def screenshot(browser: str, page: Path, directory: Path) -> list[tuple[int, tuple[int, int, int]]]:
    from PIL import Image

    png = directory / (page.stem + ".png")
    command = [
        browser,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={directory / 'chromium-profile'}",
        f"--screenshot={png}",
        "--window-size=1200,900",
        page.resolve().as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S)
    assert done.returncode == 0 and png.is_file(), done.stderr[-2000:]
    with Image.open(png) as image:
        return image.convert("RGB").getcolors(maxcolors=1 << 24) or []


def bar_pixels(colours: list[tuple[int, tuple[int, int, int]]]) -> int:
    target = tuple(int(BAR_COLOUR[i : i + 2], 16) for i in (1, 3, 5))
    return sum(count for count, rgb in colours if max(abs(a - b) for a, b in zip(rgb, target)) <= 2)


@pytest.mark.browser
def test_chromium_draws_the_bars_and_none_without_a_model(tmp_path: Path, chromium: str) -> None:
    page, _, _ = page_of(tmp_path, EXAMPLES / "resnet50.json", name="model.html")
    area = sum(float(a["width"] or 0) * float(a["height"] or 0) for a in page.starts("rect"))
    drawn = bar_pixels(screenshot(chromium, tmp_path / "model.html", tmp_path))
    assert 0.85 * area <= drawn <= 1.05 * area, (drawn, area)

    (tmp_path / "broken.json").write_text("{}")
    page, _, code = page_of(tmp_path, tmp_path / "broken.json", name="empty.html")
    assert code == 2 and not page.starts("svg")
    colours = screenshot(chromium, tmp_path / "empty.html", tmp_path)
    assert len(colours) > 1, "the page was drawn"
    assert bar_pixels(colours) == 0
