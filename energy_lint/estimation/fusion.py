"""Which layers a runtime fuses into the kernel before them, read off the layer order.

A layer timed inside a running model may have no time of its own: onnxruntime runs a Conv, its
residual Add and the ReLU after it as one kernel, a 2-D MatMul, its bias Add and a ReLU as one
FusedGemm, but a GELU after that bias Add, or a second Add after the first, as kernels of their
own. Whether a layer is fused depends on the chain of layers fused so far into the kernel before
it, not only on its direct neighbour: a ReLU after a bias Add is fused when that Add was itself
fused into a MatMul. So the layers are walked in order, each sees the chain it would join
(its kernel and what was fused into it), and a layer judged more likely fused than not joins it.

A FusionTable holds, per context key, the fused share of the in-context rows measured in that
context, backing off from the most specific key (the layer's kind, the chain's kinds, the input's
rank) to its family alone where a context was seen too rarely. Predictions are expectations:
(1 - share) x the layer's timed cost (estimation/profile.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

FUSED = "fused_share"
"""Key of a priced layer's feature dict holding its fused share from the profile's table."""

LEVELS: tuple[tuple[str, ...], ...] = (
    ("kind", "chain", "rank"),
    ("kind", "chain_families", "rank"),
    ("family", "chain_families", "rank"),
    ("family", "chain_families"),
    ("family", "kernel"),
    ("family",),
)
"""Context keys from the most specific to the family alone: a layer takes the share of the first
key the table holds."""

MIN_ROWS = 10
"""In-context rows a key needs before the table keeps its own share."""

TOLERANCE = 0.02
"""A key whose share is this close to the one its layers would back off to adds nothing: the
table leaves it out (a profile stays small)."""

START = "^"
"""The chain of a model's first layer."""


@dataclass(frozen=True)
class Step:
    """One layer that runs, in model order: what fusion depends on."""

    kind: str
    family: str
    rank: int


def layer_kind(class_name: str, config: Mapping[str, Any] | None, inputs: int) -> str:
    """A layer's kind: its class, an activation's function (a runtime fuses a ReLU into a Gemm,
    not a GELU) and how many tensors it reads (a bias Add reads one, a residual Add two)."""
    kind = class_name
    if class_name == "Activation" and config:
        kind += f":{config.get('activation')}"
    return kind + (f"*{inputs}" if inputs > 1 else "")


def context_keys(step: Step, chain: Sequence[Step]) -> list[str]:
    """The keys of `step` joining `chain` (its kernel first, then what was fused into it), one
    per level of LEVELS."""
    values = {
        "kind": step.kind,
        "family": step.family,
        "rank": str(step.rank),
        "chain": "+".join(s.kind for s in chain) or START,
        "chain_families": "+".join(s.family for s in chain) or START,
        "kernel": chain[0].family if chain else START,
    }
    return ["|".join([str(level), *(values[name] for name in names)]) for level, names in enumerate(LEVELS)]


def walk(steps: Sequence[Step], share_of: Callable[[int, list[str]], float]) -> list[float]:
    """Each step's fused share by `share_of(index, keys)`, in order: a step judged more likely
    fused than not joins the chain before it, any other starts a chain of its own."""
    shares: list[float] = []
    chain: tuple[Step, ...] = ()
    for index, step in enumerate(steps):
        share = share_of(index, context_keys(step, chain))
        shares.append(share)
        chain = (*chain, step) if share >= 0.5 and chain else (step,)
    return shares


def observed_contexts(steps: Sequence[Step], fused: Sequence[bool]) -> list[list[str]]:
    """The context keys of each measured step, with the chains the runtime actually built (a
    step measured with no time of its own joined the chain before it)."""
    keys: list[list[str]] = []

    def record(index: int, step_keys: list[str]) -> float:
        keys.append(step_keys)
        return 1.0 if fused[index] else 0.0

    walk(steps, record)
    return keys


@dataclass
class FusionTable:
    """Fused shares by context key (LEVELS), fitted on in-context rows."""

    shares: dict[str, float] = field(default_factory=dict)
    default: float = 0.0

    @classmethod
    def fit(cls, examples: Iterable[tuple[Sequence[str], bool]], min_rows: int = MIN_ROWS) -> FusionTable:
        """From (context keys, fused) of measured rows: every key seen `min_rows` times keeps
        its share unless it is within TOLERANCE of the share its layers would get without it;
        `default` is the share over all rows."""
        counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        parent: dict[str, str] = {}
        total = [0, 0]
        for keys, was_fused in examples:
            for key, general in zip(keys, [*keys[1:], ""], strict=True):
                counts[key][0] += int(was_fused)
                counts[key][1] += 1
                parent[key] = general  # each level's key determines the next, more general one
            total[0] += int(was_fused)
            total[1] += 1
        default = total[0] / total[1] if total[1] else 0.0
        seen = {key: fused / rows for key, (fused, rows) in counts.items() if rows >= min_rows}
        effective: dict[str, float] = {"": default}
        shares: dict[str, float] = {}
        for key in sorted(counts, key=lambda k: -int(k.split("|", 1)[0])):  # general keys first
            fallback = effective[parent[key]]
            if key in seen and abs(seen[key] - fallback) >= TOLERANCE:
                shares[key] = seen[key]
            effective[key] = shares.get(key, fallback)
        return cls(dict(sorted(shares.items())), default)

    def share(self, keys: Sequence[str]) -> float:
        for key in keys:
            if key in self.shares:
                return self.shares[key]
        return self.default

    def predict(self, steps: Sequence[Step]) -> list[float]:
        """Each step's fused share, the chains built from the table's own judgements."""
        return walk(steps, lambda _index, keys: self.share(keys))

    def to_dict(self) -> dict[str, Any]:
        return {
            "levels": [list(names) for names in LEVELS],
            "min_rows": MIN_ROWS,
            "default": self.default,
            "shares": dict(self.shares),
        }

    @classmethod
    def from_dict(cls, entry: Mapping[str, Any] | None) -> FusionTable | None:
        """The table of a profile.json entry; None where the profile has none. Raises
        ValueError for a table of other levels or a share outside [0, 1]."""
        if not entry:
            return None
        if [tuple(names) for names in entry.get("levels", [])] != list(LEVELS):
            raise ValueError("fusion table of other context levels: refit the profile")
        shares = {str(key): float(value) for key, value in dict(entry.get("shares", {})).items()}
        default = float(entry.get("default", 0.0))
        if not all(0.0 <= value <= 1.0 for value in [*shares.values(), default]):
            raise ValueError("fusion table share outside [0, 1]")
        return cls(shares, default)
