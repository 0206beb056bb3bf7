"""Tiny torch models as torch.onnx.export writes them (the TorchScript exporter: the dynamo one
needs onnxscript), for the tests and the mutation benchmark that need genuine ONNX files to
damage. torch is imported only when a file is asked for."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

NAMES = ("mlp", "convnet", "lstm", "attention")


def _models() -> dict[str, tuple[Any, tuple[int, ...]]]:
    """name -> (torch module, example input shape): an MLP, a conv net with a batch norm and a
    grouped convolution, an LSTM, and an attention block written out (torch's own
    TransformerEncoderLayer exports as one fused op no reader knows)."""
    import torch

    class Recurrent(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.lstm, self.head = torch.nn.LSTM(8, 16, batch_first=True), torch.nn.Linear(16, 3)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.lstm(x)[0][:, -1])

    class Attention(torch.nn.Module):
        def __init__(self, width: int = 16, heads: int = 2) -> None:
            super().__init__()
            self.qkv, self.out = torch.nn.Linear(width, 3 * width), torch.nn.Linear(width, width)
            self.norm, self.heads = torch.nn.LayerNorm(width), heads

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            b, t, w = x.shape
            qkv = self.qkv(self.norm(x)).reshape(b, t, 3, self.heads, w // self.heads)
            q, k, v = qkv.permute(2, 0, 3, 1, 4)
            weights = torch.softmax(q @ k.transpose(-1, -2) / (w // self.heads) ** 0.5, dim=-1)
            return x + self.out((weights @ v).transpose(1, 2).reshape(b, t, w))

    return {
        "mlp": (
            torch.nn.Sequential(torch.nn.Linear(16, 32), torch.nn.ReLU(), torch.nn.Linear(32, 4)), (1, 16)
        ),
        "convnet": (
            torch.nn.Sequential(
                torch.nn.Conv2d(3, 8, 3, padding=1), torch.nn.BatchNorm2d(8), torch.nn.ReLU(),
                torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 8, 3, groups=2), torch.nn.AdaptiveAvgPool2d(1),
                torch.nn.Flatten(), torch.nn.Linear(8, 5),
            ),
            (1, 3, 16, 16),
        ),
        "lstm": (Recurrent(), (1, 6, 8)),
        "attention": (Attention(), (1, 5, 16)),
    }  # fmt: skip


def export(
    directory: Path, names: Sequence[str] = NAMES, fixed: bool = True, dynamic: bool = True
) -> list[Path]:
    """The named models exported into `directory`, each with a fixed batch (NAME.onnx) and a
    free one (NAME-dynamic.onnx) as asked."""
    import torch

    torch.manual_seed(0)
    models = _models()
    paths = []
    for name in names:
        model, shape = models[name]
        for free in (False, True):
            if (free and not dynamic) or (not free and not fixed):
                continue
            path = directory / f"{name}{'-dynamic' if free else ''}.onnx"
            with torch.no_grad():
                torch.onnx.export(
                    model.eval(), torch.rand(shape), str(path), input_names=["x"],
                    dynamic_axes={"x": {0: "batch"}} if free else None, dynamo=False,
                )  # fmt: skip
            paths.append(path)
    return paths
