"""Checker for the chapter "Softmax regression on Fashion-MNIST": ``nnlib.check.sgd_step(my_sgd_step)``.

The reader's ``fn(W, b, X, y, lr)`` takes the weights ``W`` (D, C), the bias ``b`` (C,), a batch ``X`` (N, D) with
integer labels ``y`` (N,) in [0, C), and the learning rate ``lr``, and returns the pair ``(W_new, b_new)`` after one
step of gradient descent on the mean cross-entropy of softmax regression::

    Z = X W + b                       (N, C) logits
    G = (softmax(Z) - Y) / N          (N, C) dL/dZ, Y the one-hot labels
    W_new = W - lr X^T G              (D, C)
    b_new = b - lr sum_n G_n          (C,)

Updating ``W`` and ``b`` in place and returning them is accepted, as is returning new arrays. The reference is
nnlib's own model (:class:`nnlib.Linear`, :class:`nnlib.SoftmaxCrossEntropy` and :class:`nnlib.optim.SGD`). The
cases are where hand-written steps typically go wrong: the 1/N of the mean, the number of classes hard-coded to 10
or inferred from the labels, a softmax that overflows at extreme logits or shifts by one global maximum, and the
product of means in place of ``X^T G``. When a wrong result has a recognisable signature (the product of means, a
missing 1/N, a step uphill, a bias that is never updated or never added), the case's hint is replaced by that
diagnosis.
"""

import re

import numpy as np

from ..layers import Linear
from ..losses import SoftmaxCrossEntropy
from ..optim import SGD
from ._core import Case, run_cases

__all__ = ["sgd_step"]

_GENERAL_HINT = ("one step is Z = X @ W + b, G = (softmax(Z) - Y) / N with Y the one-hot labels, then "
                 "W - lr * X.T @ G and b - lr * G.sum(axis=0); return the pair (W_new, b_new)")
_MEAN_HINT = ("8 copies of one example must give the step of that example alone, because the loss is the mean "
              "over the batch: divide P - Y by N = X.shape[0] (without the 1/N the step is N times too large)")
_ONE_HINT = ("with N = 1, X is still 2-D, shape (1, D): keep the batch axis (sum over axis=0 for b, X.T @ G for W) "
             "and the results keep the shapes of W (D, C) and b (C,)")
_CLASSES_HINT = ("take C from W.shape[1]: do not hard-code 10 classes, and do not infer C from the labels "
                 "(y.max() + 1), since a batch may miss the last classes; build Y with np.eye(C)[y] or subtract 1 at "
                 "P[np.arange(N), y]")
_STABLE_HINT = ("logits of +-1000 overflow a naive softmax (exp(1000) is inf, and inf / inf is nan): subtract each "
                "row's own maximum before exp, Z - Z.max(axis=1, keepdims=True); one global maximum is not enough "
                "when the rows' maxima are 2000 apart")
_MEANS_HINT = ("this is the product of means, outer(mean_n x_n, mean_n (p_n - y_n)): dW must be the mean of the "
               "products, X.T @ G with G = (P - Y) / N; the two agree only when N = 1 (or all rows are equal)")
_N_HINT = ("the step is N times too large: the loss is the mean over the batch, so G = (P - Y) / N with "
           "N = X.shape[0]; without the 1/N only a single example passes")
_W_N_HINT = ("W moved N times too far (b is right): dW = X.T @ G already contains the 1/N through G = (P - Y) / N; "
             "do not multiply it by N")
_SIGN_HINT = ("the step goes uphill: gradient descent subtracts the gradient, W - lr * dW and b - lr * db, with "
              "dW = X.T @ G and G = (P - Y) / N (not Y - P)")
_B_FROZEN_HINT = "W is right but b was not updated: b_new = b - lr * G.sum(axis=0)"
_B_MISSING_HINT = "the logits need the bias: Z = X @ W + b (the step was computed as if b were 0)"


