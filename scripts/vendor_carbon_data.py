"""Vendor the carbon-intensity data energy-lint needs from the installed codecarbon into
energy_lint/data/carbon/, so the check path reads it as data and never imports codecarbon (or pandas).
Rerun after a codecarbon upgrade, then review the diff:

    .venv/bin/python scripts/vendor_carbon_data.py

Writes:
- countries.json: derived. Per ISO 3166-1 alpha-3 code, the country's name, year and the g/kWh that
  codecarbon's own Emissions.get_country_emissions gives (the `carbon_intensity` field of
  data/private_infra/global_energy_mix.json; codecarbon computes it from the energy-mix shares only when
  that field is missing), plus `world_average` from data/private_infra/carbon_intensity_per_source.json,
  the figure codecarbon falls back to for a country it lacks. 128 kB of energy mix shrinks to what is used.
- impact.csv: data/cloud/impact.csv verbatim (small; Google Cloud regions only).
- us_states.json: derived. Per US state (two-letter code), the g/kWh of codecarbon's
  data/private_infra/2023/usa_emissions.json (EPA eGRID, lbs/MWh, converted with codecarbon's own
  factor), what codecarbon's get_region_emissions uses for a US region. AWS and Azure regions map
  to a state or a country in cloud_regions.json (written by hand, not by this script).
- LICENSE-codecarbon: the MIT license from codecarbon's dist-info.
- SOURCE.json: codecarbon version, upstream paths and sha256, the sha256 of each written file, the date.
"""

from __future__ import annotations

import datetime
import hashlib
import importlib.metadata
import importlib.util
import json
import logging
import shutil
import sys
from pathlib import Path

from codecarbon.core.emissions import Emissions
from codecarbon.core.units import Energy
from codecarbon.external.geography import GeoMetadata
from codecarbon.input import DataSource

OUT = Path(__file__).resolve().parent.parent / "energy_lint" / "data" / "carbon"
MIX = "data/private_infra/global_energy_mix.json"
PER_SOURCE = "data/private_infra/carbon_intensity_per_source.json"
IMPACT = "data/cloud/impact.csv"
USA = "data/private_infra/2023/usa_emissions.json"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def country_figures(package: Path) -> dict[str, dict]:
    """Ask codecarbon itself for each country's g/kWh, so the vendored figure is the one it would use."""
    mix = json.loads((package / MIX).read_text())
    emissions = Emissions(DataSource())
    countries = {}
    for code, entry in sorted(mix.items()):
        kg = emissions.get_country_emissions(Energy.from_energy(kWh=1), GeoMetadata(country_iso_code=code))
        if entry.get("carbon_intensity") is None:
            print(f"note: {code} has no carbon_intensity; codecarbon computed it from the energy mix")
        # kg -> g through codecarbon's units leaves float noise (56.039000000000004); the data has 3 decimals.
        countries[code] = {"name": entry["country_name"], "g_per_kwh": round(kg * 1000, 6)}
        if entry.get("year") is not None:
            countries[code]["year"] = entry["year"]
    return countries


def us_state_figures(package: Path) -> dict:
    """Each US state's g/kWh as codecarbon's get_region_emissions computes it, keyed by code."""
    from codecarbon.core.units import EmissionsPerKWh

    data = json.loads((package / USA).read_text())
    states = {}
    for name, entry in sorted(data.items()):
        if name.startswith("_"):
            continue
        grams = EmissionsPerKWh.from_lbs_per_mWh(entry["emissions"]).kgs_per_kWh * 1000
        states[entry["regionCode"]] = {"name": name.replace("_", " ").title(), "g_per_kwh": round(grams, 6)}
    return {"unit": "gCO2e/kWh", "source": data.get("_source"), "states": states}


def dump(data: dict) -> str:
    """JSON with one country per line: a fifth the size of indent=2, and a diff shows what changed."""
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
            inner = ",\n".join(f"    {json.dumps(k)}: {json.dumps(v)}" for k, v in value.items())
            lines.append(f"  {json.dumps(key)}: {{\n{inner}\n  }}")
        else:
            lines.append(f"  {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(lines) + "\n}\n"


def main() -> None:
    logging.getLogger("codecarbon").setLevel(logging.ERROR)
    spec = importlib.util.find_spec("codecarbon")
    assert spec is not None and spec.submodule_search_locations, "codecarbon is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    dist = importlib.metadata.distribution("codecarbon")
    OUT.mkdir(parents=True, exist_ok=True)

    per_source = json.loads((package / PER_SOURCE).read_text())
    countries = {
        "unit": "gCO2e/kWh",
        "world_average": {
            "name": "World average",
            "g_per_kwh": per_source["world_average"],
            "source": per_source.get("world_average_source"),
        },
        "countries": country_figures(package),
    }
    (OUT / "countries.json").write_text(dump(countries))
    shutil.copyfile(package / IMPACT, OUT / "impact.csv")
    (OUT / "us_states.json").write_text(dump(us_state_figures(package)))

    files = {
        "countries.json": {
            "how": "derived: name, year and codecarbon's get_country_emissions figure per country; "
            "world_average from carbon_intensity_per_source.json",
            "from": {
                f"codecarbon/{MIX}": sha256(package / MIX),
                f"codecarbon/{PER_SOURCE}": sha256(package / PER_SOURCE),
            },
        },
        "impact.csv": {"how": "copied", "from": {f"codecarbon/{IMPACT}": sha256(package / IMPACT)}},
        "us_states.json": {
            "how": "derived: per state code, usa_emissions.json's lbs/MWh in g/kWh (codecarbon's factor)",
            "from": {f"codecarbon/{USA}": sha256(package / USA)},
        },
    }
    if (OUT / "cloud_regions.json").exists():
        files["cloud_regions.json"] = {
            "how": "written by hand: AWS and Azure regions to their published country or US state "
            "(the providers' documentation, named in the file); not from codecarbon",
            "from": {},
        }
    license_file = next(
        (f for f in dist.files or () if f.parts[0].endswith(".dist-info") and f.name.startswith("LICENSE")),
        None,
    )
    if license_file is not None:
        shutil.copyfile(Path(dist.locate_file(license_file)), OUT / "LICENSE-codecarbon")
        files["LICENSE-codecarbon"] = {
            "how": "copied",
            "from": {str(license_file): sha256(Path(dist.locate_file(license_file)))},
        }
    for name, entry in files.items():
        entry["sha256"] = sha256(OUT / name)

    source = {
        "codecarbon_version": dist.version,
        "license": dist.metadata.get("License-Expression") or "MIT",
        "license_file": "LICENSE-codecarbon" if license_file is not None else None,
        "generated_by": "scripts/vendor_carbon_data.py",
        "date": datetime.date.today().isoformat(),
        "files": files,
    }
    (OUT / "SOURCE.json").write_text(json.dumps(source, indent=2) + "\n")
    for path in sorted(OUT.iterdir()):
        print(f"{path.stat().st_size:>8} {path.relative_to(OUT.parent.parent.parent)}")


if __name__ == "__main__":
    sys.exit(main())
