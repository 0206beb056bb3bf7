"""How fast is a cold `energy-lint check` of a 70B-parameter Llama config.json (issue 14: under
0.3 s)? Cases: Llama-2-70B and Llama-3-70B (their published config.json values, in
tests/graph/architectures/configs/) at the default workload (128 prompt + 128 generated tokens)
and at a long one (4096 + 1024: decode steps sampled at 128 contexts), with examples/resnet50.json
as the reference of a Keras model of today.

    .venv-test/bin/python benchmarks/transformer_speed.py            # print the table
    .venv-test/bin/python benchmarks/transformer_speed.py --write    # and update RESULTS.md

Each run is a fresh process (`python -m energy_lint check ... --format json`, this checkout
first on PYTHONPATH), timed from spawn to reap, peak RSS its own ru_maxrss; cases interleaved
round-robin, the first round (page cache warm-up) discarded. A scratch directory holds the
workload's energy-lint.toml, so that no configuration of this repository applies."""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import REPO, machine, machine_lines, markdown_table, measure, summarise, write_section

TARGET_WALL_S = 0.3
CONFIGS = REPO / "tests" / "graph" / "architectures" / "configs"
WORKLOADS = {"default": "", "long": "sequence-length = 4096\ngenerated-tokens = 1024\n"}
HEADER = ["case", "runs", "wall median s", "wall min-max s", "CPU median s", "peak RSS MiB"]


def cpu_seconds(command: list[str], env: dict[str, str], cwd: Path) -> float:
    """User + system CPU time of one fresh run: on a loaded machine (2 cores shared), the wall
    time grows with the load, the CPU time of a single-threaded run does not."""
    with open(os.devnull, "wb") as null:
        child = subprocess.Popen(command, stdout=null, stderr=null, env=env, cwd=cwd)
        _, _, usage = os.wait4(child.pid, 0)
    return usage.ru_utime + usage.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per case (after 1 warm-up)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()

    info = machine()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
    cli = [sys.executable, "-m", "energy_lint", "check", "--format", "json"]
    scratch = Path(tempfile.mkdtemp(prefix="transformer-speed-"))
    try:
        directories = {}
        for name, text in WORKLOADS.items():
            directories[name] = scratch / name
            directories[name].mkdir()
            (directories[name] / "energy-lint.toml").write_text(text or "# defaults\n")
        cases = [
            (f"check {model} ({workload})", [*cli, str(CONFIGS / model)], directories[workload])
            for model in ("llama-2-70b.json", "llama-3-70b.json")
            for workload in WORKLOADS
        ]
        cases.append(
            (
                "check examples/resnet50.json (reference)",
                [*cli, str(REPO / "examples" / "resnet50.json")],
                directories["default"],
            )
        )
        for label, command, cwd in cases:
            probe = subprocess.run(command, capture_output=True, text=True, cwd=cwd, env=env, check=False)
            if probe.returncode not in (0, 1) or '"energy_j"' not in probe.stdout:
                sys.exit(f"{label} failed ({probe.returncode}):\n{probe.stderr[-2000:]}")
            if "llama" in label and '"per_token_j"' not in probe.stdout:
                sys.exit(f"{label}: no per-token figures in the report")
        runs: dict[str, list] = {label: [] for label, _, _ in cases}
        cpu: dict[str, list[float]] = {label: [] for label, _, _ in cases}
        for round_number in range(options.runs + 1):
            print(f"\rround {round_number}/{options.runs} (0 = warm-up)", end="", flush=True, file=sys.stderr)
            for label, command, cwd in cases:
                run = measure(command, env=env, cwd=cwd)
                if run.returncode not in (0, 1):
                    sys.exit(f"\n{label}: exited {run.returncode}")
                if round_number:
                    runs[label].append(run)
                    cpu[label].append(cpu_seconds(command, env, cwd))
        print(file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    rows = []
    for label, _, _ in cases:
        s = summarise(runs[label])
        cpu_median = statistics.median(cpu[label])
        rows.append(
            [
                label,
                s.runs,
                f"{s.wall_median:.3f}",
                f"{s.wall_min:.3f}-{s.wall_max:.3f}",
                f"{cpu_median:.3f}",
                f"{s.rss_max:.1f}",
            ]
        )
    llama = [summarise(runs[label]) for label, _, _ in cases if "llama" in label]
    worst = max(s.wall_median for s in llama)
    worst_cpu = max(statistics.median(cpu[label]) for label, _, _ in cases if "llama" in label)
    verdict = (
        f"Slowest 70B case: {worst:.3f} s wall median (target {TARGET_WALL_S} s: "
        f"{'met' if worst < TARGET_WALL_S else 'MISSED'}), {worst_cpu:.3f} s of CPU; the reference "
        f"ResNet50 JSON: {statistics.median(cpu[cases[-1][0]]):.3f} s of CPU."
    )
    body = "\n".join([
        "## Speed: check of a 70B Llama config.json (benchmarks/transformer_speed.py)", "",
        *machine_lines(info),
        "- Files: Llama-2-70B and Llama-3-70B config.json (published values); default workload "
        "128 prompt + 128 generated tokens, long 4096 + 1024",
        "- Profile: the default bundled profile; grid: the world average",
        f"- Command: `python benchmarks/transformer_speed.py --runs {options.runs} --write`", "",
        markdown_table(HEADER, rows, right=[1, 2, 4, 5]),
        "", verdict,
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("transformer-speed", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