def _reference_step(W, b, X, y, lr):
    """One SGD step of nnlib's own softmax regression; returns new arrays ``(W_new, b_new)``."""
    layer = Linear(W.shape[0], W.shape[1], rng=0, init="zeros")
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    loss = SoftmaxCrossEntropy()
    loss.forward(layer.forward(X), y)
    layer.backward(loss.backward(), input_grad=False)
    SGD(layer, lr=lr).step()
    return layer.params["W"].copy(), layer.params["b"].copy()


def _signatures(W, b, X, y, lr):
    """Typical wrong answers for these inputs, as ``((W_wrong, b_wrong), hint)`` pairs, checked in this order."""
    W_new, b_new = _reference_step(W, b, X, y, lr)
    dW, db = (W - W_new) / lr, (b - b_new) / lr            # the correct gradients, X^T G and sum_n G_n
    n = X.shape[0]
    outer_means = np.outer(X.mean(axis=0), db)             # mean_n x_n times mean_n (p_n - y_n): db = mean(P - Y)
    W_no_bias, b_no_bias = _reference_step(W, np.zeros_like(b), X, y, lr)
    wrong = []
    if n > 1:  # for one example the product of means and the missing 1/N are right: nothing to diagnose
        equal_rows = bool(np.all(X == X[0]))              # then the product of means is right too
        wrong += [] if equal_rows else [((W - lr * outer_means, b_new), _MEANS_HINT),
                                        ((W - lr * outer_means, b - lr * n * db), _MEANS_HINT)]
        wrong += [((W - lr * n * outer_means, b_new), _W_N_HINT if equal_rows else _MEANS_HINT),
                  ((W - lr * n * dW, b - lr * n * db), _N_HINT)]
    wrong += [
        ((W + lr * dW, b + lr * db), _SIGN_HINT),
        ((W_new, b), _B_FROZEN_HINT),
        ((W_no_bias, b + b_no_bias), _B_MISSING_HINT),     # b updated with the gradient of the bias-free logits
    ]
    return wrong


class _StepCase(Case):
    """A case whose answer is the pair ``(W_new, b_new)``; W and b are compared separately.

    When the case fails with a finite answer of the right shapes that matches one of the typical wrong answers,
    that answer's hint replaces the case's own hint.
    """

    def __init__(self, name, args, hint, rtol=1e-9, atol=1e-12):
        expected = _reference_step(*args)
        super().__init__(name, args, expected, hint, rtol=rtol, atol=atol)
        self.default_hint = hint
        self.wrong = _signatures(*args)

    def run(self, fn):
        self.hint = self.default_hint
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]
        try:
            with np.errstate(all="ignore"):
                out = fn(*args)
        except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
            if self.args[0].shape[1] != 10 and re.search(r"\b10\b", str(exc)):
                self.hint = _CLASSES_HINT       # a shape error that mentions 10 classes where C is not 10
            return f"raised {type(exc).__name__}: {exc}"
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else \
                type(out).__name__
            return f"returned {got}, expected the pair (W_new, b_new)"
        got = [np.asarray(a) for a in out]
        reasons = []
        for name, value, expected in zip(("W", "b"), got, self.expected):
            if value.shape != expected.shape:
                return f"returned {name} of shape {value.shape}, expected {expected.shape}"
            if value.dtype.kind not in "fiu":
                return f"returned {name} of dtype {value.dtype}, expected floating point"
            value = value.astype(np.float64)
            if not np.all(np.isfinite(value)):
                return f"returned nan or inf in {name}"
            if not np.allclose(value, expected, rtol=self.rtol, atol=self.atol):
                err = np.max(np.abs(value - expected))
                reasons.append(f"{name} differs from the reference (largest difference {err:.3g})")
        if not reasons:
            return None
        for (W_wrong, b_wrong), hint in self.wrong:
            if np.allclose(got[0], W_wrong, rtol=1e-7, atol=1e-10) and np.allclose(got[1], b_wrong, rtol=1e-7,
                                                                                  atol=1e-10):
                self.hint = hint
                break
        return "; ".join(reasons)


