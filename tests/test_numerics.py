"""softmax, log_softmax and cross-entropy stay finite and correct at logits of +-1e4 in every float dtype."""

import numpy as np
import pytest

import nnlib

TOL = {np.float16: 2e-3, np.float32: 1e-6, np.float64: 1e-13}


def _extreme_logits():
    rng = np.random.default_rng(0)
    rows = [
        [1e4, 0.0, -1e4],
        [-1e4, -1e4, -1e4],
        [1e4, 1e4, 1e4],
        [1e4, 1e4 - 1, -1e4],
        [-1e4, 0.5, 1.0],
    ]
    return np.vstack([rows, rng.uniform(-1e4, 1e4, size=(5, 3))])


def _reference(z):
    """float64 reference computed stably, independently of nnlib."""
    z = z.astype(np.float64)
    m = z.max(axis=1, keepdims=True)
    logp = (z - m) - np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    return np.exp(logp), logp


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_softmax_family_is_finite_and_correct_at_extreme_logits(dtype):
    z = _extreme_logits().astype(dtype)
    p_ref, logp_ref = _reference(z)
    p, logp = nnlib.softmax(z), nnlib.log_softmax(z)
    assert p.dtype == dtype and logp.dtype == dtype
    assert np.all(np.isfinite(p)) and np.all(np.isfinite(logp))
    np.testing.assert_allclose(p.astype(np.float64), p_ref, rtol=TOL[dtype], atol=TOL[dtype])
    np.testing.assert_allclose(logp.astype(np.float64), logp_ref, rtol=TOL[dtype], atol=TOL[dtype])
    z64 = z.astype(np.float64)
    lse_ref = z64.max(axis=1) + np.log(np.exp(z64 - z64.max(axis=1, keepdims=True)).sum(axis=1))
    np.testing.assert_allclose(nnlib.logsumexp(z).astype(np.float64), lse_ref, rtol=TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_cross_entropy_is_finite_and_correct_at_extreme_logits(dtype):
    z = _extreme_logits().astype(dtype)
    y = np.arange(len(z)) % 3
    _, logp_ref = _reference(z)
    expected = -logp_ref[np.arange(len(z)), y].mean()
    loss = nnlib.SoftmaxCrossEntropy()
    L = loss.forward(z, y)
    assert np.isfinite(L)
    np.testing.assert_allclose(L, expected, rtol=TOL[dtype])
    np.testing.assert_allclose(nnlib.cross_entropy(z, y), expected, rtol=TOL[dtype])
    g = loss.backward()
    assert g.dtype == dtype and np.all(np.isfinite(g))
    p_ref, _ = _reference(z)
    np.testing.assert_allclose(g.astype(np.float64), (p_ref - nnlib.one_hot(y, 3)) / len(z), atol=TOL[dtype])


def test_naive_formula_would_overflow_where_nnlib_does_not():
    z = np.array([[1e4, 0.0]])
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    assert np.isnan(naive).any()
    np.testing.assert_array_equal(nnlib.softmax(z), [[1.0, 0.0]])
