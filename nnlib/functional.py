"""Softmax and its relatives as plain functions: the formulas of Part I of the book.

Shapes: logits ``z`` are (N, C) (a batch of N rows of C class scores) or (C,) for one example; every function
works along the last axis. Results keep the input's floating dtype (float16, float32 or float64).
"""

import numpy as np

from ._checks import as_float_array, check_labels

__all__ = [
    "logsumexp",
    "softmax",
    "log_softmax",
    "softmax_jacobian",
    "one_hot",
    "cross_entropy",
    "accuracy",
]


def _row_max(z):
    """Row maxima with keepdims, replaced by 0 where a row has no finite maximum (all -inf)."""
    m = z.max(axis=-1, keepdims=True)
    if not np.isfinite(m).all():  # rare: skip the replacement (and its copy) when every row has a finite max
        m = np.where(np.isfinite(m), m, 0).astype(z.dtype, copy=False)
    return m


def _log_softmax(z):
    """``log_softmax`` of a validated floating array, as :func:`log_softmax` (no checks: for the hot path)."""
    shifted = z - _row_max(z)                                   # (N, C), a new array we may overwrite
    lse = np.exp(shifted).sum(axis=-1, keepdims=True)          # (N, 1): sum_j exp(z_j - m)
    np.log(lse, out=lse)
    shifted -= lse                                              # in place: z - m - log sum_j exp(z_j - m)
    return shifted


def logsumexp(z):
    """``logsumexp(z) = log(sum_j exp(z_j))`` over the last axis, computed stably as ``m + log(sum_j exp(z_j - m))``.

    Args:
        z: logits, shape (N, C) or (C,), floating point.

    Returns:
        Shape (N,) (or a 0-d array for (C,) input), same dtype as ``z``.
    """
    z = as_float_array(z, "z", "logsumexp")
    m = _row_max(z)
    return (m + np.log(np.sum(np.exp(z - m), axis=-1, keepdims=True)))[..., 0]


def softmax(z):
    """``softmax(z)_i = exp(z_i) / sum_j exp(z_j)`` over the last axis, with the row maximum subtracted first.

    Subtracting ``m = max_j z_j`` does not change the result (shift invariance) but keeps every exponent <= 0,
    so nothing overflows: ``softmax([[1000., 0., -1000.]])`` is ``[[1., 0., 0.]]``, not ``nan``.

    Args:
        z: logits, shape (N, C) or (C,), floating point, finite.

    Returns:
        Probabilities with the shape and dtype of ``z``; each row is positive (up to underflow) and sums to 1.
    """
    z = as_float_array(z, "z", "softmax")
    e = z - _row_max(z)
    np.exp(e, out=e)
    e /= np.sum(e, axis=-1, keepdims=True)
    return e


def log_softmax(z):
    """``log_softmax(z)_i = z_i - logsumexp(z)`` over the last axis.

    Exact where ``log(softmax(z))`` underflows to ``-inf``: for ``z = [1000, 0]`` it gives ``[0, -1000]``.

    Args:
        z: logits, shape (N, C) or (C,), floating point, finite.

    Returns:
        Log-probabilities with the shape and dtype of ``z``.
    """
    return _log_softmax(as_float_array(z, "z", "log_softmax"))


def softmax_jacobian(p):
    """The softmax Jacobian ``J_ij = dp_i / dz_j = p_i (delta_ij - p_j)``, that is ``diag(p) - p p^T``.

    Built explicitly for teaching and checking; training never needs it, because the backward pass is the
    vector-Jacobian product ``p * (g - sum_j g_j p_j)`` (see :class:`nnlib.Softmax`).

    Args:
        p: probabilities (the softmax output), shape (N, C) or (C,).

    Returns:
        Shape (N, C, C) (or (C, C) for a single row); each matrix is symmetric and its rows sum to 0.
    """
    p = as_float_array(p, "p", "softmax_jacobian", ndim=(1, 2))
    J = -p[..., :, None] * p[..., None, :]
    c = p.shape[-1]
    diag = J.reshape(*p.shape[:-1], c * c)[..., :: c + 1]
    diag += p
    return J.reshape(*p.shape[:-1], c, c)


def one_hot(y, num_classes, dtype=np.float64):
    """One-hot encode integer labels: ``Y[n, c] = 1 if y_n == c else 0``.

    Args:
        y: integer labels of shape (N,), each in [0, num_classes).
        num_classes: C, the number of classes (never inferred from ``y``: a batch may miss a class).
        dtype: floating dtype of the result.

    Returns:
        Shape (N, C).
    """
    if isinstance(num_classes, bool) or not isinstance(num_classes, (int, np.integer)) or num_classes < 1:
        raise ValueError(f"one_hot: num_classes must be a positive int, got {num_classes!r}.")
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"one_hot: y must be 1-D integer labels of shape (N,), got shape {y.shape}.")
    _, y = check_labels(y, y.shape[0], int(num_classes), "one_hot")
    Y = np.zeros((y.shape[0], int(num_classes)), dtype=dtype)
    Y[np.arange(y.shape[0]), y] = 1
    return Y


def cross_entropy(logits, y, reduction="mean"):
    """Cross-entropy of softmax(logits) against labels, computed stably through ``log_softmax``.

    ``L_n = -sum_c Y_nc log softmax(z_n)_c``; with integer labels this picks ``-log softmax(z_n)_{y_n}``.

    Args:
        logits: shape (N, C), floating point.
        y: integer labels of shape (N,) in [0, C), or targets of shape (N, C) whose rows sum to 1.
        reduction: ``"mean"`` (over the batch, the default), ``"sum"``, or ``"none"`` (shape (N,)).

    Returns:
        A Python float for "mean" and "sum", an array of shape (N,) for "none".
    """
    logits = as_float_array(logits, "logits", "cross_entropy", ndim=2)
    kind, y = check_labels(y, *logits.shape, "cross_entropy")
    logp = _log_softmax(logits)
    if kind == "index":
        losses = -logp[np.arange(logits.shape[0]), y]
    else:
        losses = -np.sum(y * logp, axis=1)
    return _reduce(losses, reduction, "cross_entropy")


def _reduce(losses, reduction, where):
    if reduction == "mean":
        return float(np.add.reduce(losses) / losses.shape[0])     # np.mean(losses), without its overhead
    if reduction == "sum":
        return float(np.add.reduce(losses))
    if reduction == "none":
        return losses
    raise ValueError(f"{where}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}.")


def accuracy(scores, y):
    """Fraction of rows whose highest score is the true class: ``mean_n [argmax_c scores_nc == y_n]``.

    Args:
        scores: logits or probabilities, shape (N, C).
        y: integer labels of shape (N,), or one-hot targets of shape (N, C).

    Returns:
        A Python float in [0, 1].
    """
    scores = as_float_array(scores, "scores", "accuracy", ndim=2, finite=False)
    kind, y = check_labels(y, *scores.shape, "accuracy")
    if kind == "dense":
        y = np.argmax(y, axis=1)
    return float(np.mean(np.argmax(scores, axis=1) == y))
