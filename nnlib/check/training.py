"""Checker for the chapter "Training an MLP on Fashion-MNIST": ``nnlib.check.confusion_matrix(fn)``.

The reader's ``fn(y_true, y_pred, C)`` takes integer labels ``y_true`` and predictions ``y_pred``, both of shape
(N,) with values in [0, C), and the number of classes C, and returns the (C, C) integer matrix of counts

    M[i, j] = number of n with y_true[n] = i and y_pred[n] = j

(rows are true classes, columns predicted classes, so ``M.sum() == N`` and ``trace(M) / N`` is the accuracy). It is
compared, case by case, with :func:`nnlib.plot.confusion_matrix`. The cases are where hand-written versions
typically go wrong: the matrix transposed, its size taken from the data instead of C (a class absent from the
predictions or from both arrays), the fancy-indexed ``M[y_true, y_pred] += 1`` that counts a repeated pair only
once, float counts, uint8 labels whose product ``y_true * C`` wraps around, and a single example. When a wrong
result has a recognisable signature, the case's hint is replaced by that diagnosis.
"""

import numpy as np

from ..plot import confusion_matrix as _ref_confusion_matrix
from ._core import Case, run_cases

__all__ = ["confusion_matrix"]

_GENERAL_HINT = ("start from M = np.zeros((C, C), dtype=np.int64) and add 1 at M[y_true[n], y_pred[n]] for every "
                 "example n (a loop, np.add.at, or np.bincount(y_true * C + y_pred, minlength=C * C))")
_TRANSPOSED_HINT = ("the result is the transpose of the expected matrix: rows must be the true classes and columns "
                    "the predictions, M[y_true[n], y_pred[n]] += 1 (not M[y_pred[n], y_true[n]]); return M, not M.T")
_SHAPE_HINT = ("the size of the matrix must come from the argument C, not from the data: a class can be absent "
               "from y_pred (never predicted) or from both arrays, and y.max() + 1 or len(np.unique(y)) then gives "
               "a matrix that is too small")
_REPEAT_HINT = ("repeated (true, predicted) pairs were counted once: with fancy indexing, M[y_true, y_pred] += 1 "
                "writes each repeated cell only once; accumulate with np.add.at(M, (y_true, y_pred), 1), a loop, "
                "or np.bincount")
_DTYPE_HINT = ("counts are integers: np.zeros((C, C)) is float64; use np.zeros((C, C), dtype=np.int64) (or "
               "np.bincount, which returns integers)")
_UINT8_HINT = ("with uint8 labels, y_true * C + y_pred is computed in uint8 and wraps around above 255 (here "
               "C = 20): convert the labels first, y_true.astype(np.int64)")
_SUM_HINT = ("every example must be counted exactly once, so the entries must sum to N and row i to the number "
             "of examples of class i")


class _ConfusionCase(Case):
    """A case whose result must be an integer (C, C) array; known wrong signatures sharpen the hint."""

    def __init__(self, name, y_true, y_pred, num_classes, hint):
        expected = _ref_confusion_matrix(y_true, y_pred, num_classes)
        super().__init__(name, [y_true, y_pred, num_classes], expected, hint, rtol=0, atol=0)
        self._default_hint = hint

    def run(self, fn):
        reason = super().run(fn)
        outputs = self.outputs
        self.hint = self._default_hint
        got = np.asarray(outputs[-1]) if outputs else None
        if reason is None and got.dtype.kind not in "iu":
            reason = f"returned dtype {got.dtype}, expected an integer dtype such as int64"
            self.hint = _DTYPE_HINT
        elif reason is not None and got is not None:
            self.hint = _diagnose(self.expected, got) or self._default_hint
        return reason


def _diagnose(expected, got):
    """A sharper hint when ``got`` has the signature of a known mistake, else None."""
    try:
        got = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None
    if got.shape != expected.shape:
        return _SHAPE_HINT if got.ndim == 2 else None
    if np.array_equal(got, expected.T):
        return _TRANSPOSED_HINT
    if np.array_equal(got, (expected > 0).astype(np.float64)):
        return _REPEAT_HINT
    if got.sum() != expected.sum():
        return _SUM_HINT
    return None


def _inputs():
    """The named (y_true, y_pred, C) triples of the cases."""
    rng = np.random.default_rng(31)
    y_many = rng.integers(0, 10, size=500)
    p_many = np.where(rng.random(500) < 0.7, y_many, rng.integers(0, 10, size=500))
    y_wide = rng.integers(0, 20, size=200).astype(np.uint8)
    p_wide = np.where(rng.random(200) < 0.5, y_wide, rng.integers(0, 20, size=200)).astype(np.uint8)
    return {
        "distinct": (np.array([0, 1, 2]), np.array([1, 2, 0]), 3),
        "asymmetric": (np.array([0, 0, 0, 1, 2, 2]), np.array([0, 1, 1, 1, 2, 0]), 3),
        "never_predicted": (np.array([0, 1, 2, 3, 3, 1]), np.array([0, 1, 2, 2, 2, 1]), 4),
        "absent": (np.array([0, 2, 1, 0]), np.array([0, 1, 1, 2]), 5),
        "many": (y_many, p_many, 10),
        "uint8": (y_wide, p_wide, 20),
        "single": (np.array([3]), np.array([1]), 4),
    }


def confusion_matrix(fn, verbose=True):
    """Check the reader's ``fn(y_true, y_pred, C)`` against :func:`nnlib.plot.confusion_matrix`.

    Args:
        fn: the reader's function; takes labels (N,), predictions (N,) and the number of classes C, and returns
            the (C, C) integer counts with ``M[i, j]`` = number of examples of true class i predicted as j.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    z = _inputs()

    def case(name, key, hint):
        return _ConfusionCase(name, *z[key], hint)

    cases = [
        case("three examples, each in a different cell", "distinct", _GENERAL_HINT),
        case("rows are true classes, columns predictions", "asymmetric", _TRANSPOSED_HINT),
        case("a class that is never predicted (C given explicitly)", "never_predicted", _SHAPE_HINT),
        case("a class absent from both arrays", "absent", _SHAPE_HINT),
        case("500 examples: repeated pairs, counts sum to N", "many", _REPEAT_HINT),
        case("uint8 labels with C = 20", "uint8", _UINT8_HINT),
        case("a single example", "single", _GENERAL_HINT),
    ]
    return run_cases("check.confusion_matrix", fn, cases, verbose)
