"""Grid carbon intensity for a country or cloud region, and the CO2e of an energy figure.

The figures are CodeCarbon's, read as data from energy_lint/data/carbon/ (written by
scripts/vendor_carbon_data.py; SOURCE.json records the CodeCarbon version, upstream paths and sha256),
because importing codecarbon would pull pandas into the light check path:

- a country (ISO 3166-1 alpha-3): countries.json, the `carbon_intensity` of CodeCarbon's
  data/private_infra/global_energy_mix.json, with its year: what CodeCarbon's get_country_emissions uses.
- no location: the world average, 475 g/kWh, `world_average` of CodeCarbon's
  data/private_infra/carbon_intensity_per_source.json (IEA Global Energy & CO2 Status Report 2019), the
  figure CodeCarbon itself falls back to for a country it lacks.
- a Google Cloud region ("gcp:europe-west1"): the `impact` column of CodeCarbon's data/cloud/impact.csv,
  copied verbatim.
- an AWS or Azure region ("aws:eu-west-1", "azure:westeurope"), for which CodeCarbon has no figures: the
  region's published location from cloud_regions.json (its country, and in the United States its
  state, with the source of that mapping), priced at that country's figure as above or at the state's
  from us_states.json (CodeCarbon's data/private_infra/2023/usa_emissions.json, EPA eGRID 2023).
"""

from __future__ import annotations

import csv
import difflib
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from energy_lint.errors import EnergyLintError, one_line

DATA = Path(__file__).resolve().parents[1] / "data" / "carbon"
JOULES_PER_KWH = 3.6e6
_LISTED = 8  # choices named in an error message before "... (N in all)"


@dataclass(frozen=True)
class CarbonIntensity:
    g_per_kwh: float
    where: str  # the normalised location: "DEU", "gcp:europe-west1", or "world"
    name: str  # for people: "Germany", "gcp europe-west1 (Frankfurt, Germany)"
    source: str  # e.g. "CodeCarbon 3.3.2 global_energy_mix.json, 2023"


class UnknownLocationError(EnergyLintError):
    """A country code or cloud region the vendored data lacks: the one-line message lists the choices."""

    def __init__(self, location: str, message: str) -> None:
        super().__init__(one_line(message))
        self.location = location


@cache
def _source() -> dict:
    return json.loads((DATA / "SOURCE.json").read_text(encoding="utf-8"))


@cache
def _countries() -> dict:
    return json.loads((DATA / "countries.json").read_text(encoding="utf-8"))


@cache
def _regions() -> dict[str, dict[str, dict[str, str]]]:
    """{provider: {region: CSV row}}; the file starts with a byte-order mark, hence utf-8-sig."""
    regions: dict[str, dict[str, dict[str, str]]] = {}
    with open(DATA / "impact.csv", encoding="utf-8-sig", newline="") as f:
        for row in csv.DictReader(f):
            regions.setdefault(row["provider"].lower(), {})[row["region"].lower()] = row
    return regions


@cache
def _mapped_regions() -> dict:
    return json.loads((DATA / "cloud_regions.json").read_text(encoding="utf-8"))


@cache
def _us_states() -> dict:
    return json.loads((DATA / "us_states.json").read_text(encoding="utf-8"))


def _codecarbon(file: str) -> str:
    return f"CodeCarbon {_source()['codecarbon_version']} {file}"


def _listing(choices: list[str]) -> str:
    """The first few choices and the count: an error message stays one readable line."""
    shown = ", ".join(choices[:_LISTED])
    return shown if len(choices) <= _LISTED else f"{shown}, ... ({len(choices)} in all)"


def intensity_for(location: str | None) -> CarbonIntensity:
    """The grid intensity for an alpha-3 country code, a "provider:region" cloud region, or None (world)."""
    if location is None:
        world = _countries()["world_average"]
        source = _codecarbon("carbon_intensity_per_source.json world_average")
        return CarbonIntensity(
            float(world["g_per_kwh"]), "world", world["name"], f"{source} ({world['source']})"
        )
    if ":" in location:
        return _cloud_intensity(location)
    return _country_intensity(location)


