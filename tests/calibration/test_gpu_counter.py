"""The GPU energy between counter steps: exact for steady power, whatever the step phase."""

import pytest

from energy_lint.calibration.gpu_counter import mean_power_w


def _steps(power_w: float, period_s: float, phase_s: float, until_s: float) -> list[tuple[float, int]]:
    """A counter that advances every `period_s` (first step at `phase_s`) under steady power."""
    steps, t = [], phase_s
    while t <= until_s:
        steps.append((t, round(power_w * t * 1000)))
        t += period_s
    return steps


@pytest.mark.parametrize("phase", [0.0, 0.013, 0.051, 0.099])
def test_steady_power_is_recovered_whatever_the_phase(phase: float) -> None:
    steps = _steps(300.0, 0.1, phase, 2.0)
    assert mean_power_w(steps, start=0.5, end=1.4) == pytest.approx(300.0, rel=1e-4)


def test_steps_before_settling_and_after_the_window_are_ignored() -> None:
    # 1 kW before the work starts and after it ends, 200 W inside it.
    steps = [(0.0, 0), (0.1, 100_000), (0.2, 120_000), (0.3, 140_000), (0.4, 160_000), (0.5, 260_000)]
    assert mean_power_w(steps, start=0.05, end=0.45, settle_s=0.1) == pytest.approx(200.0)


def test_too_short_a_window_has_no_answer() -> None:
    steps = _steps(300.0, 0.1, 0.0, 2.0)
    assert mean_power_w(steps, start=0.5, end=0.7) is None
    assert mean_power_w([], start=0.0, end=10.0) is None
