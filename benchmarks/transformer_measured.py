"""Measured against predicted prefill energy and energy per generated token of small decoder
configurations on this CPU (issue 14).

Each configuration (2 to 8 layers; Llama, GPT-2 and Gemma shapes) is built with KerasHub on the
TensorFlow backend from its arguments (random weights) and timed on the execution path of the
default profile's rows: the model called inside a tf.function, XLA off, batch 1.

- prefill: the CausalLM over the prompt (logits for every prompt token): median of repeats;
- per token: one `call_with_cache` step (one new token, the key/value cache in place), timed at
  five positions spread over the generated tokens: the mean of the medians. KerasHub's cache is
  a fixed buffer of prompt + generated positions and its attention reads the whole buffer,
  masked: a step costs about the same at every position, where energy-lint prices attention
  over the context actually filled. Both are said in the table.

Energy = measured time x the machine's power model (`--power-model`, CodeCarbon's estimate: CPU
load x TDP plus a RAM constant; no RAPL on this machine), the model the profile's own rows were
converted with: an estimate, not a measurement. Predicted: `check`'s own figures for the same
model saved as a KerasHub .keras file (the default profile, or `--profile`), with the workload's
sequence length and generated tokens.

    PYTHONPATH=. .venv-test/bin/python benchmarks/transformer_measured.py [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from _common import REPO, machine, machine_lines, markdown_table, write_section

sys.path.insert(0, str(REPO))

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.generation import Workload, estimate_generation
from energy_lint.estimation.profile import default_profile, find_profile, load_profile
from energy_lint.graph import read_model
from energy_lint.graph.architectures import resized
from energy_lint.units import format_energy

POWER_MODEL = Path("calibration") / "cpu-xeon-2core-tf-ctx2" / "power-model.json"
"""The power model the default profile's rows were converted with."""
WORKLOAD = Workload(sequence_length=128, generated_tokens=64)
VOCABULARY = 8000
CONFIGS: dict[str, tuple[str, dict]] = {
    "llama 2 layers, hidden 256": ("Llama", {"num_layers": 2, "hidden_dim": 256, "intermediate_dim": 768,
                                             "num_query_heads": 4, "num_key_value_heads": 2}),
    "llama 4 layers, hidden 512": ("Llama", {"num_layers": 4, "hidden_dim": 512, "intermediate_dim": 1536,
                                             "num_query_heads": 8, "num_key_value_heads": 2}),
    "llama 8 layers, hidden 512": ("Llama", {"num_layers": 8, "hidden_dim": 512, "intermediate_dim": 1536,
                                             "num_query_heads": 8, "num_key_value_heads": 8}),
    "gpt2 4 layers, hidden 384": ("GPT2", {"num_layers": 4, "hidden_dim": 384, "intermediate_dim": 1536,
                                           "num_heads": 6, "max_sequence_length": 256}),
    "gemma 2 layers, hidden 512": ("Gemma", {"num_layers": 2, "hidden_dim": 512, "intermediate_dim": 2048,
                                             "num_query_heads": 4, "num_key_value_heads": 1,
                                             "head_dim": 128}),
}  # fmt: skip


def median_seconds(call: Callable[[], object], repeats: int, min_seconds: float = 0.3) -> float:
    """Median wall time of `call` over at least `repeats` calls and `min_seconds`, after two
    warm-up calls (the first traces the tf.function)."""
    call()
    call()
    times: list[float] = []
    started = time.perf_counter()
    while len(times) < repeats or time.perf_counter() - started < min_seconds:
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def build(kind: str, arguments: dict):
    import keras_hub

    backbone = getattr(keras_hub.models, f"{kind}Backbone")(vocabulary_size=VOCABULARY, **arguments)
    return getattr(keras_hub.models, f"{kind}CausalLM")(backbone=backbone, preprocessor=None)


