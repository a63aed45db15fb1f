"""Numerical gradients by central differences, and ``gradcheck`` to compare them with a module's backward.

Central differences ``(f(x + eps) - f(x - eps)) / (2 eps)`` have truncation error O(eps^2) instead of the O(eps)
of forward differences, so in float64 ``eps = 1e-6`` gives about 10 correct digits.
"""

import numpy as np

from ._checks import as_float_array, check_rng

__all__ = ["numerical_gradient", "gradcheck", "GradcheckError", "relative_error"]


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with central differences; the message names the array and the index."""


def numerical_gradient(f, x, eps=1e-6):
    """Central-difference gradient of a scalar function: ``g_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)``.

    ``x`` is perturbed in place one element at a time and restored exactly, so ``f`` may close over it (a layer's
    parameter array, for instance).

    Args:
        f: callable ``f(x) -> float``.
        x: float array (float64 for meaningful digits), any shape; modified temporarily.
        eps: step size.

    Returns:
        An array with the shape of ``x``.
    """
    if not isinstance(x, np.ndarray):
        raise TypeError("numerical_gradient: x must be a NumPy array that f reads (it is perturbed in place).")
    as_float_array(x, "x", "numerical_gradient")
    if not eps > 0:
        raise ValueError(f"numerical_gradient: eps must be positive, got {eps!r}.")
    grad = np.zeros(x.shape, dtype=np.float64)
    flat = x.reshape(-1)
    if not np.shares_memory(flat, x):
        raise ValueError("numerical_gradient: x must be contiguous so it can be perturbed in place.")
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + eps
        f_plus = float(f(x))
        flat[i] = old - eps
        f_minus = float(f(x))
        flat[i] = old
        grad.reshape(-1)[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def relative_error(analytic, numeric):
    """``max_i |a_i - n_i| / max(max_i |a_i|, max_i |n_i|)``, and the index where the difference is largest.

    Scaling by the largest magnitude of the whole array (not element by element) keeps gradients that are
    exactly zero, such as those of dead ReLU units, from producing meaningless ratios.
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    diff = np.abs(a - n)
    scale = max(np.max(np.abs(a)), np.max(np.abs(n)), np.finfo(np.float64).tiny)
    idx = np.unravel_index(int(np.argmax(diff)), a.shape) if a.ndim else ()
    return float(np.max(diff) / scale), tuple(int(i) for i in idx)


def gradcheck(module, X, y=None, eps=1e-6, tol=1e-7, rng=0):
    """Compare a layer's (or loss's) backward pass with central differences, for the input and every parameter.

    For a layer, the scalar checked is ``f = sum(forward(X) * G)`` with a random upstream gradient ``G``, so
    that ``backward(G)`` must return ``df/dX`` and fill ``grads`` with ``df/dparams``. For a loss, pass the
    labels ``y``: the scalar is the loss itself and ``backward()`` gives its gradient.

    Args:
        module: an nnlib layer, ``Sequential`` or loss, in float64.
        X: float64 input batch.
        y: labels, only for a loss.
        eps: central-difference step.
        tol: largest acceptable relative error (see :func:`relative_error`).
        rng: Generator or seed for the random upstream gradient.

    Returns:
        The largest relative error over the input and all parameters (a float).

    Raises:
        GradcheckError: if an error exceeds ``tol``; the message names the array (``"X"`` or the parameter key),
            the index of the worst element and both values.
    """
    X = as_float_array(X, "X", "gradcheck")
    where = type(module).__name__
    if X.dtype != np.float64 or any(p.dtype != np.float64 for p in module.params.values()):
        raise TypeError(
            f"gradcheck: {where} needs float64 input and parameters (float32 keeps only ~7 digits, too few "
            "for finite differences). Build it with dtype=np.float64 and pass X.astype(np.float64)."
        )
    X = X.copy()
    if y is not None:
        def f(_):
            return module.forward(X, y)

        module.forward(X, y)
        analytic = {"X": np.array(module.backward(), dtype=np.float64)}
    else:
        G = check_rng(rng, "gradcheck").standard_normal(size=np.shape(module.forward(X)))

        def f(_):
            return float(np.sum(module.forward(X) * G))

        analytic = {"X": np.array(module.backward(G), dtype=np.float64)}
    analytic.update({k: np.array(v, dtype=np.float64) for k, v in module.grads.items()})
    targets = {"X": X, **module.params}
    worst = 0.0
    for name, array in targets.items():
        numeric = numerical_gradient(f, array, eps)
        err, idx = relative_error(analytic[name], numeric)
        if err > tol:
            raise GradcheckError(
                f"gradcheck: {where} gradient of {name!r} is wrong at index {idx}: backward gives "
                f"{analytic[name][idx]:.10g}, central differences give {numeric[idx]:.10g} "
                f"(relative error {err:.3g} > tol {tol:g})."
            )
        worst = max(worst, err)
    return worst
