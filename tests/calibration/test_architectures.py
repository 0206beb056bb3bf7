"""Sampled architectures are valid models energy-lint reads exactly as Keras builds them, the
same every time for a seed, and their ids name their family."""

from __future__ import annotations

import pytest

from energy_lint.calibration.architectures import FAMILIES, MAX_BATCH_MACS, SLOWER_PER_MAC, generate
from energy_lint.calibration.in_context_campaign import model_family
from energy_lint.graph import read_model
from energy_lint.graph.files import read_raw_model

pytest.importorskip("keras")


@pytest.fixture(scope="module")
def sampled(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("architectures"), len(FAMILIES), seed=3)


def test_every_family_is_sampled_and_named_by_its_id(sampled):
    ids = [s.path.stem for s in sampled]
    assert sorted(model_family(i) for i in ids) == sorted(FAMILIES)
    assert model_family("rand-cnn-0042") == "rand-cnn" and model_family("resnet50") == "resnet50"


def test_params_agree_with_keras_and_batches_stay_within_the_work_limit(sampled):
    from energy_lint.calibration import keras_backend

    keras = keras_backend.import_keras()
    for case in sampled:
        graph = read_model(case.path, case.batch_size)
        built = keras_backend.build_model(keras, read_raw_model(case.path))
        assert graph.params == built.count_params(), case.path.name
        limit = MAX_BATCH_MACS / SLOWER_PER_MAC.get(model_family(case.path.stem), 1.0)
        assert graph.macs * case.batch_size <= limit or case.batch_size == 1
        keras.backend.clear_session()


def test_the_same_seed_gives_the_same_models(sampled, tmp_path):
    again = generate(tmp_path, 2, seed=3)
    for first, second in zip(sampled, again, strict=False):
        assert first.path.read_text() == second.path.read_text()
        assert first.batch_size == second.batch_size


def test_a_kernel_stack_holds_one_kernel_kind_and_the_family_covers_all_three():
    from energy_lint.calibration import keras_backend
    from energy_lint.calibration.architectures import build

    keras = keras_backend.import_keras()
    kinds = set()
    for index in range(12):
        model = build(keras, "rand-kernel", index, seed=3)
        layers = [layer for layer in model.layers if not isinstance(layer, keras.layers.InputLayer)]
        grouped = [layer for layer in layers if isinstance(layer, keras.layers.Conv2D)]
        looped = [
            layer for layer in layers if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))
        ]
        dense = [layer for layer in layers if isinstance(layer, keras.layers.Dense)]
        assert sorted(map(len, (grouped, looped, dense)))[:2] == [0, 0], model.name  # one kind only
        assert len(grouped) + len(looped) + len(dense) == len(layers), model.name  # nothing else
        kinds |= {
            name for name, found in (("grouped", grouped), ("recurrent", looped), ("dense", dense)) if found
        }
        keras.backend.clear_session()
    assert kinds == {"grouped", "recurrent", "dense"}
