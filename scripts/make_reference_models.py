"""Write calibration/models/: reference architectures for the layer kinds keras.applications
lacks (attention, recurrent, embedding, 1D and 3D and transposed convolutions). Calibration
takes layer configurations from them and measures them whole. Rerun after a Keras upgrade:

    .venv-test/bin/python scripts/make_reference_models.py
"""

from __future__ import annotations

import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

L = keras.layers
OUT = Path(__file__).resolve().parent.parent / "calibration" / "models"


def transformer_encoder(
    steps: int = 128, width: int = 256, heads: int = 8, depth: int = 4, name: str = "transformer_encoder"
) -> keras.Model:
    tokens = keras.Input((steps,), dtype="int32")
    x = L.Embedding(8000, width)(tokens)
    for _ in range(depth):
        attended = L.MultiHeadAttention(heads, width // heads)(x, x)
        x = L.LayerNormalization()(L.Add()([x, attended]))
        hidden = L.Dense(width * 4, activation="gelu")(x)
        x = L.LayerNormalization()(L.Add()([x, L.Dense(width)(hidden)]))
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(tokens, L.Dense(2, activation="softmax")(x), name=name)


def lstm_classifier() -> keras.Model:
    tokens = keras.Input((200,), dtype="int32")
    x = L.Embedding(20000, 128)(tokens)
    x = L.LSTM(128, return_sequences=True)(x)
    x = L.LSTM(64)(x)
    return keras.Model(tokens, L.Dense(5, activation="softmax")(x), name="lstm_classifier")


def gru_bidirectional() -> keras.Model:
    frames = keras.Input((100, 40))
    x = L.Bidirectional(L.GRU(96, return_sequences=True))(frames)
    x = L.Bidirectional(L.SimpleRNN(64, return_sequences=True))(x)
    x = L.TimeDistributed(L.Dense(30))(x)
    return keras.Model(frames, L.Softmax()(x), name="gru_bidirectional")


def conv1d_audio() -> keras.Model:
    wave = keras.Input((16000, 1))
    x = wave
    for filters in (32, 64, 128, 256):
        x = L.Conv1D(filters, 9, strides=2, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.ReLU()(x)
        x = L.SeparableConv1D(filters, 5, padding="same")(x)
        x = L.MaxPooling1D(2)(x)
    x = L.GlobalAveragePooling1D()(x)
    return keras.Model(wave, L.Dense(12)(x), name="conv1d_audio")


def conv3d_video() -> keras.Model:
    clip = keras.Input((16, 112, 112, 3))
    x = L.Conv3D(32, 3, strides=(1, 2, 2), padding="same", activation="relu")(clip)
    x = L.MaxPooling3D((1, 2, 2))(x)
    x = L.Conv3D(64, 3, padding="same", activation="relu")(x)
    x = L.AveragePooling3D(2)(x)
    x = L.Conv3D(128, 3, padding="same", activation="relu")(x)
    x = L.GlobalAveragePooling3D()(x)
    return keras.Model(clip, L.Dense(10)(x), name="conv3d_video")


def conv_decoder() -> keras.Model:
    code = keras.Input((8, 8, 256))
    x = code
    for filters in (128, 64, 32, 16):
        x = L.Conv2DTranspose(filters, 4, strides=2, padding="same")(x)
        x = L.BatchNormalization()(x)
        x = L.LeakyReLU()(x)
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
    x = L.UpSampling2D()(x)
    return keras.Model(code, L.Conv2D(3, 1, activation="sigmoid")(x), name="conv_decoder")


def transformer_small() -> keras.Model:
    return transformer_encoder(steps=64, width=128, heads=4, depth=2, name="transformer_small")


def vit_small(
    image: int = 224, patch: int = 16, width: int = 384, heads: int = 6, depth: int = 6
) -> keras.Model:
    pixels = keras.Input((image, image, 3))
    x = L.Conv2D(width, patch, strides=patch)(pixels)
    x = L.Reshape(((image // patch) ** 2, width))(x)
    for _ in range(depth):
        normed = L.LayerNormalization(epsilon=1e-6)(x)
        x = L.Add()([x, L.MultiHeadAttention(heads, width // heads)(normed, normed)])
        normed = L.LayerNormalization(epsilon=1e-6)(x)
        hidden = L.Dense(width * 4, activation="gelu")(normed)
        x = L.Add()([x, L.Dense(width)(hidden)])
    x = L.GlobalAveragePooling1D()(L.LayerNormalization(epsilon=1e-6)(x))
    return keras.Model(pixels, L.Dense(1000)(x), name="vit_small")


def text_cnn() -> keras.Model:
    tokens = keras.Input((400,), dtype="int32")
    x = L.Embedding(30000, 200)(tokens)
    branches = []
    for width in (3, 4, 5):
        branch = L.Conv1D(128, width, activation="relu")(x)
        branches.append(L.GlobalMaxPooling1D()(branch))
    x = L.Dropout(0.5)(L.Concatenate()(branches))
    return keras.Model(tokens, L.Dense(20, activation="softmax")(x), name="text_cnn")


def lstm_seq2seq() -> keras.Model:
    frames = keras.Input((50, 64))
    x = L.LSTM(256, return_sequences=True)(frames)
    x = L.LSTM(256, return_sequences=True)(x)
    x = L.GRU(128, return_sequences=True)(x)
    return keras.Model(frames, L.TimeDistributed(L.Dense(64))(x), name="lstm_seq2seq")


def unet_small() -> keras.Model:
    image = keras.Input((128, 128, 3))
    skips, x = [], image
    for filters in (32, 64, 128):
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
        skips.append(x)
        x = L.MaxPooling2D()(x)
    x = L.Conv2D(256, 3, padding="same", activation="relu")(x)
    for filters, skip in zip((128, 64, 32), reversed(skips)):
        x = L.Conv2DTranspose(filters, 2, strides=2)(x)
        x = L.Concatenate()([x, skip])
        x = L.Conv2D(filters, 3, padding="same", activation="relu")(x)
    return keras.Model(image, L.Conv2D(1, 1, activation="sigmoid")(x), name="unet_small")


MODELS = (
    transformer_encoder,
    lstm_classifier,
    gru_bidirectional,
    conv1d_audio,
    conv3d_video,
    conv_decoder,
    transformer_small,
    vit_small,
    text_cnn,
    lstm_seq2seq,
    unet_small,
)


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for build in MODELS:
        model = build()
        path = OUT / f"{model.name}.json"
        path.write_text(model.to_json() + "\n")
        print(f"{path.name}: {model.count_params():,} params")
        keras.backend.clear_session()


if __name__ == "__main__":
    main()
