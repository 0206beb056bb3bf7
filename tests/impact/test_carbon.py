"""Carbon intensity from the vendored CodeCarbon data: figures match the files, bad input lists choices."""

from __future__ import annotations

import csv
import hashlib
import importlib.metadata
import importlib.util
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from energy_lint.errors import EnergyLintError
from energy_lint.impact.carbon import DATA, CarbonIntensity, UnknownLocationError, co2e_g, intensity_for

pytestmark = pytest.mark.slow

ROOT = Path(__file__).parents[2]
SOURCE = json.loads((DATA / "SOURCE.json").read_text())
COUNTRIES = json.loads((DATA / "countries.json").read_text())
with open(DATA / "impact.csv", encoding="utf-8-sig", newline="") as f:
    ROWS = list(csv.DictReader(f))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("code", ["DEU", "USA", "FRA", "IND"])
def test_country_gives_the_vendored_figure(code: str) -> None:
    entry = COUNTRIES["countries"][code]
    intensity = intensity_for(code)
    assert intensity.g_per_kwh == entry["g_per_kwh"]
    assert 0 < intensity.g_per_kwh < 2000
    assert (intensity.where, intensity.name) == (code, entry["name"])
    assert SOURCE["codecarbon_version"] in intensity.source
    assert str(entry["year"]) in intensity.source


def test_every_country_is_an_alpha3_code_with_a_plausible_figure() -> None:
    countries = COUNTRIES["countries"]
    assert len(countries) > 150
    for code, entry in countries.items():
        assert len(code) == 3 and code.isalpha() and code.isupper(), code
        assert 0 <= entry["g_per_kwh"] < 2000, code


def test_real_world_ordering() -> None:
    # Nuclear-heavy France against coal-heavy Poland.
    assert intensity_for("FRA").g_per_kwh < intensity_for("POL").g_per_kwh


def test_country_codes_are_case_insensitive() -> None:
    assert intensity_for("fra") == intensity_for("Fra") == intensity_for(" FRA ") == intensity_for("FRA")


def test_no_location_gives_the_world_average() -> None:
    world = intensity_for(None)
    assert world.g_per_kwh == COUNTRIES["world_average"]["g_per_kwh"]
    assert 0 < world.g_per_kwh < 2000
    assert world.where == "world"
    assert "world_average" in world.source and SOURCE["codecarbon_version"] in world.source


def test_cloud_region_matches_its_csv_row() -> None:
    row = next(r for r in ROWS if (r["provider"], r["region"]) == ("gcp", "europe-west1"))
    intensity = intensity_for("gcp:europe-west1")
    assert intensity.g_per_kwh == float(row["impact"])
    assert intensity.where == "gcp:europe-west1"
    assert row["city"] in intensity.name and row["country_name"] in intensity.name
    assert "impact.csv" in intensity.source
    assert intensity_for("GCP:Europe-West1") == intensity


def test_every_csv_row_resolves() -> None:
    assert ROWS
    for row in ROWS:
        assert intensity_for(f"{row['provider']}:{row['region']}").g_per_kwh == float(row["impact"])


def raised(location: str) -> str:
    with pytest.raises(UnknownLocationError) as caught:
        intensity_for(location)
    assert isinstance(caught.value, EnergyLintError)
    assert caught.value.location == location
    message = str(caught.value)
    assert "\n" not in message and "\r" not in message
    return message


def test_unknown_country_suggests_and_counts() -> None:
    message = raised("GER")
    assert "'GER'" in message
    assert "DEU (Germany)" in message
    assert f"{len(COUNTRIES['countries'])} known" in message
    assert "DEU (Germany)" in raised("Germany")
    assert "FRA" in raised("FRQ")


def test_unknown_region_suggests_and_lists() -> None:
    message = raised("gcp:europe-west99")
    assert "'europe-west99'" in message
    assert "did you mean gcp:europe-west9?" in message
    assert f"({sum(r['provider'] == 'gcp' for r in ROWS)} in all)" in message
    assert len(message) < 400


def test_unknown_provider_names_the_known_ones() -> None:
    message = raised("ovh:gra")
    assert "'ovh'" in message
    assert "known are aws, azure, gcp" in message


def test_a_line_break_in_the_input_stays_escaped() -> None:
    assert "did you mean FRA" in raised("FR\nA\u2028")


def test_co2e_arithmetic() -> None:
    intensity = CarbonIntensity(400.0, "test", "test", "test")
    assert co2e_g(3.6e6, intensity, pue=1.5) == pytest.approx(600.0)
    assert co2e_g(3.6e6, intensity) == pytest.approx(400.0)
    assert co2e_g(0.0, intensity) == 0.0


@pytest.mark.parametrize("pue", [0.99, 0.0, -1.0, math.nan])
def test_pue_below_one_is_rejected(pue: float) -> None:
    with pytest.raises(ValueError, match="PUE"):
        co2e_g(1.0, intensity_for(None), pue=pue)


def test_import_is_light_and_loads_nothing() -> None:
    script = (
        "import sys\n"
        "import energy_lint.impact.carbon as carbon\n"
        "assert carbon._countries.cache_info().currsize == 0, 'data loaded at import'\n"
        "carbon.intensity_for('DEU'); carbon.intensity_for('gcp:europe-west1')\n"
        "print(','.join(sorted({m.split('.')[0] for m in sys.modules} & {'codecarbon', 'pandas'})))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_source_hashes_match_the_files() -> None:
    files = SOURCE["files"]
    assert set(files) == {p.name for p in DATA.iterdir()} - {"SOURCE.json"}
    for name, entry in files.items():
        assert sha256(DATA / name) == entry["sha256"], name
    assert SOURCE["license"] == "MIT"


def test_source_matches_the_installed_codecarbon_of_that_version() -> None:
    # Provenance: the recorded upstream hashes are those of the files codecarbon ships.
    spec = importlib.util.find_spec("codecarbon")
    if spec is None or importlib.metadata.version("codecarbon") != SOURCE["codecarbon_version"]:
        pytest.skip("codecarbon not installed at the vendored version")
    package = Path(next(iter(spec.submodule_search_locations)))
    for entry in SOURCE["files"].values():
        for upstream, digest in entry["from"].items():
            if upstream.startswith("codecarbon/"):
                assert sha256(package / upstream.removeprefix("codecarbon/")) == digest, upstream
