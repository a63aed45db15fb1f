"""Checker for the appendix "How fast is nnlib?": ``nnlib.check.sgd_update(fn)``.

``fn(theta, g, lr, scratch)`` performs the SGD step ``theta <- theta - lr g`` **in place**: it changes the array
``theta`` it was given (what it returns is ignored), leaves ``g`` as it was, may use ``scratch`` (an array of
``theta``'s shape and dtype) for intermediate results, keeps ``theta``'s dtype whatever the type of ``lr``, and
allocates nothing the size of ``theta``. Cases: float32 and float64 parameters, ``lr`` as a Python float, a NumPy
float64 scalar and a 0-d array, a bias vector, and one measurement of the memory a call allocates (with
``tracemalloc``) on the first layer's 784 x 256 weights.
"""

import tracemalloc

import numpy as np

from ._core import Case, run_cases

__all__ = ["sgd_update"]

_REBIND_HINT = ("update the array you were given: theta -= ... (or np.subtract(theta, ..., out=theta)); "
                "theta = theta - lr * g only rebinds the local name, and the caller's array stays as it was")
_DTYPE_HINT = ("cast the learning rate to the parameters' dtype first, lr = theta.dtype.type(lr): a NumPy float64 "
               "(or a 0-d float64 array) makes lr * g float64, computed at float64 speed in a float64 temporary "
               "and rounded back into theta")
_ALLOC_HINT = ("lr * g and theta - lr * g each allocate a new array the size of theta; write the product into "
               "the scratch array, np.multiply(g, lr, out=scratch), then theta -= scratch")


class _UpdateCase(Case):
    """Calls ``fn(theta, g, lr, scratch)`` on copies and checks ``theta`` after the call, not the return value."""

    def __init__(self, name, theta, g, lr, hint, rtol=1e-6, measure_allocation=False):
        dt = theta.dtype.type
        expected = theta - dt(float(lr)) * g                # the update in theta's dtype
        super().__init__(name, [theta, g, lr], expected, hint, rtol=rtol, atol=0, dtype=theta.dtype)
        self.measure_allocation, self._default_hint = measure_allocation, hint

    def run(self, fn):
        theta0, g0, lr = self.args
        theta, g, scratch = theta0.copy(), g0.copy(), np.empty_like(theta0)
        lr = lr.copy() if isinstance(lr, np.ndarray) else lr
        self.hint = self._default_hint
        reason = super().run(lambda *_: (fn(theta, g, lr, scratch), theta)[1])
        if reason is not None:
            if self.outputs and np.array_equal(theta, theta0):   # ran without error, but theta is untouched
                self.hint = _REBIND_HINT
                return reason + " (theta was not changed in place)"
            return reason
        if not np.array_equal(g, g0):
            return "changed the gradient g; it must only be read (an optimizer's caller may still need it)"
        if self.measure_allocation:
            theta2 = theta0.copy()
            tracemalloc.start()
            try:
                fn(theta2, g, lr, scratch)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
            if peak > theta0.nbytes // 10:
                return (f"allocated {peak / 1e3:.0f} kB during the call, for a theta of {theta0.nbytes / 1e3:.0f} kB: "
                        "a new array on every step")
        return None


def sgd_update(fn, verbose=True):
    """Check ``fn(theta, g, lr, scratch)``, an in-place SGD step ``theta -= lr * g``; print and return the report."""
    rng = np.random.default_rng(20)
    W32 = rng.normal(size=(784, 256)).astype(np.float32)
    g32 = rng.normal(size=W32.shape).astype(np.float32)
    W64 = rng.normal(size=(30, 20))
    g64 = rng.normal(size=W64.shape)
    b32 = rng.normal(size=128).astype(np.float32)
    gb32 = rng.normal(size=128).astype(np.float32)
    cases = [
        _UpdateCase("float64 weights, lr a Python float", W64, g64, 0.1, _REBIND_HINT, rtol=1e-12),
        _UpdateCase("float32 weights (784 x 256), lr a Python float", W32, g32, 0.05, _REBIND_HINT),
        # rtol=0: float32 arithmetic gives exactly the reference; a product computed in float64 and rounded back
        # differs in the last bit of some entries.
        _UpdateCase("float32 weights, lr = np.float64(0.05)", W32, g32, np.float64(0.05), _DTYPE_HINT, rtol=0),
        _UpdateCase("float32 weights, lr a 0-d float64 array", W32, g32, np.array(0.05), _DTYPE_HINT, rtol=0),
        _UpdateCase("a float32 bias vector", b32, gb32, 0.05, _REBIND_HINT),
        _UpdateCase("no array the size of theta allocated (tracemalloc)", W32, g32, 0.05, _ALLOC_HINT,
                    measure_allocation=True),
    ]
    return run_cases("sgd_update", fn, cases, verbose)
