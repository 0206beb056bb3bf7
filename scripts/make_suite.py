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

# The CPU suite keeps the reference models it was first built from: measured rows are keyed by
# case, and a new model would reshuffle the sample. Sparse families are filled by densify().
DEFAULT_REFERENCE = (
    "conv1d_audio.json",
    "conv3d_video.json",
    "conv_decoder.json",
    "gru_bidirectional.json",
    "lstm_classifier.json",
    "transformer_encoder.json",
)
# name: (model folders or files, build_suite keyword arguments, a whole model every this many cases)
CONFIGS = {
    "default": (
        ["examples", *(f"calibration/models/{name}" for name in DEFAULT_REFERENCE)],
        {"family_minimum": 60},
        20,
    ),
    "gpu": (
        ["examples", "calibration/models", "calibration/models/applications"],
        {
            "batch_sizes": BATCHES_GPU,
            "model_batch_sizes": BATCHES_GPU,
            "max_batch_macs": 4e11,
            "interleave_model_batches": True,
            "family_minimum": 60,
        },
        8,  # a whole model every 8 cases: a short GPU lease still measures many architectures
    ),
}


def _models(entry: Path) -> list[Path]:
    return sorted(entry.glob("*.json")) if entry.is_dir() else [entry]


def main(name: str) -> None:
    folders, options, models_every = CONFIGS[name]
    models = [path for entry in folders for path in _models(ROOT / entry)]
    suite = build_suite(models, relative_to=SUITES, **options)
    suite.models_every = models_every
    path = SUITES / f"{name}.json"
    suite.save(path)
    print(f"{path}: {len(suite.layers)} layer cases, {len(suite.models)} model cases")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "default")