def _cases():
    rng = np.random.default_rng(2017)
    cases = []

    # A batch with C = 10 and every label up to 9, a non-zero bias, lr = 0.1.
    X = rng.normal(size=(8, 6))
    y = np.array([9, 0, 3, 3, 7, 1, 9, 5])
    W, b = 0.5 * rng.normal(size=(6, 10)), rng.normal(size=10)
    cases.append(_StepCase("a batch (N = 8, D = 6, C = 10)", (W, b, X, y, 0.1), _GENERAL_HINT))

    # 8 copies of one example: the mean over the batch makes this the step of the example alone.
    x1 = rng.normal(size=(1, 5))
    W, b = 0.5 * rng.normal(size=(5, 4)), rng.normal(size=4)
    cases.append(_StepCase("mean over the batch (8 copies of one example, C = 4)",
                           (W, b, np.repeat(x1, 8, axis=0), np.full(8, 3), 0.5), _MEAN_HINT))

    # One example: N = 1, where the product of means and the missing 1/N happen to be right.
    cases.append(_StepCase("one example (N = 1, C = 10)", (0.5 * rng.normal(size=(7, 10)), rng.normal(size=10),
                                                            rng.normal(size=(1, 7)), np.array([9]), 0.5), _ONE_HINT))

    # Three classes, all present.
    cases.append(_StepCase("C = 3 classes (not 10)", (0.5 * rng.normal(size=(4, 3)), rng.normal(size=3),
                                                      rng.normal(size=(6, 4)), np.array([0, 2, 1, 2, 0, 1]), 0.5),
                           _CLASSES_HINT))

    # Five classes, the last two absent from the batch.
    cases.append(_StepCase("C = 5 classes, labels only 0..2 (classes 3 and 4 absent)",
                           (0.5 * rng.normal(size=(4, 5)), rng.normal(size=5), rng.normal(size=(6, 4)),
                            np.array([0, 2, 1, 2, 0, 1]), 0.5), _CLASSES_HINT))

    # Extreme logits: W is the identity plus noise, so Z is about X + b, with rows whose maxima are ~2000 apart.
    X = np.array([[1000.0, 0.0, -1000.0, 5.0],
                  [-1000.0, -990.0, -1200.0, -1500.0],
                  [3.0, 2.0, 1.0, 900.0]])
    W = np.eye(4) + 1e-3 * rng.normal(size=(4, 4))
    cases.append(_StepCase("extreme logits (about +-1000, row maxima 2000 apart, C = 4)",
                           (W, np.array([0.5, -0.5, 0.0, 1.0]), X, np.array([2, 1, 3]), 0.01), _STABLE_HINT,
                           rtol=1e-9, atol=1e-9))
    return cases


def sgd_step(fn, verbose=True):
    """Check ``fn(W, b, X, y, lr) -> (W_new, b_new)``, one SGD step of softmax regression on the mean cross-entropy.

    ``W`` is (D, C), ``b`` is (C,), ``X`` is (N, D), all float64; ``y`` holds integer labels (N,) in [0, C); ``lr``
    is a positive float. The answer is ``W - lr X^T G`` and ``b - lr sum_n G_n`` with ``G = (softmax(X W + b) - Y) / N``.
    Cases: a batch (N = 8, C = 10); 8 copies of one example (the mean over the batch); one example (N = 1); C = 3;
    C = 5 with the last two classes absent from the labels; and extreme logits of about +-1000 whose row maxima are
    2000 apart. The arguments are copies, so updating them in place is fine. A shape error that mentions 10 in a case
    with C != 10 is reported with the hint about hard-coded classes.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check._core.CheckReport`, true when every case passed.
    """
    return run_cases("check.sgd_step", fn, _cases(), verbose)
