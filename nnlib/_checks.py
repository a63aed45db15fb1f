"""Validation at the public boundary.

Every public function of nnlib checks its inputs here, so that a mistake is reported where it is made, with what
was expected, what was given and how to fix it, instead of deep inside NumPy.
"""

import numbers

import numpy as np

__all__ = ["as_float_array", "check_labels", "check_rng", "check_positive_int", "check_bool"]


def _shape(a):
    return tuple(np.shape(a))


def as_float_array(x, name, where, ndim=None, finite=True):
    """Return ``x`` as a floating-point ndarray, or raise a clear error.

    Args:
        x: array-like input.
        name: the argument's name, used in messages (``"logits"``).
        where: the public function or method, used in messages (``"softmax"``).
        ndim: required number of dimensions, an int or a tuple of allowed ints (None: any, at least 1).
        finite: when True, NaN or inf raises ``ValueError``.

    Raises:
        TypeError: integer, boolean, complex or object data (logits must be real floating point).
        ValueError: wrong number of dimensions, empty input, or non-finite values.
    """
    if not isinstance(x, np.ndarray):
        try:
            x = np.asarray(x)
        except (ValueError, TypeError) as exc:
            raise TypeError(f"{where}: {name} must be an array of numbers, got {type(x).__name__} ({exc})") from None
    if x.dtype.kind in "biu":
        raise TypeError(
            f"{where}: {name} must be floating point, got dtype {x.dtype} with shape {x.shape}. "
            f"Convert first, e.g. {name}.astype(np.float64)."
        )
    if x.dtype.kind != "f":
        raise TypeError(f"{where}: {name} must be a real floating-point array, got dtype {x.dtype}.")
    allowed = (ndim,) if isinstance(ndim, int) else ndim
    if allowed is not None and x.ndim not in allowed:
        want = " or ".join(f"{d}-D" for d in allowed)
        hint = ""
        if x.ndim == 1 and 2 in allowed:
            hint = f" For a single example use {name}[None, :] (shape (1, {x.shape[0]}))."
        raise ValueError(f"{where}: {name} must be {want}, got shape {x.shape} ({x.ndim}-D).{hint}")
    if x.ndim == 0:
        raise ValueError(f"{where}: {name} must have at least one dimension, got a scalar.")
    if x.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {x.shape}); pass at least one example.")
    if finite and not _all_finite(x):
        bad = np.argwhere(~np.isfinite(x))[0]
        value = x[tuple(bad)]
        raise ValueError(
            f"{where}: {name} contains non-finite values (first: {value} at index {tuple(int(i) for i in bad)} "
            f"of shape {x.shape}). Check the data, or lower the learning rate if training diverged."
        )
    return x


def _all_finite(x):
    """True if no entry of the floating array ``x`` is NaN or inf.

    A sum is finite only if every term is (inf and NaN propagate through addition), so one pass with no
    temporary settles the common case; ``np.isfinite(x).all()`` would first build a boolean array the size of
    ``x`` (47 MB for Fashion-MNIST). A sum that overflows although every entry is finite (values near the dtype's
    maximum) falls back to that exact test.
    """
    with np.errstate(over="ignore", invalid="ignore"):
        total = np.add.reduce(x, axis=None)
    return bool(np.isfinite(total)) or bool(np.isfinite(x).all())


def check_labels(y, n, c, where):
    """Validate labels for ``n`` rows and ``c`` classes.

    Integer labels of shape (N,) with values in [0, C), or a target distribution of shape (N, C) with
    non-negative rows summing to 1 (one-hot or soft labels).

    Returns:
        ``("index", y)`` with ``y`` an int64 array of shape (N,), or ``("dense", Y)`` with ``Y`` a float array.
    """
    if not isinstance(y, np.ndarray):
        y = np.asarray(y)
    if y.ndim == 1:
        if y.shape[0] != n:
            raise ValueError(
                f"{where}: logits and labels disagree on N: logits have {n} rows but y has shape {y.shape}. "
                "Pass one label per row of logits."
            )
        if y.dtype.kind == "f":
            if not np.all(np.isfinite(y)) or not np.all(y == np.round(y)):
                raise TypeError(
                    f"{where}: labels of shape (N,) must be integer class indices, got non-integer floats "
                    f"(dtype {y.dtype}). Use y.astype(np.int64), or pass one-hot targets of shape (N, C)."
                )
            y = y.astype(np.int64)
        elif y.dtype.kind == "b" or y.dtype.kind not in "iu":
            raise TypeError(
                f"{where}: labels of shape (N,) must be integer class indices, got dtype {y.dtype}."
            )
        if n and (y.min() < 0 or y.max() >= c):
            bad = int(y.min()) if y.min() < 0 else int(y.max())
            raise ValueError(
                f"{where}: label {bad} is out of range for C={c} classes; labels must be in [0, {c - 1}]."
            )
        return "index", y.astype(np.int64, copy=False)
    if y.ndim == 2:
        if y.shape != (n, c):
            raise ValueError(
                f"{where}: one-hot targets must have the logits' shape ({n}, {c}), got {y.shape}."
            )
        if y.dtype.kind not in "fiub":
            raise TypeError(f"{where}: targets must be numeric, got dtype {y.dtype}.")
        if y.dtype.kind == "b" or y.dtype.kind in "iu":
            y = y.astype(np.float64)
        sums = y.sum(axis=1)
        if not np.all(np.isfinite(y)) or np.any(y < 0) or not np.allclose(sums, 1.0, atol=1e-3):
            row = int(np.argmax(np.abs(sums - 1.0))) if np.all(np.isfinite(sums)) else 0
            raise ValueError(
                f"{where}: each row of a target distribution must be non-negative and sum to 1; "
                f"row {row} sums to {sums[row]:.6g}. Use nnlib.one_hot(y, C) for integer labels."
            )
        return "dense", y
    raise ValueError(
        f"{where}: labels must be integer indices of shape (N,) or targets of shape (N, C), got shape {y.shape}."
    )


def check_rng(rng, where):
    """Return a ``np.random.Generator`` from a Generator or an int seed; anything else raises ``TypeError``."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, numbers.Integral) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise TypeError(
        f"{where}: rng must be a np.random.Generator or an int seed, got {rng!r}. "
        "Pass rng=np.random.default_rng(0) so results are reproducible."
    )


def check_positive_int(value, name, where):
    """Return ``value`` if it is an int >= 1, else raise ``ValueError``/``TypeError`` naming it."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{where}: {name} must be a positive int, got {value!r}.")
    if value < 1:
        raise ValueError(f"{where}: {name} must be >= 1, got {value}.")
    return int(value)


def check_bool(value, name, where):
    """Return ``value`` as a bool if it is ``True`` or ``False`` (NumPy's included), else raise ``TypeError``."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{where}: {name} must be True or False, got {value!r}.")
    return bool(value)