def measure(lm, prompt: int, generated: int, repeats: int) -> tuple[float, float]:
    """(prefill seconds, mean seconds per decode step) of a KerasHub CausalLM, batch 1."""
    import tensorflow as tf

    ids = tf.zeros((1, prompt), tf.int32)
    mask = tf.ones((1, prompt), tf.bool)
    prefill = tf.function(lambda: lm({"token_ids": ids, "padding_mask": mask}))
    prefill_s = median_seconds(prefill, repeats)
    backbone = lm.backbone
    heads = getattr(backbone, "num_key_value_heads", None) or backbone.num_heads
    head_dim = getattr(backbone, "head_dim", None) or backbone.hidden_dim // (
        getattr(backbone, "num_query_heads", None) or backbone.num_heads
    )
    cache = tf.zeros((1, backbone.num_layers, 2, prompt + generated, heads, head_dim), lm.compute_dtype)
    token = tf.zeros((1, 1), tf.int32)
    step = tf.function(lambda index: lm.call_with_cache(token, cache, index))
    positions = [prompt + round(k * (generated - 1) / 4) for k in range(5)]
    per_position = [median_seconds(lambda p=p: step(tf.constant(p)), repeats) for p in positions]
    return prefill_s, statistics.fmean(per_position)


def predicted(lm, profile_name: str | None, scratch: Path, name: str) -> tuple[float, float, str]:
    """(prefill J, per-token J, profile) that `check` gives for the model's saved backbone."""
    path = scratch / (name.replace(" ", "_").replace(",", "") + ".keras")
    lm.backbone.save(path)
    profile = load_profile(find_profile(profile_name) if profile_name else default_profile())
    graph = resized(read_model(path), WORKLOAD.sequence_length)  # type: ignore[arg-type]
    generation = estimate_generation(graph, profile, estimate(graph, profile), WORKLOAD)
    assert generation is not None, f"{path}: not read as a transformer"
    return generation.prefill_j, generation.per_token_j, profile.name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", help="a profile name or directory (default: the default profile)")
    parser.add_argument("--power-model", type=Path, default=POWER_MODEL)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()
    power = json.loads(options.power_model.read_text())
    watts = float(power["watts"])
    scratch = Path(tempfile.mkdtemp(prefix="transformer-measured-"))
    rows, ratios, used = [], [], ""
    for name, (kind, arguments) in CONFIGS.items():
        lm = build(kind, arguments)
        prefill_s, step_s = measure(lm, WORKLOAD.sequence_length, WORKLOAD.generated_tokens, options.repeats)
        prefill_j, token_j, used = predicted(lm, options.profile, scratch, name)
        measured_prefill, measured_token = prefill_s * watts, step_s * watts
        ratios += [prefill_j / measured_prefill, token_j / measured_token]
        rows.append([
            name, f"{lm.backbone.count_params() / 1e6:.2f} M",
            format_energy(measured_prefill), format_energy(prefill_j), f"{prefill_j / measured_prefill:.2f}",
            format_energy(measured_token), format_energy(token_j), f"{token_j / measured_token:.2f}",
        ])  # fmt: skip
        print(" | ".join(rows[-1]), flush=True)
    header = ["model", "params", "prefill measured", "prefill predicted", "ratio",
              "per token measured", "per token predicted", "ratio"]  # fmt: skip
    errors = sorted(abs(r - 1) for r in ratios)
    body = "\n".join([
        "## Prefill and per-token energy, measured and predicted (benchmarks/transformer_measured.py)", "",
        *machine_lines(machine()),
        f"- Workload: prompt {WORKLOAD.sequence_length} tokens, {WORKLOAD.generated_tokens} generated, "
        "batch 1; KerasHub CausalLM on TensorFlow, random weights, called in a tf.function (XLA off)",
        f"- Energy: measured time x {watts:.1f} W, the power model of "
        f"{options.power_model} ({power.get('source', 'CodeCarbon estimate')})",
        "- Per token measured: one call_with_cache step at five positions over the generated tokens, mean of "
        "medians; KerasHub's attention reads its whole cache buffer (prompt + generated), masked, where the "
        "prediction prices the filled context only",
        f"- Predicted: profile {used}, the backbone saved as .keras and read as `check` reads it",
        "- Median |predicted / measured - 1| over both figures of every model: "
        f"{statistics.median(errors):.1%}",
        "- Command: `PYTHONPATH=. python benchmarks/transformer_measured.py --write`", "",
        markdown_table(header, rows, right=list(range(1, len(header)))),
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("transformer-measured", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
