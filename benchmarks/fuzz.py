"""Mutation benchmark: how does `energy-lint inspect` and `check` take damaged model files?

    .venv-test/bin/python benchmarks/fuzz.py --mutations 1000            # print the counts
    .venv-test/bin/python benchmarks/fuzz.py --mutations 1000 --write    # and update RESULTS.md

Real small models (tests/tiny_models.py: mlp, convnet, zoo, saved by Keras 3 as .keras, .h5 and
.json and by tf.keras 2 as .h5 and .json) are built once by a child process that imports Keras.
Mutation i damages base file i mod 15 with seed i (tests/mutations.py: most damage the config,
the rest the bytes), so a run is reproducible and `--show SEED` rewrites one mutant to look at.

Each mutant is given to `inspect --format json MUTANT GOOD` and `check --format json MUTANT
GOOD`, GOOD being an undamaged model named after it, each run in a forked child (the CLI called
in-process, after the parent imported it) with an address-space limit (--memory-mib above the
parent's) and an alarm (--timeout-s). Counted per run: a traceback, a hang (the alarm killed it),
a memory blow-up (MemoryError, or killed), stderr that is not one `error: PATH: problem` line per
problem (a stray warning), an exit code outside {0, 1, 2}, stdout that is not one JSON document,
a mutant that is neither a model nor an error, and a wrong refusal: the undamaged GOOD file not
reported, or an undamaged base file refused in the control run before the mutants.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # no thread pools to fork with
from _common import REPO, machine, machine_lines, markdown_table, quiet_env, write_section

sys.path.insert(0, str(REPO))
from tests import mutations

_BUILD = r"""
import sys
from pathlib import Path
from tests import tiny_models as t
directory = Path(sys.argv[1])
flavours = (("keras3", t.keras3(), t.KERAS3_FORMATS), ("keras2", t.tf_keras(), t.TF_KERAS_FORMATS))
for flavour, module, formats in flavours:
    for build in (t.mlp, t.convnet, t.zoo):
        t.save(build(module), directory, f"{build.__name__}-{flavour}", formats)
