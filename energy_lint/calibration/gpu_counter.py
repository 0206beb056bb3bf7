"""The GPU's NVML total-energy counter, read between its updates.

The counter CodeCarbon reads for the GPU is exact in total but advances in steps: on an H100 it
changes once every 100 ms. CodeCarbon subtracts two readings taken at arbitrary moments, so a
one-second window is off by up to a fifth, and repeats of one configuration disagreed by 9%
(median; the first H100 campaign). A thread here notes the moment of each step; the energy
between two steps that both fall inside the busy window, over the time between them, is the
GPU's mean power during the work, free of the step size. Times the window's length, it is the
energy of the window."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence

SETTLE_S = 0.15
"""Steps this soon after the work starts may still hold energy from before it."""

POLL_S = 0.002


def mean_power_w(
    steps: Sequence[tuple[float, int]], start: float, end: float, settle_s: float = SETTLE_S
) -> float | None:
    """Mean power between the first and last counter steps inside [start + settle_s, end]:
    `steps` are (perf_counter seconds, counter millijoules) at each change. None when fewer
    than two steps fall inside, as in a window shorter than two update periods."""
    inside = [(t, mj) for t, mj in steps if start + settle_s <= t <= end]
    if len(inside) < 2 or inside[-1][0] <= inside[0][0]:
        return None
    (t0, e0), (t1, e1) = inside[0], inside[-1]
    return (e1 - e0) / 1000.0 / (t1 - t0)


class CounterWatch:
    """Notes every step of one GPU's energy counter while in a `with` block."""

    def __init__(self, nvml_index: int, poll_s: float = POLL_S) -> None:
        import pynvml

        pynvml.nvmlInit()
        self._read = pynvml.nvmlDeviceGetTotalEnergyConsumption
        self._handle = pynvml.nvmlDeviceGetHandleByIndex(nvml_index)
        self._poll_s = poll_s
        self.steps: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _watch(self) -> None:
        last = self._read(self._handle)
        while not self._stop.is_set():
            value = self._read(self._handle)
            if value != last:
                self.steps.append((time.perf_counter(), value))
                last = value
            time.sleep(self._poll_s)

    def __enter__(self) -> CounterWatch:
        self.steps = []
        self._stop.clear()
        self._thread = threading.Thread(target=self._watch, name="nvml-energy", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
