"""Write calibration/suites/default.json from the reference models (examples/ and
calibration/models/): their layer configurations, neighbours of them, and the models whole.

    .venv-test/bin/python scripts/make_suite.py
"""

from __future__ import annotations

from pathlib import Path

from energy_lint.calibration.suite import build_suite

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "calibration" / "suites"


def main() -> None:
    models = sorted((ROOT / "examples").glob("*.json")) + sorted(
        (ROOT / "calibration" / "models").glob("*.json")
    )
    suite = build_suite(models, relative_to=SUITES)
    path = SUITES / "default.json"
    suite.save(path)
    print(f"{path}: {len(suite.layers)} layer cases, {len(suite.models)} model cases")


if __name__ == "__main__":
    main()
