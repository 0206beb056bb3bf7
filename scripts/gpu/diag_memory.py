"""Peak GPU memory of ResNet50 at batch 64 on Keras' torch backend under no_grad, and whether
autograd is off: why batch 256 runs out of the H100's memory (diagnostic, prints only).

    KERAS_BACKEND=torch python3 scripts/gpu/diag_memory.py
"""

import os
from pathlib import Path

os.environ["KERAS_BACKEND"] = "torch"

import keras
import torch

model = keras.models.model_from_json(Path("examples/resnet50.json").read_text())
batch = torch.randn(64, 224, 224, 3, device="cuda")
with torch.no_grad():
    output = model(batch, training=False)
torch.cuda.synchronize()
print("output requires grad:", output.requires_grad)
print(f"peak GiB at batch 64: {torch.cuda.max_memory_allocated() / 2**30:.1f}")
