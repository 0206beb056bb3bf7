"""Suites: built from real model configs, sparse families filled, earlier cases kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from energy_lint.calibration.suite import build_suite

pytestmark = pytest.mark.keras

REPO = Path(__file__).resolve().parents[2]
MODELS = [REPO / "examples" / "mobilenet.json", REPO / "calibration" / "models" / "transformer_encoder.json"]


def test_family_minimum_fills_sparse_families_and_keeps_the_rest() -> None:
    plain = build_suite(MODELS)
    dense = build_suite(MODELS, family_minimum=25)
    before = Counter(case.family for case in plain.layers)
    after = Counter(case.family for case in dense.layers)
    assert before["attention"] < 25 <= after["attention"]
    assert after["conv"] == before["conv"]  # families already above the minimum are untouched
    plain_keys = [case.key for case in plain.layers if case.family != "overhead"]
    assert [case.key for case in dense.layers[: len(plain_keys)]] == plain_keys
    assert len({case.key for case in dense.layers}) == len(dense.layers)
    for case in dense.layers:
        case.macs()  # every case is valid for the reader: an invalid one raises here
    added = [case for case in dense.layers[len(plain_keys) :] if case.family == "attention"]
    assert added and all(case.macs() > 0 for case in added)  # the added cases do work


def test_interleaved_model_batches_cover_every_batch_in_the_first_round() -> None:
    suite = build_suite(MODELS, model_batch_sizes=(1, 8), interleave_model_batches=True)
    first_round = suite.models[: len(MODELS)]
    assert {case.batch_size for case in first_round} == {1, 8}
    assert len(suite.models) == 2 * len(MODELS)
