"""Properties of softmax and its relatives that must hold for any logits (hypothesis)."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import nnlib

finite = st.floats(min_value=-1e4, max_value=1e4, allow_nan=False, allow_infinity=False)
shapes = st.tuples(st.integers(1, 6), st.integers(1, 7))
logits = shapes.flatmap(lambda s: arrays(np.float64, s, elements=finite))


@given(logits)
def test_softmax_rows_are_probabilities(z):
    p = nnlib.softmax(z)
    assert np.all(p >= 0) and np.all(p <= 1)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=1e-12)


@given(logits, st.floats(min_value=-1e3, max_value=1e3))
def test_softmax_is_shift_invariant(z, c):
    np.testing.assert_allclose(nnlib.softmax(z + c), nnlib.softmax(z), atol=1e-9)


@given(logits)
def test_softmax_keeps_the_argmax(z):
    p = nnlib.softmax(z)
    rows = np.arange(len(z))
    assert np.all(p[rows, np.argmax(z, axis=1)] == p.max(axis=1))


@given(logits)
def test_jacobian_is_symmetric_with_rows_summing_to_zero(z):
    J = nnlib.softmax_jacobian(nnlib.softmax(z))
    np.testing.assert_allclose(J, np.swapaxes(J, 1, 2), atol=0)
    np.testing.assert_allclose(J.sum(axis=2), 0.0, atol=1e-15)


@given(logits)
def test_jacobian_is_positive_semidefinite(z):
    J = nnlib.softmax_jacobian(nnlib.softmax(z))
    assert np.all(np.linalg.eigvalsh(J) > -1e-12)


@given(logits)
def test_log_softmax_equals_log_of_softmax_where_finite(z):
    p = nnlib.softmax(z)
    logp = nnlib.log_softmax(z)
    assert np.all(np.isfinite(logp)) and np.all(logp <= 0)
    ok = p > 1e-300
    np.testing.assert_allclose(logp[ok], np.log(p[ok]), rtol=1e-9, atol=1e-12)


@given(logits)
def test_logsumexp_bounds(z):
    lse = nnlib.logsumexp(z)
    m = z.max(axis=1)
    assert np.all(lse >= m - 1e-9) and np.all(lse <= m + np.log(z.shape[1]) + 1e-9)


@given(logits, st.data())
def test_cross_entropy_is_non_negative_and_matches_log_softmax(z, data):
    y = np.array(data.draw(st.lists(st.integers(0, z.shape[1] - 1), min_size=len(z), max_size=len(z))))
    L = nnlib.cross_entropy(z, y)
    assert L >= 0
    np.testing.assert_allclose(L, -np.mean(nnlib.log_softmax(z)[np.arange(len(z)), y]), rtol=1e-12)
    np.testing.assert_allclose(nnlib.cross_entropy(z, nnlib.one_hot(y, z.shape[1])), L, rtol=1e-12, atol=1e-300)


@given(logits, st.data())
def test_accuracy_is_a_fraction_of_rows(z, data):
    y = np.array(data.draw(st.lists(st.integers(0, z.shape[1] - 1), min_size=len(z), max_size=len(z))))
    acc = nnlib.accuracy(z, y)
    assert acc * len(z) == np.sum(np.argmax(z, axis=1) == y)
