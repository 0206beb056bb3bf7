"""Random but valid Keras models, for coverage beyond keras.applications (as nn-Meter samples
its kernels): CNNs (plain, residual, depthwise-separable), MLPs, transformer encoder blocks,
RNNs, and grouped-convolution CNNs (ConvNeXt and ResNeXt blocks) with sampled widths, kernels,
strides, resolutions and batch sizes, large layers included; and stacks of one kernel kind
(rand-kernel), so that no kernel kind is taught by one family alone.

Deterministic: model `index` of a family depends only on (seed, family, index), so the files
can be written again anywhere, and a model's id ("rand-cnn-0042") names its family before the
last dash."""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FAMILIES = (
    "rand-cnn",
    "rand-rescnn",
    "rand-sepcnn",
    "rand-mlp",
    "rand-transformer",
    "rand-rnn",
    "rand-groupcnn",
    "rand-kernel",
)
"""Sampled round-robin: `count` a multiple of len(FAMILIES) gives each family indices
0..count/len(FAMILIES)-1, and a family added last leaves the first models of the others as they
were."""
BATCHES = (1, 2, 4, 8, 16, 32, 64)
MAX_BATCH_MACS = 6e9
"""Largest work of one pass (MACs x batch) a sampled run gets: about 0.2 s on 2 cores here, so
that a model takes seconds to profile and the campaign yields thousands of rows an hour."""
SLOWER_PER_MAC = {"rand-groupcnn": 10.0, "rand-kernel": 20.0}
"""How much slower than the MACs say a family runs, for its work limit: TensorFlow runs a grouped
convolution on a CPU (XLA) about 100x slower per MAC than a plain one (ConvNeXt's 7x7 depthwise
Conv2D: 0.3 GMAC/s here), and in a ConvNeXt block it is a few percent of the MACs; a rand-kernel
stack may be nothing but such convolutions, or a recurrent loop slower per MAC still."""


@dataclass(frozen=True)
class Sampled:
    path: Path
    batch_size: int


def model_id(family: str, index: int) -> str:
    return f"{family}-{index:04d}"


def generate(out_dir: Path, count: int, seed: int = 0) -> list[Sampled]:
    """Write `count` models round-robin over the families (kept where already written) and give
    each a batch size within MAX_BATCH_MACS."""
    from ..graph import read_model
    from . import keras_backend

    keras = None
    out_dir.mkdir(parents=True, exist_ok=True)
    sampled = []
    for number in range(count):
        family, index = FAMILIES[number % len(FAMILIES)], number // len(FAMILIES)
        path = out_dir / f"{model_id(family, index)}.json"
        rng = random.Random(f"{seed}:{family}:{index}")
        if not path.exists():
            keras = keras or keras_backend.import_keras()
            model = build(keras, family, index, seed)
            staging = path.with_suffix(".tmp")
            staging.write_text(model.to_json())
            staging.replace(path)
            keras.backend.clear_session()
        macs = max(read_model(path).macs, 1)
        limit = MAX_BATCH_MACS / SLOWER_PER_MAC.get(family, 1.0)
        batches = [b for b in BATCHES if b * macs <= limit] or [1]
        sampled.append(Sampled(path, rng.choice(batches)))
    return sampled


def build(keras: Any, family: str, index: int, seed: int = 0) -> Any:
    """The Keras model `index` of `family` (weights random: only the config is kept)."""
    rng = random.Random(f"{seed}:{family}:{index}:arch")
    return _BUILDERS[family](keras, rng, model_id(family, index).replace("-", "_"))


def _log_int(rng: random.Random, low: int, high: int) -> int:
    import math

    return round(math.exp(rng.uniform(math.log(low), math.log(high))))


def _activation(rng: random.Random) -> str:
    return rng.choice(["relu", "relu", "relu6", "swish", "gelu", "sigmoid", "tanh", "linear"])


