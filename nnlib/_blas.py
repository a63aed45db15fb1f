"""``y += a x`` in one pass over memory: BLAS's axpy, from the OpenBLAS that NumPy itself runs on.

Every optimizer step ends with ``theta <- theta - eta d``, the one pass over all the parameters a training step
makes. NumPy has no single operation for it: ``np.multiply(d, eta, out=scratch)`` then ``theta -= scratch`` reads
and writes memory twice, on one core, while the matrix products around it run on all of them. BLAS's ``axpy``
(``y <- a x + y``) does it in one pass, split between the same threads as the products.

NumPy's wheels from PyPI ship OpenBLAS as ``libscipy_openblas64_`` next to the package (``numpy.libs`` on Linux
and Windows, ``numpy/.dylibs`` on macOS). This module opens that same file with ctypes (the loader hands back the
copy NumPy already loaded, with its thread pool and thread count) and calls ``scipy_cblas_saxpy64_`` /
``scipy_cblas_daxpy64_``. :func:`axpy` falls back to the two NumPy passes:

- when the library is not found (a NumPy built against another BLAS, as some distributions ship it), or it fails
  a check on a few numbers when it is loaded;
- for arrays of other dtypes or layouts than two C-contiguous, aligned arrays of one dtype, float32 or float64,
  that do not overlap;
- for arrays of fewer than ``MIN_SIZE`` numbers, where the ctypes call costs more than the pass it saves;
- when the environment variable ``NNLIB_BLAS`` is ``0`` at import (the benchmark uses it to measure the gain).

Rounding: axpy computes ``a x + y`` with a single rounding (a fused multiply-add) on processors that have one,
while the NumPy passes round ``a x`` and then the sum. Per step, the two results differ by at most a rounding error
of the terms (about one unit in the last place of the larger of ``|a x|`` and ``|y|``); like the results of matrix
products, they can also differ by that much from one processor to another. They do not depend on the number of
threads: every entry is computed by one thread either way.
"""

import ctypes
import glob
import os

import numpy as np

__all__ = ["axpy", "available"]

MIN_SIZE = 4096

_SYMBOLS = {np.dtype(np.float32): ("scipy_cblas_saxpy64_", ctypes.c_float),
            np.dtype(np.float64): ("scipy_cblas_daxpy64_", ctypes.c_double)}


def _library_paths():
    """Candidate OpenBLAS files bundled with the NumPy that is imported."""
    package = os.path.dirname(np.__file__)
    folders = [os.path.join(os.path.dirname(package), "numpy.libs"), os.path.join(package, ".dylibs")]
    return [path for folder in folders for path in sorted(glob.glob(os.path.join(folder, "*scipy_openblas64_*")))]


def _works(fn, dtype):
    """True if ``fn`` computes ``y + a x`` for a few numbers, to within the rounding of one operation."""
    x = np.arange(1, 20, dtype=dtype) / 7
    y = np.linspace(-3, 3, 19, dtype=dtype)
    expected = y.astype(np.float64) - 0.5 * x.astype(np.float64)
    fn(y.size, -0.5, x.ctypes.data, 1, y.ctypes.data, 1)
    return np.allclose(y, expected, rtol=4 * np.finfo(dtype).eps, atol=0)


def _load():
    """{dtype: axpy function} for the BLAS bundled with NumPy; empty if it is switched off, missing or wrong."""
    if os.environ.get("NNLIB_BLAS", "1").strip() == "0":
        return {}
    for path in _library_paths():
        try:
            lib = ctypes.CDLL(path)
            found = {}
            for dtype, (name, scalar) in _SYMBOLS.items():
                fn = getattr(lib, name)
                fn.restype = None
                fn.argtypes = [ctypes.c_int64, scalar, ctypes.c_void_p, ctypes.c_int64, ctypes.c_void_p, ctypes.c_int64]
                if _works(fn, dtype):
                    found[dtype] = fn
            return found
        except (OSError, AttributeError):
            continue
    return {}


_AXPY = _load()


def available():
    """The dtypes (as strings) for which :func:`axpy` calls BLAS; an empty tuple means NumPy passes only."""
    return tuple(sorted(str(dtype) for dtype in _AXPY))


def axpy(a, x, y, scratch):
    """``y += a * x`` in place, and return ``y``.

    Args:
        a: a real scalar, used in ``y``'s dtype.
        x: an array of ``y``'s shape (if it overlaps ``y``, the NumPy passes are used).
        y: the array to update (a parameter).
        scratch: an array like ``y`` for the NumPy fallback, which overwrites it; it may be ``x`` itself when ``x``
            is a scratch array.
    """
    fn = _AXPY.get(y.dtype)
    if (fn is not None and y.size >= MIN_SIZE and x.dtype == y.dtype and x.shape == y.shape
            and x.flags.c_contiguous and y.flags.c_contiguous and x.flags.aligned and y.flags.aligned
            and y.flags.writeable and not np.may_share_memory(x, y)):
        fn(y.size, float(a), x.ctypes.data, 1, y.ctypes.data, 1)
        return y
    np.multiply(x, y.dtype.type(a), out=scratch)
    y += scratch
    return y
