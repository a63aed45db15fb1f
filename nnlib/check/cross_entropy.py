"""Checker for the chapter "Cross-entropy": ``nnlib.check.cross_entropy(my_cross_entropy)``.

The reader's ``fn(logits, y)`` takes logits ``z`` of shape (N, C) and integer labels ``y`` of shape (N,) and returns
the mean loss ``L = -(1/N) sum_n log softmax(z_n)_{y_n}`` (a scalar). It is compared, case by case, with
:func:`nnlib.cross_entropy`. The cases are where hand-written versions typically go wrong: ``log(softmax + eps)``
(a capped, biased, even negative loss), ``log(softmax)`` where a probability underflows to 0, a softmax without
the max shift (overflow), the sum instead of the mean, ``p[:, y]`` instead of one entry per row, a hard-coded
number of classes, and float32 logits.
"""

import numpy as np

from ..functional import cross_entropy as _ref_cross_entropy
from ._core import Case, run_cases

__all__ = ["cross_entropy"]

_GENERAL_HINT = ("for each row n take -log softmax(z_n)_{y_n}, computed as logsumexp(z_n) - z_n[y_n], then "
                 "average over the N rows")
_MEAN_HINT = ("divide by N: the loss is the mean over the batch, not the sum (8 identical rows must give the "
              "loss of one row; the sum is 8 times larger and makes the learning rate depend on the batch size)")
_PICK_HINT = ("pick one entry per row, logp[np.arange(N), y] (shape (N,)); logp[:, y] is an (N, N) array that "
              "pairs every row with every label, and its mean mixes rows with other rows' labels")
_OVERFLOW_HINT = ("exp(1000) overflows and softmax(z)_2 = exp(-2000) underflows to 0, so log(softmax(z)) is "
                  "-inf or nan: use log-softmax, z_y - logsumexp(z), with the row max m subtracted inside "
                  "logsumexp(z) = m + log(sum(exp(z - m))), instead of log(softmax(z))")
_UNDERFLOW_HINT = ("the true-class probability exp(-800)/2 underflows to 0 in float64: log(p) is -inf, and an "
                   "eps in the log, log(p + eps), stops the loss at -log(eps) (13.8 for eps = 1e-6) instead of "
                   "800.69; drop the eps and use log-softmax, z_y - logsumexp(z)")
_WRONG_HINT = ("the true class has probability 4.7e-14, below any usual eps: log(p + eps) caps the loss near "
               "-log(eps) instead of 30.69; remove the eps and compute z_y - logsumexp(z)")
_RIGHT_HINT = ("a near-certain correct prediction has a loss of 1.9e-13 >= 0; with an eps in the log it becomes "
               "-log(1 + eps) < 0, a negative loss: remove the eps and compute logsumexp(z) - z_y")
_CLASSES_HINT = "do not hard-code 10 classes: take C from logits.shape[1] (np.eye(C)[y] or fancy indexing)"
_FLOAT32_HINT = ("in float32, exp overflows above about 88 (these logits are near 95): subtract each row's max "
                 "before exp, as in logsumexp(z) = m + log(sum(exp(z - m)))")


def _inputs():
    """The named (logits, labels) pairs of the cases; float64 unless stated."""
    rng = np.random.default_rng(21)
    same_row = np.array([[1.5, -0.5, 0.25, 2.0]])
    return {
        "batch": (rng.normal(size=(5, 10)) * 2.0, np.array([3, 0, 9, 3, 7])),
        "same_rows": (np.repeat(same_row, 8, axis=0), np.full(8, 2)),
        "pick": (rng.normal(size=(4, 3)), np.array([2, 0, 1, 0])),
        "extreme": (np.array([[1000.0, 0.0, -1000.0]]), np.array([2])),
        "underflow": (np.array([[0.0, 0.0, -800.0]]), np.array([2])),
        "wrong": (np.array([[0.0, 0.0, -30.0]]), np.array([2])),
        "right": (np.array([[30.0, 0.0, 0.0]]), np.array([0])),
        "classes": (np.array([[0.5, -1.0, 2.0, 0.0, 1.5, -2.5, 1.0]]), np.array([4])),
        "float32": (np.array([[96.0, 94.5, 95.25, 93.0, 95.75]], dtype=np.float32), np.array([0])),
    }


class _PickCase(Case):
    """A batch case that also accepts N times the mean: it judges which entries are picked, not the reduction.

    The sum instead of the mean is diagnosed by the identical-rows case, so a summing answer is not sent here
    with a hint about indexing.
    """

    def run(self, fn):
        reason = super().run(fn)
        if reason is None:
            return None
        as_sum = Case(self.name, self.args, self.expected * len(self.args[1]), self.hint, self.rtol, self.atol)
        return None if as_sum.run(fn) is None else reason


def _case(name, inputs, hint, kind=Case, **tol):
    logits, y = inputs
    expected = np.float64(_ref_cross_entropy(logits.astype(np.float64), y))
    return kind(name, [logits, y], expected, hint, **tol)


def cross_entropy(fn, verbose=True):
    """Check the reader's ``fn(logits, y)``, the mean cross-entropy from logits, against :func:`nnlib.cross_entropy`.

    ``fn`` receives logits of shape (N, C) (float64, or float32 in one case) and integer labels of shape (N,) and
    must return ``L = -(1/N) sum_n log softmax(z_n)_{y_n}`` as a scalar (a Python float or a 0-d array). The
    float32 case is compared with a tolerance of 1e-5; its result may be float32 or float64.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    x = _inputs()
    cases = [
        _case("a batch (N = 5, C = 10)", x["batch"], _GENERAL_HINT, rtol=1e-4),
        _case("mean over the batch (8 identical rows)", x["same_rows"], _MEAN_HINT, rtol=1e-4),
        _case("labels picked per row (N = 4, different labels)", x["pick"], _PICK_HINT, kind=_PickCase,
              rtol=1e-4),
        _case("extreme logits [1000, 0, -1000], label 2 (loss 2000)", x["extreme"], _OVERFLOW_HINT),
        _case("true-class probability underflows to 0 (loss 800.69)", x["underflow"], _UNDERFLOW_HINT),
        _case("confident wrong prediction, p_y = 4.7e-14 (loss 30.69)", x["wrong"], _WRONG_HINT),
        _case("confident correct prediction (loss 1.9e-13, not negative)", x["right"], _RIGHT_HINT,
              atol=1e-12),
        _case("C = 7 classes (one row)", x["classes"], _CLASSES_HINT, rtol=1e-4),
        _case("float32 logits near 95 (one row)", x["float32"], _FLOAT32_HINT, rtol=1e-5),
    ]
    return run_cases("check.cross_entropy", fn, cases, verbose)