def _cnn_stages(rng: random.Random) -> Iterator[tuple[int, int, int]]:
    """(filters, kernel, stride) of each conv: widths up to VGG's 512 (sometimes more)."""
    width = _log_int(rng, 8, 128)
    for _ in range(rng.randint(2, 8)):
        stride = rng.choice([1, 1, 2])
        width = min(1024, max(4, int(width * (2 if stride == 2 else rng.choice([0.75, 1, 1, 1.5])))))
        yield width, rng.choice([1, 3, 3, 3, 5, 7]), stride


def _image_input(keras: Any, rng: random.Random) -> Any:
    side = rng.choice([32, 48, 64, 96, 112, 128, 160, 192, 224])
    return keras.Input((side, side, rng.choice([1, 3, 3, 16])))


def _head(keras: Any, rng: random.Random, x: Any) -> Any:
    flat = x.shape[1] * x.shape[2] * x.shape[3]
    if rng.random() < 0.7 or flat > 32768:
        x = keras.layers.GlobalAveragePooling2D()(x)
    else:
        x = keras.layers.Flatten()(x)
    if rng.random() < 0.3:
        x = keras.layers.Dropout(0.2)(x)
    return keras.layers.Dense(rng.choice([10, 100, 1000]), activation=rng.choice(["softmax", None]))(x)


def _conv_block(keras: Any, rng: random.Random, x: Any, filters: int, kernel: int, stride: int) -> Any:
    bn = rng.random() < 0.6
    activation = _activation(rng)
    padding = rng.choice(["same", "valid"]) if kernel > 1 else "same"
    x = keras.layers.Conv2D(filters, kernel, strides=stride, padding=padding, use_bias=not bn)(x)
    if bn:
        x = keras.layers.BatchNormalization()(x)
    if rng.random() < 0.5:
        return keras.layers.Activation(activation)(x)
    return keras.layers.ReLU()(x)


def _plain_cnn(keras: Any, rng: random.Random, name: str) -> Any:
    inputs = _image_input(keras, rng)
    x = inputs
    for filters, kernel, stride in _cnn_stages(rng):
        if x.shape[1] < kernel + 2:
            break
        x = _conv_block(keras, rng, x, filters, kernel, stride)
        if rng.random() < 0.25 and x.shape[1] >= 4:
            pool = rng.choice([keras.layers.MaxPooling2D, keras.layers.AveragePooling2D])
            x = pool(pool_size=2)(x)
    return keras.Model(inputs, _head(keras, rng, x), name=name)


def _residual_cnn(keras: Any, rng: random.Random, name: str) -> Any:
    inputs = _image_input(keras, rng)
    x = keras.layers.Conv2D(_log_int(rng, 16, 64), rng.choice([3, 5, 7]), strides=2, padding="same")(inputs)
    for filters, kernel, stride in _cnn_stages(rng):
        if x.shape[1] < 4:
            break
        shortcut = x
        y = keras.layers.Conv2D(filters, kernel, strides=stride, padding="same")(x)
        y = keras.layers.BatchNormalization()(y)
        y = keras.layers.ReLU()(y)
        y = keras.layers.Conv2D(filters, rng.choice([1, 3]), padding="same")(y)
        y = keras.layers.BatchNormalization()(y)
        if stride != 1 or shortcut.shape[-1] != filters:
            shortcut = keras.layers.Conv2D(filters, 1, strides=stride, padding="same")(shortcut)
        x = keras.layers.ReLU()(keras.layers.Add()([y, shortcut]))
    return keras.Model(inputs, _head(keras, rng, x), name=name)


def _separable_cnn(keras: Any, rng: random.Random, name: str) -> Any:
    inputs = _image_input(keras, rng)
    x = keras.layers.Conv2D(_log_int(rng, 8, 64), 3, strides=2, padding="same")(inputs)
    for filters, kernel, stride in _cnn_stages(rng):
        if x.shape[1] < 4:
            break
        if rng.random() < 0.5:
            x = keras.layers.SeparableConv2D(filters, kernel, strides=stride, padding="same")(x)
        else:
            x = keras.layers.DepthwiseConv2D(kernel, strides=stride, padding="same", use_bias=False)(x)
            x = keras.layers.BatchNormalization()(x)
            x = keras.layers.ReLU(max_value=6.0)(x)
            x = keras.layers.Conv2D(filters, 1, use_bias=False)(x)
        x = keras.layers.BatchNormalization()(x)
        x = keras.layers.Activation(_activation(rng))(x)
    return keras.Model(inputs, _head(keras, rng, x), name=name)


