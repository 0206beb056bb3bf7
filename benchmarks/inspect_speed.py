"""How fast and how light is `energy-lint inspect` on a real ResNet50 file, next to Keras itself?

    /work/main/.venv/bin/python benchmarks/inspect_speed.py            # print the tables
    /work/main/.venv/bin/python benchmarks/inspect_speed.py --write    # and update RESULTS.md

Needs Keras (the `.venv-test` of ./scripts/test, or pip install '.[test]') only to create the
model files once, in a child process, and for the `keras.models.load_model` comparison. Every
timed energy-lint run is a fresh `energy-lint inspect` process: the wall time is from spawning it
to reaping it, and its peak RSS is its own ru_maxrss (os.wait4). Runs are interleaved round-robin
across the cases so that load from other processes on the machine spreads over all of them; the
first round warms the page cache and is discarded.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from _common import (
    REPO,
    Run,
    energy_lint_command,
    machine,
    machine_lines,
    markdown_table,
    measure,
    quiet_env,
    summarise,
    write_section,
)

TARGET_WALL_S = 0.3
TARGET_RSS_MIB = 80.0
FORBIDDEN = ("tensorflow", "keras", "tf_keras", "sklearn", "xgboost", "catboost", "codecarbon", "pandas")
"""The heavy packages the inspect path must never import (pyproject.toml's comment, plus tf_keras)."""

_BUILD = """
import os, sys
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import keras
model = keras.applications.ResNet50(weights=None)
model.save(sys.argv[1])
model.save(sys.argv[2])
print(keras.__version__)
"""


def default_cache() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "energy-lint-benchmarks"


def build_models(cache: Path, rebuild: bool) -> tuple[Path, Path, str]:
    """ResNet50 (weights=None: random weights, so the files have their real size) as .keras and
    .h5, built once by a child process that imports Keras; reused from the cache afterwards."""
    keras_path, h5_path, stamp = cache / "resnet50.keras", cache / "resnet50.h5", cache / "resnet50.version"
    if rebuild or not (keras_path.exists() and h5_path.exists() and stamp.exists()):
        cache.mkdir(parents=True, exist_ok=True)
        print(f"building ResNet50 files in {cache} (imports keras, about a minute) ...", flush=True)
        done = subprocess.run(
            [sys.executable, "-c", _BUILD, str(keras_path), str(h5_path)],
            capture_output=True,
            text=True,
            env=quiet_env(),
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"could not build the model files (is keras installed?):\n{done.stderr[-3000:]}")
        stamp.write_text(done.stdout.strip().splitlines()[-1] + "\n")
    return keras_path, h5_path, stamp.read_text().strip()


def fill_directory(directory: Path, keras_path: Path, count: int) -> dict[str, int]:
    """`count` model files: copies of examples/*.json and of the .keras, taken in turn."""
    sources = [*sorted((REPO / "examples").glob("*.json")), keras_path]
    kinds: dict[str, int] = {}
    for i in range(count):
        source = sources[i % len(sources)]
        shutil.copyfile(source, directory / f"m{i:03d}_{source.name}")
        kinds[source.suffix] = kinds.get(source.suffix, 0) + 1
    return kinds


def check_output(command: list[str]) -> dict:
    """One untimed run whose JSON output is parsed, so that the timed runs are known to work."""
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"{' '.join(command)} exited {done.returncode}:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


# -- import check ------------------------------------------------------------------------------

_IMPORTTIME = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)")

_MODULES_CHILD = """
import json, runpy, sys
out = sys.argv[1]
sys.argv = ["energy-lint", *sys.argv[2:]]
try:
    runpy.run_module("energy_lint", run_name="__main__", alter_sys=True)
except SystemExit:
    pass
finally:
    with open(out, "w") as handle:
        json.dump(sorted(sys.modules), handle)
"""


