"""Layers measured in context (calibration/in_context.py), issue 18: for ResNet50 and
MobileNetV2 (examples/*.json) at batch 1 and 8,

- the sum of the in-context layer times against the whole model timed without the profiler
  (% gap, with and without the profiler scaling), and the profiler's slow-down;
- the repeat spread of the whole-model time ((max - min) / median over the repeats);
- the top-10 layers by measured in-context share beside the share `check` gives them with the
  default profile (layers measured alone);
- the throughput of calibration: layer rows per hour of `calibrate --in-context` on sampled
  architectures (the power model, measured once per CSV, left out).

    PYTHONPATH=$PWD .venv-test/bin/python benchmarks/in_context.py [--write]

Times are medians on a 2-core machine; quiet the machine first, other load shows up as spread."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import REPO, machine, machine_lines, markdown_table, write_section

MODELS = ("resnet50", "mobilenet_v2")
BATCHES = (1, 8)


def call_floor(keras, repeats: int) -> float:
    """Seconds per pass of a model that does nothing (one Identity layer): the cost of calling a
    tf.function from Python, which no layer owns."""
    import numpy as np

    from energy_lint.calibration import in_context

    inputs = keras.Input((8,))
    model = keras.Model(inputs, keras.layers.Identity()(inputs))
    forward = in_context.make_pass(keras, model, np.zeros((1, 8), "float32"))
    return in_context.time_whole(forward, 1.0, repeats)[0]


def profile_models(repeats: int) -> list[dict]:
    from energy_lint.calibration import in_context, keras_backend
    from energy_lint.estimation.forward_pass import estimate
    from energy_lint.estimation.profile import default_profile, load_profile
    from energy_lint.graph import read_model
    from energy_lint.graph.files import read_raw_model

    keras = keras_backend.import_keras()
    profile = load_profile(default_profile())
    floor = call_floor(keras, repeats)
    results = []
    for name in MODELS:
        path = REPO / "examples" / f"{name}.json"
        for batch in BATCHES:
            graph = read_model(path, batch)
            model = keras_backend.build_model(keras, read_raw_model(path))
            inputs = keras_backend.random_inputs(model, graph)
            measured = in_context.profile(
                keras, model, graph, inputs, passes=20, whole_seconds=1.0, repeats=repeats, warmup_seconds=2.0
            )
            predicted = {layer.name: layer.energy_j for layer in estimate(graph, profile).layers}
            results.append(
                {"name": name, "batch": batch, "profile": measured, "predicted": predicted, "floor": floor}
            )
            keras_backend.release(keras)
    return results


def throughput(budget_s: float, count: int) -> tuple[int, float, int]:
    """(layer rows, seconds, models) of an in-context campaign over sampled architectures."""
    from energy_lint.calibration import architectures
    from energy_lint.calibration.in_context_campaign import InContextCampaign, ModelRun
    from energy_lint.calibration.measurements import read_rows
    from energy_lint.calibration.power_model import PowerModel

    workdir = Path(tempfile.mkdtemp(prefix="in-context-bench-"))
    try:
        sampled = architectures.generate(REPO / "calibration" / "architectures", count, seed=0)
        # The rows' energy is not read here: a power model stands in for the one a CSV measures
        # once (10 s CodeCarbon windows), so that only the per-model work is timed.
        PowerModel(watts=1.0, idle_w=0.0, per_core_w=0.0, execution_path="benchmark").save(
            workdir / "power-model.json"
        )
        campaign = InContextCampaign(
            [ModelRun(s.path, s.batch_size) for s in sampled], workdir / "measurements.csv", budget_s=budget_s
        )
        start = time.perf_counter()
        result = campaign.run()
        seconds = time.perf_counter() - start
        rows = [r for r in read_rows([workdir / "measurements.csv"]) if r["layer_class"] != "Model"]
        return len(rows), seconds, result.measured
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def report(results: list[dict], rows: int, seconds: float, models: int, command: str, threads: str) -> str:
    info = machine()
    lines = ["## Layers measured in context (benchmarks/in_context.py)", "", *machine_lines(info)]
    lines += [f"- Command: `{command}`", f"- TensorFlow threads: {threads}", ""]
    table = []
    for item in results:
        p = item["profile"]
        table.append(
            [
                f"{item['name']} x{item['batch']}",
                f"{p.whole_s * 1e3:.1f}",
                f"{p.whole_spread:.1%}",
                f"{sum(p.layer_s.values()) * 1e3:.1f}",
                f"{p.raw_gap:+.1%}",
                f"{p.overhead_s * 1e3:.2f}",
                f"{p.profiled_pass_s * 1e3:.1f}",
                f"{p.profiler_overhead:+.1%}",
                f"{p.layers_total_s * 1e3:.1f}",
                f"{p.gap:+.1%}",
                f"{(p.layers_total_s + item['floor'] - p.whole_s) / p.whole_s:+.1%}",
                f"{p.passes}",
            ]
        )
    lines.append(
        "Whole = median time per pass without the profiler (perf_counter around back-to-back "
        "passes of a tf.function, XLA off; repeats of at least 1 s). Raw layers = the sum over "
        "layers of each layer's median self time per profiled pass (ops under its name scope). "
        "Profiled pass = median wall time of a pass under the profiler. Rows = what the CSV "
        "gets: the raw times, unscaled (a layer's time is its ops' self time plus the "
        "executor's idle time before each of them). The rest of the whole is the call into the "
        f"tf.function that no layer owns: a model with one Identity layer takes "
        f"{results[0]['floor'] * 1e3:.2f} ms per pass here ('Rows + call gap' adds it)."
    )
    lines.append("")
    lines.append(
        markdown_table(
            [
                "Model",
                "Whole (ms)",
                "Whole spread",
                "Raw layers (ms)",
                "Raw gap",
                "Ops outside layers (ms)",
                "Profiled pass (ms)",
                "Profiler slow-down",
                "Rows sum (ms)",
                "Rows gap",
                "Rows + call gap",
                "Passes",
            ],
            table,
            right=range(1, 12),
        )
    )
    spreads = [item["profile"].whole_spread for item in results]
    lines += ["", f"Median whole-model repeat spread: {statistics.median(spreads):.1%} (target <= 3%)."]
    gaps = [abs(item["profile"].gap) for item in results]
    with_call = [
        abs(item["profile"].layers_total_s + item["floor"] - item["profile"].whole_s) for item in results
    ]
    with_call = [gap / item["profile"].whole_s for gap, item in zip(with_call, results, strict=True)]
    lines.append(
        f"Largest |rows gap|: {max(gaps):.1%}; with the call into the function: {max(with_call):.1%} "
        "(target: within 5%)."
    )
    rate = rows / seconds * 3600 if seconds else 0.0
    lines.append(
        f"Calibration throughput: {rows} layer rows from {models} sampled architectures in "
        f"{seconds:.0f} s = {rate:,.0f} layer rows per hour (target >= 10,000 on 2 cores; "
        "model building, tracing, warm-up, whole-model timing and profiling included, the "
        "one-off power model not)."
    )
    for item in results:
        p = item["profile"]
        total = sum(p.layer_s.values()) or 1.0
        predicted = item["predicted"]
        predicted_total = sum(predicted.values()) or 1.0
        top = sorted(p.layer_s.items(), key=lambda kv: -kv[1])[:10]
        lines += ["", f"### {item['name']} x{item['batch']}: top-10 layers by in-context share", ""]
        lines.append(
            markdown_table(
                ["Layer", "In-context share", "check's share (default profile)"],
                [
                    [name, f"{s / total:.1%}", f"{predicted.get(name, 0.0) / predicted_total:.1%}"]
                    for name, s in top
                ],
                right=(1, 2),
            )
        )
    return "\n".join(lines) + "\n"


def summarise_csv(path: Path) -> str:
    """A campaign's in-context rows: how many, from which families, how fast they came, and how
    far each model's layer rows are from its Model row."""
    import datetime
    from collections import defaultdict

    from energy_lint.calibration.in_context_campaign import model_family
    from energy_lint.calibration.measurements import IN_MODEL, read_rows

    rows = [r for r in read_rows([path]) if r.get("context") == IN_MODEL]
    layers: dict[tuple[str, str], float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    wholes, spreads = {}, []
    for row in rows:
        key = (row["model"], row["batch_size"])
        if row["layer_class"] == "Model":
            wholes[key] = float(row["duration_s"])
            spreads.append(float(row["energy_spread"]))
        else:
            layers[key] += float(row["duration_s"])
            counts[model_family(row["model"])] += 1
    gaps = sorted(abs(layers[k] - w) / w for k, w in wholes.items() if w)
    large = sorted(abs(layers[k] - w) / w for k, w in wholes.items() if w >= 0.02)
    zero = sum(1 for r in rows if r["layer_class"] != "Model" and float(r["duration_s"]) == 0.0)
    times = sorted(datetime.datetime.fromisoformat(r["measured_at"]) for r in rows)
    hours = (times[-1] - times[0]).total_seconds() / 3600 if len(times) > 1 else 0.0
    layer_rows = sum(counts.values())
    lines = [
        f"{path}: {layer_rows} in-context layer rows and {len(wholes)} model rows",
        f"  families (layer rows): {dict(sorted(counts.items()))}",
        f"  rows per hour (first to last row): {layer_rows / hours:,.0f}" if hours else "",
        f"  |sum of layer rows - whole| / whole: median {statistics.median(gaps):.1%}, "
        f"90th percentile {gaps[int(0.9 * (len(gaps) - 1))]:.1%}, within 5%: "
        f"{sum(g <= 0.05 for g in gaps)}/{len(gaps)}"
        if gaps
        else "",
        f"  the same for models of at least 20 ms a pass: median {statistics.median(large):.1%}, "
        f"within 5%: {sum(g <= 0.05 for g in large)}/{len(large)}"
        if large
        else "",
        f"  layer rows with no time in context (no ops, or fused into another layer): {zero}",
        f"  whole-model repeat spread: median {statistics.median(spreads):.1%}, "
        f"within 3%: {sum(s <= 0.03 for s in spreads)}/{len(spreads)}"
        if spreads
        else "",
    ]
    return "\n".join(line for line in lines if line)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="Write the section into RESULTS.md.")
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--throughput-budget", type=float, default=120.0)
    parser.add_argument("--throughput-models", type=int, default=60)
    parser.add_argument("--csv", type=Path, help="Only summarise the in-context rows of this CSV.")
    args = parser.parse_args()
    if args.csv:
        print(summarise_csv(args.csv))
        return
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from energy_lint.calibration import in_context, keras_backend

    keras_backend.select_device("cpu")
    threads = in_context.set_threads().describe()
    results = profile_models(args.repeats)
    rows, seconds, models = throughput(args.throughput_budget, args.throughput_models)
    command = "PYTHONPATH=$PWD .venv-test/bin/python benchmarks/in_context.py"
    command += " --write" if args.write else ""
    text = report(results, rows, seconds, models, command, threads)
    print(text)
    if args.write:
        print(f"written to {write_section('in_context', text)}")


if __name__ == "__main__":
    main()