"""
_BUILD_ONNX = r"""
import sys
from pathlib import Path
from tests import tiny_onnx
tiny_onnx.export(Path(sys.argv[1]))
"""
KINDS = [
    "traceback",
    "hang",
    "memory",
    "stray stderr",
    "exit code",
    "broken JSON",
    "mutant unaccounted",
    "wrong refusal",
]


def build_bases(cache: Path, onnx: bool = False) -> list[Path]:
    """The undamaged base files, built once into the cache: Keras files saved by Keras 3 and
    tf.keras 2, or (onnx) small torch models exported by torch.onnx.export, fixed and dynamic batch."""
    directory = cache / ("fuzz-bases-onnx" if onnx else "fuzz-bases")
    if len(list(directory.glob("*.*"))) < (8 if onnx else 13):
        directory.mkdir(parents=True, exist_ok=True)
        print(
            f"building the base models in {directory} (imports {'torch' if onnx else 'keras'}) ...",
            flush=True,
        )
        done = subprocess.run(
            [sys.executable, "-c", _BUILD_ONNX if onnx else _BUILD, str(directory)],
            capture_output=True,
            text=True,
            env={**quiet_env(), "PYTHONPATH": str(REPO)},
            cwd=REPO,
            check=False,
        )
        if done.returncode != 0:
            sys.exit(f"could not build the base models:\n{done.stderr[-3000:]}")
    return sorted(p for p in directory.iterdir() if p.suffix in (".keras", ".h5", ".json", ".onnx"))


def _vm_bytes() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) * 1024


def run_child(args: list[str], workdir: Path, timeout_s: int, memory_bytes: int) -> dict:
    """The CLI called in a forked child; its exit, output and peak RSS."""
    from energy_lint.cli.app import cli

    out, err = workdir / "stdout", workdir / "stderr"
    pid = os.fork()
    if pid == 0:  # the child: never returns
        code = 98
        try:
            os.chdir(workdir)  # no configuration file applies
            for fd, path in ((1, out), (2, err)):
                handle = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
                os.dup2(handle, fd)
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
            signal.alarm(timeout_s)
            try:
                cli.main(args=args, prog_name="energy-lint", standalone_mode=True)
                code = 0
            except SystemExit as stop:
                code = stop.code if isinstance(stop.code, int) else 1
            except MemoryError:
                os.write(2, b"\nMemoryError (fuzz harness)\n")
                code = 97
            except BaseException:
                import traceback

                traceback.print_exc()
                code = 1
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
    _, status, usage = os.wait4(pid, 0)
    signalled = os.WIFSIGNALED(status)
    return {
        "signal": os.WTERMSIG(status) if signalled else None,
        "code": None if signalled else os.WEXITSTATUS(status),
        "stdout": out.read_text(errors="replace"),
        "stderr": err.read_text(errors="replace"),
        "max_rss_mib": usage.ru_maxrss / 1024,
    }


def _traceback_signature(stderr: str) -> str:
    lines = stderr.splitlines()
    start = max(i for i, line in enumerate(lines) if line.startswith("Traceback"))
    frames = [line.strip() for line in lines[start:] if line.strip().startswith('File "')]
    ours = [f for f in frames if "energy_lint" in f] or frames
    where = ours[-1].split("energy_lint/")[-1] if ours else "?"
    return f"{lines[-1][:120]} at {where}"


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def judge(result: dict, mutant: Path, good: Path, rss_limit_mib: float) -> list[tuple[str, str]]:
    """The failures of one run, each with a signature that groups the same bug."""
    found: list[tuple[str, str]] = []
    stderr = result["stderr"]
    if result["signal"] == signal.SIGALRM:
        return [("hang", "killed by the alarm")]
    if result["code"] == 97 or "MemoryError" in stderr or result["signal"] == signal.SIGKILL:
        return [("memory", "MemoryError or killed")]
    if result["max_rss_mib"] > rss_limit_mib:
        found.append(("memory", f"peak RSS {result['max_rss_mib']:.0f} MiB"))
    if result["signal"] is not None:
        return [*found, ("exit code", f"signal {result['signal']}")]
    if "Traceback (most recent call last)" in stderr:
        found.append(("traceback", _traceback_signature(stderr)))
    else:
        stray = [line for line in stderr.splitlines() if not line.startswith("error: ")]
        if stray:
            found.append(("stray stderr", stray[0][:120]))
    if result["code"] not in (0, 1, 2):
        found.append(("exit code", f"exit {result['code']}"))
    try:
        document = json.loads(result["stdout"], parse_constant=_not_json)
        models = {m["path"] for m in document["models"]}
        errors = {e["path"] for e in document["errors"]}
    except (ValueError, KeyError, TypeError):
        return [*found, ("broken JSON", "stdout is not the JSON document")]
    if mutant.name not in models | errors:
        found.append(("mutant unaccounted", "neither a model nor an error"))
    if good.name not in models:
        found.append(("wrong refusal", "the good file after the mutant not reported"))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mutations", type=int, default=1000, help="mutated files (each run twice)")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--timeout-s", type=int, default=20, help="alarm per run: a hang past it")
    parser.add_argument("--memory-mib", type=int, default=2048, help="address space over the parent's")
    parser.add_argument("--rss-limit-mib", type=float, default=1024.0, help="peak RSS counted a blow-up")
    parser.add_argument("--cache-dir", type=Path, default=Path.home() / ".cache" / "energy-lint-benchmarks")
    parser.add_argument("--show", type=int, metavar="SEED", help="write mutant SEED to ./ and stop")
    parser.add_argument("--tag", default="", help="suffix of the RESULTS.md section (e.g. before)")
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    parser.add_argument("--onnx", action="store_true", help="mutate torch-exported .onnx files instead")
    options = parser.parse_args()

    info = machine()
    paths = build_bases(options.cache_dir, options.onnx)
    bases = [mutations.load_base(p) for p in paths]
    if options.show is not None:
        base = bases[options.show % len(bases)]
        target = Path.cwd() / f"mutant-{options.show}.{base.format}"
        print(target, mutations.mutant(base, options.show, target))
        return 0
    import h5py  # noqa: F401
    import numpy  # noqa: F401

    import energy_lint.cli.app  # noqa: F401  (imported once, before the children fork)

    memory_bytes = _vm_bytes() + options.memory_mib * 2**20
    workdir = Path(tempfile.mkdtemp(prefix="energy-lint-fuzz-"))
    good = workdir / ("zz-good.onnx" if options.onnx else "zz-good.json")
    shutil.copyfile(next(p for p in paths if p.name in ("mlp-keras3.json", "mlp.onnx")), good)
    counts: dict[str, collections.Counter] = {c: collections.Counter() for c in ("inspect", "check")}
    signatures: dict[tuple[str, str], list[str]] = collections.defaultdict(list)
    started = time.monotonic()
    control_refused = 0
    for path in paths:  # the control: every undamaged base file reads
        copy = workdir / path.name
        shutil.copyfile(path, copy)
        for command in ("inspect", "check"):
            result = run_child(
                [command, "--format", "json", copy.name], workdir, options.timeout_s, memory_bytes
            )
            if result["code"] != 0 or result["stderr"]:
                control_refused += 1
                signatures[("wrong refusal", f"undamaged {path.name} refused by {command}")].append("control")
        copy.unlink()
    seeds = range(options.first_seed, options.first_seed + options.mutations)
    formats = collections.Counter()
    for seed in seeds:
        base = bases[seed % len(bases)]
        mutant = workdir / f"m{seed}.{base.format}"
        formats[base.format] += 1
        done = mutations.mutant(base, seed, mutant)
        for command in ("inspect", "check"):
            args = [command, "--format", "json", mutant.name, good.name]
            result = run_child(args, workdir, options.timeout_s, memory_bytes)
            for kind, signature in judge(result, mutant, good, options.rss_limit_mib):
                counts[command][kind] += 1
                signatures[(kind, signature)].append(f"{command} seed {seed} ({base.name}, {done:.80})")
        mutant.unlink()
        if (seed - options.first_seed + 1) % 100 == 0:
            print(f"{seed - options.first_seed + 1} mutants, {time.monotonic() - started:.0f} s", flush=True)
    elapsed = time.monotonic() - started
    shutil.rmtree(workdir, ignore_errors=True)

    rows = [[kind, counts["inspect"][kind], counts["check"][kind]] for kind in KINDS]
    table = markdown_table(["failure", "inspect runs", "check runs"], rows, right=(1, 2))
    distinct = sorted(signatures.items(), key=lambda item: (item[0][0], -len(item[1])))
    listed = [
        f"- {kind}: `{signature}` x{len(where)}, e.g. {where[0]}" for (kind, signature), where in distinct
    ]
    command = (
        f"{Path(sys.executable)} benchmarks/fuzz.py --mutations {options.mutations}"
        + (f" --first-seed {options.first_seed}" if options.first_seed else "")
        + (" --onnx" if options.onnx else "")
    )
    section = "fuzz" + ("-onnx" if options.onnx else "") + ("-" + options.tag if options.tag else "")
    by_format = ", ".join(f"{n} .{f}" for f, n in sorted(formats.items()))
    body = "\n".join(
        [
            f"## Mutation benchmark{' of ONNX files' if options.onnx else ''}"
            f"{f' ({options.tag})' if options.tag else ''} (benchmarks/fuzz.py)",
            "",
            *machine_lines(info),
            f"- Command: `{command}{' --tag ' + options.tag if options.tag else ''} --write`",
            f"- {options.mutations} mutants ({by_format}) of "
            f"{len(paths)} base files, each through inspect and check: {2 * options.mutations} runs in "
            f"{elapsed:.0f} s; alarm {options.timeout_s} s, address space +{options.memory_mib} MiB.",
            f"- Control: {control_refused} of {2 * len(paths)} runs on the undamaged base files refused.",
            f"- Distinct failures: {len(distinct)}.",
            "",
            table,
            "",
            *listed,
        ]
    )
    print(body)
    if options.write:
        print(f"wrote {write_section(section, body)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
