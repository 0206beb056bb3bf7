"""Record the GPU a calibration runs on, as JSON: name, driver, power limit, clocks, and how
often its NVML total-energy counter updates under load (the resolution of every measurement).
Only reads state; it changes no setting of the card.

    KERAS_BACKEND=torch python3 scripts/gpu/device_info.py > device.json
"""

from __future__ import annotations

import contextlib
import itertools
import json
import statistics
import sys
import time

import pynvml


def _clocks(handle) -> dict[str, int]:
    names = {
        "sm": pynvml.NVML_CLOCK_SM,
        "memory": pynvml.NVML_CLOCK_MEM,
        "graphics": pynvml.NVML_CLOCK_GRAPHICS,
    }
    clocks = {}
    for name, kind in names.items():
        clocks[f"{name}_mhz"] = pynvml.nvmlDeviceGetClockInfo(handle, kind)
        clocks[f"{name}_max_mhz"] = pynvml.nvmlDeviceGetMaxClockInfo(handle, kind)
    return clocks


def _counter_updates(handle, seconds: float) -> dict[str, float]:
    """Poll the energy counter while the GPU is busy: the median time between changes."""
    import torch

    a = torch.randn(8192, 8192, device="cuda")
    for _ in range(60):  # queue about two seconds of matrix products
        a = a @ a
        a = a / a.norm()
    changes, last = [], pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    stop = time.perf_counter() + seconds
    start_energy, start = last, time.perf_counter()
    while time.perf_counter() < stop:
        value = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        if value != last:
            changes.append(time.perf_counter())
            last = value
    busy_w = (last - start_energy) / 1000 / (time.perf_counter() - start)
    busy_clocks = _clocks(handle)
    torch.cuda.synchronize()
    gaps = [b - a for a, b in itertools.pairwise(changes)]
    return {
        "counter_update_median_ms": 1000 * statistics.median(gaps) if gaps else float("nan"),
        "counter_updates_seen": len(changes),
        "busy_power_w": busy_w,
        "busy_clocks": busy_clocks,
    }


def main() -> None:
    pynvml.nvmlInit()
    handle = pynvml.nvmlDeviceGetHandleByIndex(0)
    idle_start = pynvml.nvmlDeviceGetTotalEnergyConsumption(handle)
    time.sleep(2.0)
    idle_w = (pynvml.nvmlDeviceGetTotalEnergyConsumption(handle) - idle_start) / 2000
    info = {
        "name": pynvml.nvmlDeviceGetName(handle),
        "driver": pynvml.nvmlSystemGetDriverVersion(),
        "power_limit_w": pynvml.nvmlDeviceGetPowerManagementLimit(handle) / 1000,
        "default_power_limit_w": pynvml.nvmlDeviceGetPowerManagementDefaultLimit(handle) / 1000,
        "memory_total_mib": pynvml.nvmlDeviceGetMemoryInfo(handle).total >> 20,
        "idle_clocks": _clocks(handle),
        "idle_power_w_nvml_counter": idle_w,
        "temperature_c": pynvml.nvmlDeviceGetTemperature(handle, pynvml.NVML_TEMPERATURE_GPU),
    }
    with contextlib.suppress(pynvml.NVMLError):
        info["persistence_mode"] = pynvml.nvmlDeviceGetPersistenceMode(handle)
    info.update(_counter_updates(handle, 1.5))
    import keras
    import torch

    info["software"] = {
        "python": sys.version.split()[0],
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "cudnn": torch.backends.cudnn.version(),
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "keras_floatx": keras.config.floatx(),
        "tf32_matmul": torch.backends.cuda.matmul.allow_tf32,
        "tf32_cudnn": torch.backends.cudnn.allow_tf32,
        "float32_matmul_precision": torch.get_float32_matmul_precision(),
    }
    import codecarbon

    info["software"]["codecarbon"] = codecarbon.__version__
    json.dump(info, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