def _country_intensity(location: str) -> CarbonIntensity:
    countries = _countries()["countries"]
    code = location.strip().upper()
    if code in countries:
        entry = countries[code]
        source = _codecarbon("global_energy_mix.json")
        if entry.get("year") is not None:
            source = f"{source}, {entry['year']}"
        return CarbonIntensity(float(entry["g_per_kwh"]), code, entry["name"], source)
    # Match names too: "Germany" or "GER" should point at DEU, which no spelling of the code is close to.
    by_name = {entry["name"].upper(): key for key, entry in countries.items()}
    close = difflib.get_close_matches(code, list(by_name), n=3) + difflib.get_close_matches(
        code, countries, n=3
    )
    suggested = list(dict.fromkeys(by_name.get(match, match) for match in close))[:3]
    hint = (
        "did you mean " + ", ".join(f"{key} ({countries[key]['name']})" for key in suggested) + "?"
        if suggested
        else "no close match."
    )
    raise UnknownLocationError(
        location,
        f"unknown country {location!r}: {hint} Give an ISO 3166-1 alpha-3 code ({len(countries)} known, "
        "e.g. DEU, FRA, USA) or a cloud region like gcp:europe-west1",
    )


def _cloud_intensity(location: str) -> CarbonIntensity:
    provider, _, region = (part.strip().lower() for part in location.partition(":"))
    regions = _regions()
    mapped = {key: value for key, value in _mapped_regions().items() if key in ("aws", "azure")}
    if provider in mapped and provider not in regions:
        return _mapped_intensity(location, provider, region, mapped[provider])
    if provider not in regions:
        raise UnknownLocationError(
            location,
            f"unknown cloud provider {provider!r} in {location!r}: known are "
            f"{_listing(sorted([*regions, *mapped]))}; for another provider give the region's country "
            "code, e.g. USA",
        )
    if region not in regions[provider]:
        names = sorted(regions[provider])
        close = difflib.get_close_matches(region, names, n=1)
        hint = f"did you mean {provider}:{close[0]}? " if close else ""
        raise UnknownLocationError(
            location, f"unknown {provider} region {region!r} in {location!r}: {hint}known: {_listing(names)}"
        )
    row = regions[provider][region]
    place = ", ".join(part for part in (row["city"], row["country_name"]) if part)
    source = _codecarbon("impact.csv")
    if row.get("source"):
        source = f"{source} ({row['source']})"
    return CarbonIntensity(
        float(row["impact"]), f"{provider}:{region}", f"{provider} {region} ({place})", source
    )


def _mapped_intensity(location: str, provider: str, region: str, table: dict) -> CarbonIntensity:
    """An AWS or Azure region at the grid of the place it is published to be in."""
    if region not in table:
        names = sorted(table)
        close = difflib.get_close_matches(region, names, n=1)
        hint = f"did you mean {provider}:{close[0]}? " if close else ""
        raise UnknownLocationError(
            location, f"unknown {provider} region {region!r} in {location!r}: {hint}known: {_listing(names)}"
        )
    entry = table[region]
    mapping = (
        f"region location from cloud_regions.json ({_mapped_regions()['sources'][provider].split(' (')[0]})"
    )
    if "state" in entry:
        state = _us_states()["states"][entry["state"]]
        data = _us_states()["source"]
        source = f"{_codecarbon('usa_emissions.json')} ({data['name']}, {data['year']}); {mapping}"
        where = f"{state['name']}, United States"
        grams = float(state["g_per_kwh"])
    else:
        country = _country_intensity(entry["country"])
        source, where, grams = f"{country.source}; {mapping}", country.name, country.g_per_kwh
    return CarbonIntensity(
        grams, f"{provider}:{region}", f"{provider} {region} ({entry['location']}: {where})", source
    )


def co2e_g(energy_j: float, intensity: CarbonIntensity, pue: float = 1.0) -> float:
    """Grams CO2e for `energy_j` joules at the IT equipment, scaled by the data centre's PUE."""
    if not pue >= 1.0:  # also rejects NaN
        raise ValueError(f"PUE must be >= 1.0 (facility energy / IT energy), got {pue}")
    return energy_j / JOULES_PER_KWH * pue * intensity.g_per_kwh
