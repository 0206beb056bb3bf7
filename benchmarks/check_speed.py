"""How fast and how light is `energy-lint check` (read, estimate with the bundled profile, CO2e,
rules, report) on a real ResNet50 .keras file and on 100 model files in one call?

    .venv-test/bin/python benchmarks/check_speed.py            # print the table
    .venv-test/bin/python benchmarks/check_speed.py --write    # and update RESULTS.md

Targets (issue 5): one cold ResNet50 .keras under 0.4 s wall and 100 MiB; 100 files under 5 s.
Each run is a fresh process, timed from spawn to reap, its peak RSS its own ru_maxrss; cases are
interleaved round-robin and the first round (page cache warm-up) is discarded. The model files
come from inspect_speed.py's cache (built once by a child process that imports Keras). Runs in a
scratch directory, so that no configuration file of this repository applies.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    energy_lint_command,
    machine,
    machine_lines,
    markdown_table,
    measure,
    summarise,
    write_section,
)
from inspect_speed import build_models, default_cache, fill_directory

TARGET_WALL_S = 0.4
TARGET_RSS_MIB = 100.0
TARGET_MANY_S = 5.0
HEADER = ["case", "runs", "wall median s", "wall min-max s", "peak RSS MiB"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per case (after 1 warm-up)")
    parser.add_argument("--files", type=int, default=100, help="model files in the one-call case")
    parser.add_argument("--cache-dir", type=Path, default=default_cache(), help="where the .keras lives")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()

    info = machine()
    cli = energy_lint_command()
    keras_path, _, keras_version = build_models(options.cache_dir, rebuild=False)
    scratch = Path(tempfile.mkdtemp(prefix="check-", dir=options.cache_dir))
    try:
        many = scratch / "models"
        many.mkdir()
        kinds = fill_directory(many, keras_path, options.files)
        cases = [
            ("check resnet50.keras --format json", [*cli, "check", str(keras_path), "--format", "json"]),
            ("check resnet50.keras --format text", [*cli, "check", str(keras_path)]),
            (
                f"check DIR --format json ({options.files} files)",
                [*cli, "check", str(many), "--format", "json"],
            ),
            (f"check DIR --format text ({options.files} files)", [*cli, "check", str(many)]),
        ]
        probe = subprocess.run(cases[0][1], capture_output=True, text=True, cwd=scratch, check=False)
        if probe.returncode not in (0, 1) or '"energy_j"' not in probe.stdout:
            sys.exit(f"check failed ({probe.returncode}):\n{probe.stderr[-2000:]}")
        runs: dict[str, list] = {label: [] for label, _ in cases}
        for round_number in range(options.runs + 1):
            print(f"\rround {round_number}/{options.runs} (0 = warm-up)", end="", flush=True, file=sys.stderr)
            for label, command in cases:
                run = measure(command, cwd=scratch)
                if run.returncode not in (0, 1):
                    sys.exit(f"\n{label}: exited {run.returncode}")
                if round_number:
                    runs[label].append(run)
        print(file=sys.stderr)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    rows = []
    for label, _ in cases:
        s = summarise(runs[label])
        rows.append(
            [label, s.runs, f"{s.wall_median:.3f}", f"{s.wall_min:.3f}-{s.wall_max:.3f}", f"{s.rss_max:.1f}"]
        )
    single = summarise(runs[cases[0][0]])
    many_s = summarise(runs[cases[2][0]])
    verdict = (
        f"Cold check of one ResNet50 .keras: {single.wall_median:.3f} s median, "
        f"{single.rss_max:.1f} MiB peak "
        f"(targets {TARGET_WALL_S} s, {TARGET_RSS_MIB:.0f} MiB: "
        f"{'met' if single.wall_median < TARGET_WALL_S and single.rss_max < TARGET_RSS_MIB else 'MISSED'}); "
        f"{options.files} files in one call: {many_s.wall_median:.2f} s "
        f"(target {TARGET_MANY_S} s: {'met' if many_s.wall_median < TARGET_MANY_S else 'MISSED'})."
    )
    body = "\n".join([
        "## Speed: energy-lint check (benchmarks/check_speed.py)", "",
        *machine_lines(info),
        f"- Files: ResNet50 .keras written by Keras {keras_version}; {options.files} files: "
        + ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())),
        "- Profile: the default bundled profile; grid: the world average",
        f"- Command: `python benchmarks/check_speed.py --runs {options.runs} --write`", "",
        markdown_table(HEADER, rows, right=[1, 2, 4]),
        "", verdict,
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("check-speed", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
