#!/usr/bin/env bash
# One lease of a GPU machine: install the carried wheels, record the GPU, then calibrate for
# BUDGET seconds, resuming from the committed CSV, copying what is measured to $OUT as it goes
# (so a kill at the lease's limit still returns every row). Run from the repository root:
#     bash scripts/gpu/session.sh NAME BUDGET_S [MIN_SECONDS REPEATS [--train]]
# --train measures a training step of each case beside its forward pass (issue 8).
set -u
name=$1 budget=$2 min_seconds=${3:-0.4} repeats=${4:-2} train=${5:-}
export KERAS_BACKEND=torch PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade --target /tmp/site .whl/*.whl || exit 3
export PYTHONPATH=/tmp/site:$PWD
csv=calibration/$name/measurements.csv
mkdir -p "calibration/$name"
python3 scripts/gpu/device_info.py > "$OUT/device-$(date -u +%Y%m%dT%H%M%S).json" || echo "device_info failed"
nvidia-smi -q -d CLOCK,POWER,PERFORMANCE > "$OUT/nvidia-smi.txt" 2>&1
(while sleep 15; do [ -f "$csv" ] && cp "$csv" "$OUT/measurements.csv.part" && mv "$OUT/measurements.csv.part" "$OUT/measurements.csv"; done) &
copier=$!
timeout --signal=INT --kill-after=10 "$((budget + 40))" \
    python3 -m energy_lint calibrate --name "$name" --device gpu:0 --suite calibration/suites/gpu.json \
    --budget "${budget}s" --min-seconds "$min_seconds" --repeats "$repeats" --no-fit $train \
    --measurements "$csv" 2> >(tee "$OUT/calibrate.log" >&2)
kill $copier
cp "$csv" "$OUT/measurements.csv"
cp "calibration/$name/hardware.json" "$OUT/hardware.json" 2>/dev/null || true
python3 - "$csv" <<'PY'
import csv, json, statistics, sys
rows = list(csv.DictReader(open(sys.argv[1])))
spread = sorted(float(r["energy_spread"]) for r in rows if r.get("energy_spread"))
models = [r for r in rows if r["layer_class"] == "Model"]
print(f"{len(rows)} rows, {len(models)} models; spread median {statistics.median(spread):.3f}, "
      f"p90 {spread[int(0.9 * len(spread))]:.3f}")
share = statistics.median(float(r["gpu_energy_j"]) / float(r["energy_j"]) for r in rows)
print(f"GPU share of energy (median) {share:.2f}; idle W {rows[-1]['idle_power_w']}")
print("power source:", json.loads(rows[-1]["power_source"]))
new = [float(r["energy_spread"]) for r in rows if "between its updates" in r["power_source"]]
if new:
    print(f"between-steps rows: {len(new)}, spread median {statistics.median(new):.3f}, "
          f"p90 {sorted(new)[int(0.9 * len(new))]:.3f}")
PY