def _mlp(keras: Any, rng: random.Random, name: str) -> Any:
    inputs = keras.Input((_log_int(rng, 16, 4096),))
    x = inputs
    for _ in range(rng.randint(1, 5)):
        x = keras.layers.Dense(_log_int(rng, 32, 8192), activation=_activation(rng))(x)
        if rng.random() < 0.3:
            x = keras.layers.LayerNormalization()(x)
        elif rng.random() < 0.2:
            x = keras.layers.BatchNormalization()(x)
        if rng.random() < 0.3:
            x = keras.layers.Dropout(0.1)(x)
    outputs = keras.layers.Dense(_log_int(rng, 1, 1000))(x)
    return keras.Model(inputs, outputs, name=name)


def _transformer(keras: Any, rng: random.Random, name: str) -> Any:
    seq = _log_int(rng, 16, 512)
    heads = rng.choice([1, 2, 4, 8, 16])
    d_model = max(heads * 8, _log_int(rng, 64, 1024) // heads * heads)
    inputs = keras.Input((seq, d_model))
    x = inputs
    for _ in range(rng.randint(1, 3)):
        attention = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d_model // heads)(x, x)
        x = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x, attention]))
        hidden = keras.layers.Dense(d_model * rng.choice([2, 4]), activation=rng.choice(["gelu", "relu"]))(x)
        hidden = keras.layers.Dense(d_model)(hidden)
        x = keras.layers.LayerNormalization(epsilon=1e-6)(keras.layers.Add()([x, hidden]))
    if rng.random() < 0.5:
        x = keras.layers.GlobalAveragePooling1D()(x)
        x = keras.layers.Dense(rng.choice([2, 10, 100]))(x)
    return keras.Model(inputs, x, name=name)


def _recurrent_stack(
    keras: Any, rng: random.Random, x: Any, layers: int, sequences: float, bidirectional: float
) -> Any:
    """`layers` LSTM or GRU layers of 16-1024 units, each but the last returning sequences (the
    last with probability `sequences`), each bidirectional with probability `bidirectional`."""
    for depth in range(layers):
        cell = rng.choice([keras.layers.LSTM, keras.layers.GRU])
        layer = cell(_log_int(rng, 16, 1024), return_sequences=depth < layers - 1 or rng.random() < sequences)
        x = keras.layers.Bidirectional(layer)(x) if rng.random() < bidirectional else layer(x)
    return x


def _rnn(keras: Any, rng: random.Random, name: str) -> Any:
    inputs = keras.Input((_log_int(rng, 8, 256), _log_int(rng, 8, 512)))
    x = _recurrent_stack(keras, rng, inputs, rng.randint(1, 3), sequences=0.3, bidirectional=0.25)
    if len(x.shape) == 3:
        x = keras.layers.GlobalAveragePooling1D()(x)
    return keras.Model(inputs, keras.layers.Dense(rng.choice([1, 10, 100]))(x), name=name)


