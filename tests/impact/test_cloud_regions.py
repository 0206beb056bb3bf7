"""AWS and Azure regions, offered in --region's help and once refused: each maps to its published
location (country, or US state) in energy_lint/data/carbon/cloud_regions.json, priced at that
place's grid from the vendored CodeCarbon data. The state figures are checked against
CodeCarbon's own get_region_emissions, the country figures against its get_country_emissions."""

from __future__ import annotations

import json
import logging

import pytest

from energy_lint.impact.carbon import DATA, UnknownLocationError, intensity_for
from tests.check_cli import EXAMPLES, document, run_check

REGIONS = json.loads((DATA / "cloud_regions.json").read_text())


def codecarbon_g_per_kwh(country: str, state: str | None) -> float:
    """CodeCarbon's own figure for 1 kWh at that place (kg -> g)."""
    from codecarbon.core.emissions import Emissions
    from codecarbon.core.units import Energy
    from codecarbon.external.geography import GeoMetadata
    from codecarbon.input import DataSource

    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    emissions = Emissions(DataSource())
    one = Energy.from_energy(kWh=1)
    if state is None:
        return emissions.get_country_emissions(one, GeoMetadata(country_iso_code=country)) * 1000
    names = json.loads((DATA / "us_states.json").read_text())["states"]
    region = names[state]["name"].lower()
    return emissions.get_region_emissions(one, GeoMetadata(country_iso_code="USA", region=region)) * 1000


@pytest.mark.parametrize(
    ("provider", "region"), [(p, r) for p in ("aws", "azure") for r in sorted(REGIONS[p])]
)
def test_every_mapped_region_is_priced_as_codecarbon_prices_its_place(provider: str, region: str) -> None:
    entry = REGIONS[provider][region]
    intensity = intensity_for(f"{provider}:{region}")
    assert intensity.where == f"{provider}:{region}"
    assert intensity.g_per_kwh == pytest.approx(codecarbon_g_per_kwh(entry["country"], entry.get("state")))
    assert "cloud_regions.json" in intensity.source


def test_check_accepts_the_region_its_help_offers(tmp_path) -> None:
    result = run_check(
        EXAMPLES / "mobilenet_v3_small.json", "--region", "aws:eu-west-1", "--format", "json", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    carbon = document(result)["carbon"]
    assert carbon["where"] == "aws:eu-west-1"
    assert carbon["g_per_kwh"] == pytest.approx(intensity_for("IRL").g_per_kwh)


def test_unknown_aws_region_suggests_one() -> None:
    with pytest.raises(UnknownLocationError, match="did you mean aws:eu-west-1"):
        intensity_for("aws:eu-wst-1")
