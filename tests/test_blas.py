"""nnlib._blas.axpy: one pass of BLAS's axpy when NumPy's OpenBLAS is found, the two NumPy passes otherwise."""

import os
import subprocess
import sys

import numpy as np
import pytest

import nnlib
from nnlib import _blas
from nnlib.optim import SGD, Adam

DTYPES = [np.float32, np.float64]
BIG = _blas.MIN_SIZE + 13          # takes the BLAS path; not a multiple of a vector width, so a tail is left


def _xy(n, dtype, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=n).astype(dtype), rng.normal(size=n).astype(dtype)


def _exact(a, x, y):
    """a x + y in a wider type: the exactly rounded reference (long double for float64 inputs)."""
    wide = np.longdouble if x.dtype == np.float64 else np.float64
    return (wide(a) * x.astype(wide) + y.astype(wide)).astype(x.dtype)


@pytest.fixture
def spy(monkeypatch):
    """Count the BLAS calls, per dtype, while still calling BLAS."""
    calls = []
    for dtype, fn in list(_blas._AXPY.items()):
        def counted(*args, fn=fn, dtype=dtype):
            calls.append(dtype)
            return fn(*args)
        monkeypatch.setitem(_blas._AXPY, dtype, counted)
    return calls


def test_numpys_bundled_openblas_is_found_when_numpy_ships_it():
    if not _blas._library_paths():
        pytest.skip("this NumPy does not bundle scipy-openblas; nnlib uses the NumPy passes")
    if os.environ.get("NNLIB_BLAS", "1") == "0":
        pytest.skip("NNLIB_BLAS=0 switches the BLAS path off")
    assert _blas.available() == ("float32", "float64")


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("n", [0, 1, 7, _blas.MIN_SIZE - 1, BIG, 200_003])
def test_axpy_is_as_accurate_as_the_two_numpy_passes(dtype, n):
    # Both round at most twice, so both are within eps (|a x| + |y|) of the exact a x + y, entry by entry
    # (an error bound relative to the terms: where they cancel, the result itself is tiny).
    x, y = _xy(n, dtype)
    bound = np.finfo(dtype).eps * (np.abs(dtype(0.37) * x) + np.abs(y))
    exact, two_pass = _exact(-0.37, x, y), y + dtype(-0.37) * x
    out = _blas.axpy(-0.37, x, y, np.empty_like(y))
    assert out is y and y.dtype == dtype
    assert np.all(np.abs(y.astype(np.float64) - exact) <= bound)
    assert np.all(np.abs(two_pass.astype(np.float64) - exact) <= bound)
    assert np.all(np.abs(y - two_pass) <= bound)


@pytest.mark.parametrize("dtype", DTYPES)
def test_big_contiguous_arrays_go_to_blas_and_small_or_strided_ones_to_numpy(dtype, spy):
    if not _blas.available():
        pytest.skip("no BLAS axpy here")
    x, y = _xy(BIG, dtype)
    _blas.axpy(0.5, x, y, np.empty_like(y))
    assert spy == [np.dtype(dtype)]
    cases = {
        "small": _xy(_blas.MIN_SIZE - 1, dtype),
        "strided y": (x[: BIG // 2 * 2 : 2].copy(), y[: BIG // 2 * 2 : 2]),
        "x of another dtype": (x.astype(np.float16), y),
        "2-d, Fortran order": (np.asfortranarray(x[:4096].reshape(64, 64)), np.zeros((64, 64), dtype)),
    }
    for name, (xc, yc) in cases.items():
        expected = yc + dtype(0.5) * xc.astype(dtype)
        _blas.axpy(0.5, xc, yc, np.empty_like(yc))
        assert len(spy) == 1, f"{name} went to BLAS"
        np.testing.assert_array_equal(yc, expected, err_msg=name)     # the NumPy passes, exactly


def test_the_numpy_fallback_can_use_x_as_its_scratch_and_keeps_float32():
    x, y = _xy(100, np.float32)
    expected = y - np.float32(0.25) * x
    _blas.axpy(-0.25, x, y, x)
    np.testing.assert_array_equal(y, expected)
    assert y.dtype == np.float32


def test_overlapping_or_unaligned_arrays_take_the_numpy_passes(spy):
    x, y = _xy(BIG, np.float64)
    expected = y + 0.5 * y
    _blas.axpy(0.5, y, y, np.empty_like(y))                          # x is y
    np.testing.assert_array_equal(y, expected)
    raw = np.zeros(BIG * 4 + 1, np.uint8)
    unaligned = raw[1:].view(np.float32)                              # float32 data at an odd address
    assert not unaligned.flags.aligned
    expected = unaligned + np.float32(2.0) * x.astype(np.float32)
    _blas.axpy(2.0, x.astype(np.float32), unaligned, np.empty(BIG, np.float32))
    np.testing.assert_array_equal(unaligned, expected)
    assert spy == []


def test_a_read_only_parameter_raises_instead_of_being_written_through_a_pointer():
    x, y = _xy(BIG, np.float64)
    y.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        _blas.axpy(1.0, x, y, np.empty_like(y))


def test_the_result_does_not_depend_on_the_number_of_blas_threads():
    threadpoolctl = pytest.importorskip("threadpoolctl")
    x, y0 = _xy(300_007, np.float32, seed=3)
    results = []
    for threads in (1, 2):
        with threadpoolctl.threadpool_limits(limits=threads, user_api="blas"):
            y = y0.copy()
            _blas.axpy(-0.01, x, y, np.empty_like(y))
            results.append(y)
    np.testing.assert_array_equal(results[0], results[1])


def test_nnlib_blas_0_switches_blas_off():
    code = "import nnlib._blas as b; print(b.available())"
    env = dict(os.environ, NNLIB_BLAS="0")
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "()"


@pytest.mark.parametrize("make", [lambda m: SGD(m, lr=0.1, momentum=0.9), lambda m: Adam(m, lr=1e-2)],
                         ids=["sgd", "adam"])
def test_optimizers_update_big_parameters_through_blas_with_the_same_result(make, spy, monkeypatch):
    if not _blas.available():
        pytest.skip("no BLAS axpy here")
    rng = np.random.default_rng(4)
    theta0, grads = rng.normal(size=(96, 64)).astype(np.float32), rng.normal(size=(3, 96, 64)).astype(np.float32)
    finals = []
    for blas in (True, False):
        if not blas:
            monkeypatch.setattr(_blas, "_AXPY", {})
        layer = nnlib.Linear(96, 64, rng=0, dtype=np.float32)
        layer.params["W"][...] = theta0
        opt = make(layer)
        for g in grads:
            layer.grads["W"][...] = g
            opt.step()
        finals.append(layer.params["W"].copy())
    assert spy == [np.dtype(np.float32)] * 3           # W (6144 numbers) through BLAS, b (64) through NumPy
    np.testing.assert_allclose(finals[0], finals[1], rtol=1e-6, atol=1e-7)
    assert finals[0].dtype == np.float32
