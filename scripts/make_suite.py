"""Write the calibration suites from the reference models (examples/, calibration/models/ and
calibration/models/applications/): their layer configurations, neighbours of them, and the
models whole.

    .venv-test/bin/python scripts/make_suite.py default   # CPU: small batches
    .venv-test/bin/python scripts/make_suite.py gpu       # GPU: batches 1 to 256
"""

from __future__ import annotations

import sys
from pathlib import Path

from energy_lint.calibration.suite import build_suite

ROOT = Path(__file__).resolve().parent.parent
SUITES = ROOT / "calibration" / "suites"
BATCHES_GPU = (1, 8, 32, 128, 256)

# name: (model folders, build_suite keyword arguments, a whole model every this many cases)
CONFIGS = {
    "default": (["examples", "calibration/models"], {}, 20),
    "gpu": (
        ["examples", "calibration/models", "calibration/models/applications"],
        {
            "batch_sizes": BATCHES_GPU,
            "model_batch_sizes": BATCHES_GPU,
            "max_batch_macs": 4e11,
            "interleave_model_batches": True,
        },
        8,  # a whole model every 8 cases: a short GPU lease still measures many architectures
    ),
}


def main(name: str) -> None:
    folders, options, models_every = CONFIGS[name]
    models = [path for folder in folders for path in sorted((ROOT / folder).glob("*.json"))]
    suite = build_suite(models, relative_to=SUITES, **options)
    suite.models_every = models_every
    path = SUITES / f"{name}.json"
    suite.save(path)
    print(f"{path}: {len(suite.layers)} layer cases, {len(suite.models)} model cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "default")
