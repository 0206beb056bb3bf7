"""Predicted energy per generated token beside EcoLogits' per-token estimate (issue 14).

EcoLogits' methodology v1.0 estimates the GPU energy of one output token from the active
parameters alone: 8.91e-5 x params in billions + 1.43e-3 Wh, fitted on A100 measurements (later
versions refit it). energy-lint prices the same token layer by layer with a hardware profile:
one decode step with a key/value cache at the configured context. The table shows both for
published configurations and small ones, on the bundled CPU profile and the bundled H100 one.
Nothing here is measured: it shows where a per-layer estimate and a per-parameter rule differ
(context length, attention, the profile's hardware), not which is right.

    .venv-test/bin/python benchmarks/transformer_tokens.py            # print the table
    .venv-test/bin/python benchmarks/transformer_tokens.py --write    # and update RESULTS.md
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

from _common import REPO, machine, machine_lines, markdown_table, write_section

sys.path.insert(0, str(REPO))

from energy_lint.estimation.forward_pass import estimate
from energy_lint.estimation.generation import Workload, estimate_generation
from energy_lint.estimation.profile import find_profile, load_profile
from energy_lint.graph import read_model
from energy_lint.graph.architectures import resized
from energy_lint.units import format_energy

CONFIGS = REPO / "tests" / "graph" / "architectures" / "configs"
PROFILES = ("cpu-xeon-2core-tf-ctx", "h100-torch-fp32")
WORKLOAD = Workload(sequence_length=512, generated_tokens=256)
J_PER_WH = 3600.0


def ecologits_j(params: int) -> float:
    """EcoLogits methodology v1.0: GPU energy per output token, in joules."""
    return (8.91e-5 * params / 1e9 + 1.43e-3) * J_PER_WH


def small(layers: int, hidden: int, model_type: str = "llama") -> dict:
    return {
        "model_type": model_type,
        "vocab_size": 32000,
        "hidden_size": hidden,
        "intermediate_size": 4 * hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": hidden // 64,
        "num_key_value_heads": max(hidden // 256, 1),
        "head_dim": 64,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="replace the section in benchmarks/RESULTS.md")
    options = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="tokens-"))
    models = {
        "llama 2 layers, hidden 256": small(2, 256),
        "llama 8 layers, hidden 512": small(8, 512),
        "gemma2 8 layers, hidden 512": small(8, 512, "gemma2"),
    }
    paths = []
    for name, config in models.items():
        path = scratch / (name.replace(" ", "_").replace(",", "") + ".json")
        path.write_text(json.dumps(config))
        paths.append((name, path))
    paths += [(name, CONFIGS / f"{name}.json") for name in ("gpt2", "llama-2-70b", "llama-3-70b")]
    profiles = {name: load_profile(find_profile(name)) for name in PROFILES}
    rows = []
    for name, path in paths:
        graph = resized(read_model(path), WORKLOAD.sequence_length)  # type: ignore[arg-type]
        row = [name, f"{graph.params / 1e9:.3g} B"]
        for profile in profiles.values():
            prefill = estimate(graph, profile)
            generation = estimate_generation(graph, profile, prefill, WORKLOAD)
            assert generation is not None
            row += [format_energy(generation.prefill_j), format_energy(generation.per_token_j)]
        row.append(format_energy(ecologits_j(graph.params)))
        rows.append(row)
    header = ["model", "params"]
    for name in PROFILES:
        header += [f"{name} prefill", f"{name} per token"]
    header.append("EcoLogits v1.0 per token")
    body = "\n".join([
        "## Energy per token: energy-lint beside EcoLogits (benchmarks/transformer_tokens.py)", "",
        *machine_lines(machine()),
        f"- Workload: prompt {WORKLOAD.sequence_length} tokens, {WORKLOAD.generated_tokens} generated, "
        "batch 1; per token = the mean decode step with a key/value cache",
        "- EcoLogits methodology v1.0: (8.91e-5 x params in billions + 1.43e-3) Wh per output token, "
        "GPU, fitted on A100 data; params = every parameter (dense models)",
        "- Predictions only, nothing measured; both bundled profiles extrapolate far past the layer "
        "sizes they were calibrated on for the 70B models (EL301)",
        "- Command: `python benchmarks/transformer_tokens.py --write`", "",
        markdown_table(header, rows, right=list(range(1, len(header)))),
    ])  # fmt: skip
    print(body)
    if options.write:
        write_section("transformer-tokens", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
