"""The embedder's LRU cache must never lose a vector the current call needs."""

import numpy as np

from resonant import embedding as embedder_module


def test_batches_larger_than_the_cache_and_batches_that_overflow_it(embedder):
    size = embedder_module._CACHE_SIZE
    first = [f"sentence number {i}" for i in range(size + 40)]
    vectors = embedder.embed(first)  # found by the empathy eval: this raised KeyError
    assert vectors.shape == (len(first), 384)
    mixed = first[-10:] + [f"another sentence {i}" for i in range(size)]
    again = embedder.embed(mixed)
    assert np.allclose(again[:10], vectors[-10:], atol=1e-5)
