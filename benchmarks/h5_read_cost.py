"""What reading an .h5 file's model_config in a killable forked child (graph/killable.py) costs
against reading it in-process, on the ResNet50 .h5 of inspect_speed.py's cache:

    .venv-test/bin/python benchmarks/h5_read_cost.py [--runs 15]

Both ways are timed in one process, interleaved, so that load from other processes spreads over
both; prints the medians. The cold start of the whole check is check_speed.py's job."""

from __future__ import annotations

import argparse
import statistics
import time

from inspect_speed import build_models, default_cache

from energy_lint.graph import files, killable


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    options = parser.parse_args()
    _, h5_path, _ = build_models(default_cache(), rebuild=False)
    files.read_raw_model(h5_path)  # page cache and imports warm

    def in_process(read, path, what, timeout_s=None):  # type: ignore[no-untyped-def]
        return read()

    forked, direct = [], []
    for _ in range(options.runs):
        files.read_killable = killable.read_killable
        start = time.perf_counter()
        files.read_raw_model(h5_path)
        forked.append(time.perf_counter() - start)
        files.read_killable = in_process
        start = time.perf_counter()
        files.read_raw_model(h5_path)
        direct.append(time.perf_counter() - start)
    files.read_killable = killable.read_killable
    print(f"read_raw_model({h5_path.name}), {options.runs} runs each, medians:")
    print(f"  forked child: {statistics.median(forked) * 1000:.1f} ms")
    print(f"  in-process:   {statistics.median(direct) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