def _grouped_cnn(keras: Any, rng: random.Random, name: str) -> Any:
    """ConvNeXt blocks (a depthwise Conv2D with groups = channels, LayerNormalization, an inverted
    Dense bottleneck) or ResNeXt blocks (1x1, a grouped 3x3 or larger, 1x1), in stages that halve
    the resolution: the grouped convolutions keras.applications' ConvNeXt and RegNet use."""
    inputs = _image_input(keras, rng)
    width = 8 * max(1, _log_int(rng, 16, 96) // 8)
    patch = rng.choice([2, 4])
    x = keras.layers.Conv2D(width, patch, strides=patch)(inputs)
    convnext = rng.random() < 0.5
    for stage in range(rng.randint(1, 4)):
        if stage:
            if x.shape[1] < 4:
                break
            width = min(768, width * 2)
            x = keras.layers.Conv2D(width, 2, strides=2)(x)
        for _ in range(rng.randint(1, 3)):
            kernel = rng.choice([3, 5, 7])
            if convnext:
                y = keras.layers.Conv2D(width, kernel, padding="same", groups=width)(x)
                y = keras.layers.LayerNormalization(epsilon=1e-6)(y)
                y = keras.layers.Dense(4 * width, activation="gelu")(y)
                y = keras.layers.Dense(width)(y)
            else:
                groups = rng.choice([g for g in (2, 4, 8, 16, 32, width // 4, width) if g and width % g == 0])
                y = keras.layers.ReLU()(keras.layers.BatchNormalization()(keras.layers.Conv2D(width, 1)(x)))
                y = keras.layers.Conv2D(width, kernel, padding="same", groups=groups, use_bias=False)(y)
                y = keras.layers.ReLU()(keras.layers.BatchNormalization()(y))
                y = keras.layers.BatchNormalization()(keras.layers.Conv2D(width, 1)(y))
            x = keras.layers.Add()([x, y])
    x = keras.layers.GlobalAveragePooling2D()(x)
    return keras.Model(inputs, keras.layers.Dense(rng.choice([10, 100, 1000]))(x), name=name)


def _kernel_stack(keras: Any, rng: random.Random, name: str) -> Any:
    """A stack of one kernel kind and nothing else that costs, as nn-Meter samples kernels:
    grouped convolutions over 1 to 64 channels per group (ungrouped when that is every
    channel), recurrent layers (LSTM, GRU, either bidirectional) or Dense layers whose weights
    reach tens of MB. Otherwise rand-groupcnn, rand-rnn and rand-mlp alone teach these kinds at
    these sizes: each held out by family, as a new architecture is, would leave nothing to learn
    its kind from."""
    kind = rng.choice(["grouped", "recurrent", "dense"])
    if kind == "grouped":
        side = rng.choice([8, 14, 16, 28, 32, 56, 64, 112])
        width = 8 * max(1, _log_int(rng, 16, 512) // 8)
        inputs = keras.Input((side, side, width))
        x = inputs
        for _ in range(rng.randint(2, 4)):
            per_group = rng.choice([c for c in (1, 2, 4, 8, 16, 32, 64) if width % c == 0])
            stride = rng.choice([1, 1, 2]) if x.shape[1] >= 4 else 1
            x = keras.layers.Conv2D(
                width, rng.choice([1, 3, 3, 5, 7]), strides=stride, padding="same",
                groups=width // per_group, use_bias=rng.random() < 0.5,
            )(x)  # fmt: skip
        return keras.Model(inputs, x, name=name)
    if kind == "recurrent":
        inputs = keras.Input((_log_int(rng, 8, 256), _log_int(rng, 8, 1024)))
        x = _recurrent_stack(keras, rng, inputs, rng.randint(1, 2), sequences=0.5, bidirectional=0.3)
        return keras.Model(inputs, x, name=name)
    inputs = keras.Input(
        (_log_int(rng, 2, 64), _log_int(rng, 64, 8192)) if rng.random() < 0.3 else (_log_int(rng, 64, 8192),)
    )
    x = inputs
    for _ in range(rng.randint(2, 4)):
        x = keras.layers.Dense(_log_int(rng, 64, 8192), activation=rng.choice([None, "relu", "gelu"]))(x)
    return keras.Model(inputs, x, name=name)


_BUILDERS: dict[str, Callable[[Any, random.Random, str], Any]] = {
    "rand-cnn": _plain_cnn,
    "rand-rescnn": _residual_cnn,
    "rand-sepcnn": _separable_cnn,
    "rand-mlp": _mlp,
    "rand-transformer": _transformer,
    "rand-rnn": _rnn,
    "rand-groupcnn": _grouped_cnn,
    "rand-kernel": _kernel_stack,
}
