"""Losses: ``forward(inputs, y) -> float`` and ``backward() -> dL/dinputs``.

Both reduce by the mean over the batch by default, so the gradient carries a factor 1/N and the learning rate
does not depend on the batch size. Labels are integer class indices of shape (N,) or targets of shape (N, C)
whose rows sum to 1 (one-hot or soft labels).
"""

import numpy as np

from ._checks import as_float_array, check_labels
from .functional import _log_softmax, _reduce

__all__ = ["SoftmaxCrossEntropy", "CrossEntropy"]

_REDUCTIONS = ("mean", "sum")


class _Loss:
    def __init__(self, reduction="mean"):
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be 'mean' or 'sum', got {reduction!r}.")
        self.reduction = reduction
        self._cache = None
        self.params = {}
        self.grads = {}

    def __call__(self, inputs, y):
        return self.forward(inputs, y)

    def _cached(self):
        if self._cache is None:
            raise RuntimeError(
                f"{type(self).__name__}.backward was called before forward: compute the loss first."
            )
        return self._cache

    def _scale(self, n):
        return 1.0 / n if self.reduction == "mean" else 1.0

    def __repr__(self):
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class SoftmaxCrossEntropy(_Loss):
    """Softmax and cross-entropy fused: ``L = -(1/N) sum_n log softmax(z_n)_{y_n}`` from logits ``z`` (N, C).

    Fusing the two gives the stable ``log_softmax`` in the forward pass and the simple gradient
    ``dL/dz = (softmax(z) - Y) / N`` in the backward pass (``Y`` the one-hot targets), with no Jacobian.

    Args:
        reduction: ``"mean"`` over the batch (default) or ``"sum"``.
    """

    def forward(self, logits, y):
        """Return the loss (a Python float) for logits (N, C) and labels (N,) or targets (N, C)."""
        logits = as_float_array(logits, "logits", "SoftmaxCrossEntropy.forward", ndim=2)
        kind, y = check_labels(y, *logits.shape, "SoftmaxCrossEntropy.forward")
        if kind == "dense":
            logp = _log_softmax(logits)                # (N, C); the logits were validated just above
            self._cache = (kind, np.exp(logp), y)      # softmax(z), for backward
            return _reduce(-np.sum(y * logp, axis=1), self.reduction, "SoftmaxCrossEntropy")
        # Integer labels, the training hot path. The same log-sum-exp as log_softmax, computed on the transposed
        # (C, N) copy: NumPy reduces over the first axis of a C-order array with whole-row vector operations, and
        # over a short last axis (C = 10) one example at a time, several times slower.
        n = logits.shape[0]
        zt = logits.T.copy()                           # (C, N), ours to overwrite
        zt -= zt.max(axis=0)                           # z - m, with m the largest logit of each example
        at = y * n + np.arange(n)                      # flat positions of the entries (y_n, n) of zt
        picked = zt.ravel()[at]                        # z_{y_n} - m_n: pick one entry per example, no one-hot
        np.exp(zt, out=zt)
        s = zt.sum(axis=0)                             # sum_j exp(z_j - m), shape (N,)
        self._cache = (kind, zt, s, at)
        return _reduce(np.log(s) - picked, self.reduction, "SoftmaxCrossEntropy")   # -log p_{n, y_n}

    def backward(self, grad=1.0):
        """Return ``dL/dz = grad * (softmax(z) - Y) / N`` with the logits' shape and dtype."""
        kind, *cache = self._cached()
        if kind == "dense":
            P, Y = cache
            g = P - Y.astype(P.dtype, copy=False)      # a new array: the cache stays valid for another call
        else:
            E, s, at = cache
            g = E / s                                  # softmax(z), transposed (C, N), a new array
            g.ravel()[at] -= 1                         # subtract the one-hot Y without building it
            g = g.T                                    # (N, C) again: a view, no copy
        g *= g.dtype.type(grad * self._scale(g.shape[0]))
        return g


class CrossEntropy(_Loss):
    """Cross-entropy on probabilities: ``L = -(1/N) sum_n sum_c Y_nc log p_nc`` (the "separate" path).

    Put after a :class:`nnlib.Softmax` layer it gives the same loss and gradient as
    :class:`SoftmaxCrossEntropy`, at a higher cost and with ``log(0) = -inf`` when a probability underflows.
    Its gradient is ``dL/dp = -Y / (N p)``.

    Args:
        reduction: ``"mean"`` over the batch (default) or ``"sum"``.
    """

    def forward(self, p, y):
        """Return the loss (a Python float) for probabilities p (N, C) and labels (N,) or targets (N, C)."""
        p = as_float_array(p, "p", "CrossEntropy.forward", ndim=2)
        if np.any(p < 0) or np.any(p > 1):
            raise ValueError(
                "CrossEntropy.forward: expects probabilities in [0, 1] (a Softmax output), got values in "
                f"[{p.min():.4g}, {p.max():.4g}]. For raw scores use SoftmaxCrossEntropy."
            )
        kind, y = check_labels(y, *p.shape, "CrossEntropy.forward")
        Y = y if kind == "dense" else _one_hot_like(y, p)
        with np.errstate(divide="ignore", invalid="ignore"):
            losses = -np.sum(np.where(Y > 0, Y * np.log(p), 0), axis=1)
        self._cache = (p, Y)
        return _reduce(losses, self.reduction, "CrossEntropy")

    def backward(self, grad=1.0):
        """Return ``dL/dp = -grad * Y / (N p)`` (inf where the true class has probability 0)."""
        p, Y = self._cached()
        with np.errstate(divide="ignore", invalid="ignore"):
            g = np.where(Y > 0, -Y / p, 0).astype(p.dtype, copy=False)
        return g * p.dtype.type(grad * self._scale(p.shape[0]))


def _one_hot_like(y, p):
    Y = np.zeros_like(p)
    Y[np.arange(p.shape[0]), y] = 1
    return Y