def importtime(args: list[str]) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, nesting depth, module) for each import of one run."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "energy_lint", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        check=False,
    )
    rows = []
    for line in done.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match:
            own, cumulative, indent, name = match.groups()
            rows.append((int(own), int(cumulative), len(indent) // 2, name))
    return rows


def modules_after(args: list[str]) -> list[str]:
    """sys.modules at exit of a child that ran `energy-lint ARGS` in-process."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        out = handle.name
    try:
        subprocess.run(
            [sys.executable, "-c", _MODULES_CHILD, out, *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd=REPO,
            check=False,
        )
        return json.loads(Path(out).read_text())
    finally:
        os.unlink(out)


def forbidden_in(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules if m.split(".")[0] in FORBIDDEN})


def slowest_imports(args: list[str], repeats: int) -> tuple[list[tuple[str, float]], list[tuple[str, float]]]:
    """Median over `repeats` runs: the 10 imports with the largest cumulative time (a module and
    everything it imported; nested ones included) and the 10 with the largest self time, in ms."""
    cumulative: dict[str, list[int]] = {}
    own: dict[str, list[int]] = {}
    for _ in range(repeats):
        for self_us, cumulative_us, _depth, name in importtime(args):
            own.setdefault(name, []).append(self_us)
            cumulative.setdefault(name, []).append(cumulative_us)

    def top(table: dict[str, list[int]]) -> list[tuple[str, float]]:
        medians = {name: statistics.median(values) / 1000 for name, values in table.items()}
        return sorted(medians.items(), key=lambda item: -item[1])[:10]

    return top(cumulative), top(own)


# -- main --------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="measured runs per case (after 1 warm-up)")
    parser.add_argument("--keras-runs", type=int, default=3, help="measured keras load_model runs")
    parser.add_argument("--files", type=int, default=100, help="model files in the one-call case")
    parser.add_argument("--cache-dir", type=Path, default=default_cache(), help="where the .keras/.h5 live")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the model files")
    parser.add_argument("--skip-keras", action="store_true", help="leave out the keras load_model runs")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()

    info = machine()
    cli = energy_lint_command()
    keras_path, h5_path, keras_version = build_models(options.cache_dir, options.rebuild)
    keras_mib = keras_path.stat().st_size / 2**20
    h5_mib = h5_path.stat().st_size / 2**20

    many = Path(tempfile.mkdtemp(prefix="many-", dir=options.cache_dir))
    try:
        kinds = fill_directory(many, keras_path, options.files)
        cases = [
            ("python -c pass (interpreter start-up, for scale)", [sys.executable, "-c", "pass"], False),
            ("energy-lint --version (CLI start-up, no file read)", [*cli, "--version"], False),
            (
                "inspect resnet50.keras --format json",
                [*cli, "inspect", str(keras_path), "--format", "json"],
                True,
            ),
            (
                "inspect resnet50.keras --format text",
                [*cli, "inspect", str(keras_path), "--format", "text"],
                True,
            ),
            ("inspect resnet50.h5 --format json", [*cli, "inspect", str(h5_path), "--format", "json"], True),
            ("inspect resnet50.h5 --format text", [*cli, "inspect", str(h5_path), "--format", "text"], True),
            (
                f"inspect DIR --format json ({options.files} files in one call)",
                [*cli, "inspect", str(many), "--format", "json"],
                False,
            ),
            (
                f"inspect DIR --format text ({options.files} files in one call)",
                [*cli, "inspect", str(many), "--format", "text"],
                False,
            ),
        ]

        checks = {
            ".keras": check_output([*cli, "inspect", str(keras_path), "--format", "json"]),
            ".h5": check_output([*cli, "inspect", str(h5_path), "--format", "json"]),
            "dir": check_output([*cli, "inspect", str(many), "--format", "json"]),
        }

        runs: dict[str, list[Run]] = {label: [] for label, _, _ in cases}
        for round_number in range(options.runs + 1):
            print(f"\rround {round_number}/{options.runs} (0 = warm-up)", end="", flush=True)
            for label, command, _ in cases:
                run = measure(command)
                if run.returncode != 0:
                    sys.exit(f"\n{label}: exited {run.returncode}")
                if round_number:
                    runs[label].append(run)
        print()

        keras_runs: list[Run] = []
        keras_label = "python -c \"import keras; keras.models.load_model('resnet50.keras')\""
        if not options.skip_keras:
            load = f"import keras; keras.models.load_model({str(keras_path)!r})"
            for i in range(options.keras_runs + 1):
                print(f"\rkeras load_model {i}/{options.keras_runs} (0 = warm-up)", end="", flush=True)
                run = measure([sys.executable, "-c", load], env=quiet_env())
                if run.returncode != 0:
                    sys.exit(f"\nkeras load_model exited {run.returncode}")
                if i:
                    keras_runs.append(run)
            print()
    finally:
        shutil.rmtree(many, ignore_errors=True)

    # -- import check -----------------------------------------------------------------------
    import_cases = [
        ("inspect resnet50.keras --format json", ["inspect", str(keras_path), "--format", "json"]),
        ("inspect resnet50.keras --format text", ["inspect", str(keras_path), "--format", "text"]),
        ("inspect resnet50.h5 --format json", ["inspect", str(h5_path), "--format", "json"]),
    ]
    import_rows = []
    import_failed = False
    for label, args in import_cases:
        by_importtime = sorted({name for _, _, _, name in importtime(args)})
        in_modules = modules_after(args)
        bad = sorted(set(forbidden_in(by_importtime)) | set(forbidden_in(in_modules)))
        import_failed |= bool(bad)
        import_rows.append(
            [f"`{label}`", len(in_modules), ", ".join(bad) if bad else "none", "FAIL" if bad else "pass"]
        )
    slow_cumulative, slow_self = slowest_imports(import_cases[0][1], repeats=5)
    info["load_end"] = ", ".join(f"{x:.2f}" for x in os.getloadavg())

    # -- report -----------------------------------------------------------------------------
    rows = []
    misses = []
    for label, _, targeted in cases:
        s = summarise(runs[label])
        met = ""
        if targeted:
            ok = s.wall_median < TARGET_WALL_S and s.rss_median < TARGET_RSS_MIB
            met = "yes" if ok else "**no**"
            if not ok:
                misses.append(label)
        extra = ""
        if label.startswith("inspect DIR"):
            extra = f" ({s.wall_median / options.files * 1000:.1f} ms/file)"
        rows.append(
            [
                f"`{label}`",
                s.runs,
                f"{s.wall_median:.3f}{extra}",
                f"{s.wall_min:.3f}",
                f"{s.wall_max:.3f}",
                f"{s.rss_median:.1f}",
                f"{s.rss_max:.1f}",
                met or "n/a",
            ]
        )
    if keras_runs:
        k = summarise(keras_runs)
        rows.append(
            [
                f"`{keras_label}`",
                k.runs,
                f"{k.wall_median:.3f}",
                f"{k.wall_min:.3f}",
                f"{k.wall_max:.3f}",
                f"{k.rss_median:.1f}",
                f"{k.rss_max:.1f}",
                "n/a",
            ]
        )
    table = markdown_table(
        [
            "Case",
            "Runs",
            "Wall median (s)",
            "Wall min (s)",
            "Wall max (s)",
            "Peak RSS median (MiB)",
            "Peak RSS max (MiB)",
            f"Target < {TARGET_WALL_S} s and < {TARGET_RSS_MIB:.0f} MiB met?",
        ],
        rows,
        right=(1, 2, 3, 4, 5, 6),
    )

    floor = max(r.floor_mib for rs in [*runs.values(), keras_runs] for r in rs)
    model = checks[".keras"]["models"][0]
    h5_model = checks[".h5"]["models"][0]
    directory = checks["dir"]
    main_case = summarise(runs["inspect resnet50.keras --format json"])
    lines = [
        "## `energy-lint inspect` speed and memory (benchmarks/inspect_speed.py)",
        "",
        *machine_lines(info),
        f"- Load average when the script ended: {info['load_end']}. The machine is shared with another"
        " engineer's test runs, so single runs are noisy: read the medians.",
        f"- Command: `{sys.executable} benchmarks/inspect_speed.py --write`"
        f" (--runs {options.runs}, --keras-runs {options.keras_runs}, --files {options.files})",
        f"- Model: keras.applications.ResNet50(weights=None) saved by Keras {keras_version}:"
        f" resnet50.keras {keras_mib:.1f} MiB, resnet50.h5 {h5_mib:.1f} MiB, in {options.cache_dir}.",
        f"- energy-lint read both as {model['params']:,} params / {model['macs']:,} MACs"
        f" (.h5: {h5_model['params']:,} / {h5_model['macs']:,}), {len(model['layers'])} layer calls.",
        f"- The {options.files}-file directory holds copies of examples/*.json and resnet50.keras taken"
        f" in turn ({', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))}); energy-lint reported"
        f" {len(directory['models'])} models and {len(directory['errors'])} errors.",
        "",
        f"Each energy-lint case: {options.runs + 1} fresh processes, interleaved round-robin with the"
        f" other cases; the first round (page-cache warm-up) is discarded, so the statistics are over"
        f" {options.runs} runs. Keras: {options.keras_runs + 1} runs, the first discarded. Wall time"
        " runs from spawn to reaping the process; peak RSS is the process's own ru_maxrss (os.wait4)."
        " Each process is spawned by a small launcher (`python -S`) rather than by the benchmark"
        " process, because Linux carries the spawning process's peak RSS into the child's ru_maxrss;"
        f" the launcher's own peak, {floor:.1f} MiB, is thus the floor of every RSS figure here."
        " Output goes to /dev/null (text output therefore renders at rich's 200-column piped width).",
        "",
        table,
        "",
    ]
    if keras_runs:
        k = summarise(keras_runs)
        lines += [
            f"`inspect resnet50.keras --format json` is {k.wall_median / main_case.wall_median:.0f}x faster"
            f" than loading the model with Keras and uses {k.rss_median / main_case.rss_median:.0f}x less"
            " peak memory (medians).",
            "",
        ]
    if misses:
        lines += ["**Targets missed:** " + "; ".join(f"`{m}`" for m in misses) + ".", ""]
    else:
        lines += [
            f"Every single-file case met the target (median wall < {TARGET_WALL_S} s and median peak RSS"
            f" < {TARGET_RSS_MIB:.0f} MiB).",
            "",
        ]
    lines += [
        "### Import check",
        "",
        "Modules imported by the inspect path, from `python -X importtime -m energy_lint ...` and from"
        " sys.modules at exit of a child running the CLI in-process; forbidden packages: "
        + ", ".join(FORBIDDEN)
        + ".",
        "",
        markdown_table(
            ["Command", "Modules loaded", "Forbidden packages imported", "Result"], import_rows, (1,)
        ),
        "",
        "The 10 slowest imports of `python -X importtime -m energy_lint inspect resnet50.keras --format json`"
        " (median of 5 runs; -X importtime itself adds overhead):",
        "",
        markdown_table(
            ["Import (with what it imports)", "Cumulative (ms)", "Module (alone)", "Self (ms)"],
            [
                [f"`{a}`", f"{at:.1f}", f"`{b}`", f"{bt:.1f}"]
                for (a, at), (b, bt) in zip(slow_cumulative, slow_self)
            ],
            (1, 3),
        ),
        "",
    ]
    report = "\n".join(lines)
    print(report)
    if options.write:
        print(f"wrote {write_section('inspect_speed', report)}")
    if import_failed:
        print("import check FAILED: a forbidden package was imported", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
