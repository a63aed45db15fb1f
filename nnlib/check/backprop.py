"""Checkers for the chapter "The chain rule and backpropagation".

* :func:`linear_backward` checks ``fn(X, W, G) -> (dX, dW, db)``, the backward pass of ``Y = X W + b``:
  ``dX = G W^T`` (N, D), ``dW = X^T G`` (D, H), ``db = sum_n G_n`` (H,).
* :func:`softmax_cross_entropy_grad` checks ``fn(logits, y) -> dL/dlogits`` for the mean cross-entropy of
  softmax(logits) with integer labels: ``dL/dz = (softmax(z) - Y) / N``.

Each case is one output in one situation. When a case fails, its hint is chosen by comparing the reader's result
with the typical wrong answers (the product of means, a missing 1/N, ...); otherwise the case's own hint is shown.
"""

import numpy as np

from ..layers import Linear
from ..losses import SoftmaxCrossEntropy
from ._core import Case, CheckReport, run_cases

__all__ = ["linear_backward", "softmax_cross_entropy_grad"]


class _Recorder:
    """Wrap a function and keep its last result, so a failing case can be diagnosed without a second call."""

    def __init__(self, fn):
        self.fn, self.result = fn, None

    def __call__(self, *args):
        self.result = None
        self.result = self.fn(*args)
        return self.result


class _DiagnosedCase(Case):
    """A :class:`Case` that knows typical wrong answers: ``wrong`` is a list of ``(array, hint)``.

    When the case fails and the result matches one of the wrong arrays, that entry's hint replaces the case's
    default hint in the report; when the function raised, ``raised_hint`` (if given) replaces it.
    """

    def __init__(self, name, args, expected, hint, wrong=(), raised_hint=None, rtol=1e-9, atol=1e-12):
        super().__init__(name, args, expected, hint, rtol=rtol, atol=atol)
        self.default_hint, self.wrong, self.raised_hint = hint, list(wrong), raised_hint

    def run(self, fn):
        recorder = _Recorder(fn)
        reason = super().run(recorder)
        self.hint = self.default_hint
        if reason is not None and reason.startswith("raised") and self.raised_hint:
            self.hint = self.raised_hint
        elif reason is not None and recorder.result is not None:
            got = np.asarray(recorder.result)
            for array, hint in self.wrong:
                if got.shape == array.shape and got.dtype.kind in "fiu" and np.allclose(
                        got, array, rtol=1e-6, atol=1e-9):
                    self.hint = hint
                    break
        return reason


def _require_callable(title, fn):
    if not callable(fn):
        raise TypeError(f"{title}: pass your function itself (e.g. my_{title}), got {fn!r}.")


# ---------------------------------------------------------------------------------------------- linear_backward

_HINT_DX = ("dX = G @ W.T (note the transpose): W is (D, H), so W.T maps each H-vector of G back to the D "
            "inputs; dX has the shape of X, (N, D).")
_HINT_DW = "dW = X.T @ G, the sum over examples of the outer products x_n^T g_n; dW has the shape of W, (D, H)."
_HINT_DW_MEANS = ("dW = X^T G sums the products over examples; it is not the product of means "
                  "(mean(X)^T mean(G) agrees with it only when N = 1). Use X.T @ G.")
_HINT_DW_EXTRA_N = ("dW = X.T @ G with no extra 1/N: the 1/N of the mean loss is already inside G = dL/dY, "
                    "so dividing again shrinks the gradient N times.")
_HINT_DB = "db = G.sum(axis=0): sum over the batch axis 0, not axis 1; db has the shape of b, (H,)."
_HINT_DB_EXTRA_N = "db = G.sum(axis=0), not G.mean(axis=0): the 1/N of the mean loss is already inside G."
_HINT_RAISED = ("fix this error first: it stops the function before it returns anything. The shapes to aim for: "
                "dX = G @ W.T (N, D), dW = X.T @ G (D, H), db = G.sum(axis=0) (H,).")


class _Output:
    """Call the reader's ``fn(X, W, G)`` and return output ``index`` of the tuple ``(dX, dW, db)``."""

    def __init__(self, fn, index):
        self.fn, self.index = fn, index

    def __call__(self, X, W, G):
        out = self.fn(X, W, G)
        if not isinstance(out, (tuple, list)) or len(out) != 3:
            length = f" of length {len(out)}" if isinstance(out, (tuple, list)) else ""
            raise TypeError(f"the function must return a tuple (dX, dW, db), got {type(out).__name__}{length}")
        return out[self.index]


def _linear_reference(X, W, G):
    """The reference answer, from nnlib.Linear: ``(G W^T, X^T G, sum_n G_n)``."""
    layer = Linear(W.shape[0], W.shape[1], rng=0)
    layer.params["W"][...] = W
    layer.forward(X)
    dX = layer.backward(G)
    return dX, layer.grads["W"].copy(), layer.grads["b"].copy()


def _linear_cases(label, X, W, G):
    dX, dW, db = _linear_reference(X, W, G)
    n = X.shape[0]
    outer_of_means = np.outer(X.mean(axis=0), G.mean(axis=0))
    wrong_dW = [(outer_of_means, _HINT_DW_MEANS), (n * outer_of_means, _HINT_DW_MEANS),
                (dW / n, _HINT_DW_EXTRA_N)]
    args = (X, W, G)
    return [
        (0, _DiagnosedCase(f"dX, {label}", args, dX, _HINT_DX, wrong=[], raised_hint=_HINT_RAISED)),
        (1, _DiagnosedCase(f"dW, {label}", args, dW, _HINT_DW, wrong=wrong_dW, raised_hint=_HINT_RAISED)),
        (2, _DiagnosedCase(f"db, {label}", args, db, _HINT_DB, wrong=[(db / n, _HINT_DB_EXTRA_N)],
                           raised_hint=_HINT_RAISED)),
    ]


def linear_backward(fn, verbose=True):
    """Check ``fn(X, W, G) -> (dX, dW, db)``, the backward pass of the linear layer ``Y = X W + b``.

    ``X`` is (N, D), ``W`` is (D, H), ``G = dL/dY`` is (N, H), all float64; the answer must be ``dX = G W^T``
    (N, D), ``dW = X^T G`` (D, H) and ``db = sum_n G_n`` (H,). Each output is checked separately on a batch
    (N=5, D=4, H=3), on a single example (N=1, where the product of means happens to be right) and on a square
    layer (D = H = 4, where a missing transpose gives wrong values instead of a shape error).

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check._core.CheckReport`, true when every case passed.
    """
    _require_callable("linear_backward", fn)
    rng = np.random.default_rng(2024)
    cases = []
    for label, n, d, h in [("batch N=5, D=4, H=3", 5, 4, 3), ("single example N=1", 1, 4, 3),
                           ("square layer D=H=4, N=6", 6, 4, 4)]:
        X, W, G = rng.normal(size=(n, d)), rng.normal(size=(d, h)), rng.normal(size=(n, h))
        cases += _linear_cases(label, X, W, G)
    # As run_cases does, except that each case calls the view of fn that returns its own output.
    report = CheckReport("linear_backward", [(case, case.run(_Output(fn, i))) for i, case in cases])
    if verbose:
        print(report)
    return report


# ----------------------------------------------------------------------------------- softmax_cross_entropy_grad

_HINT_MEAN = ("the loss is a mean over the batch: dL/dz = (softmax(z) - Y) / N with N = logits.shape[0] "
              "(without the 1/N only a single example passes).")
_HINT_SIGN = ("the gradient is (p - Y) / N, not (Y - p) / N: raising the true class's logit must lower the loss, so "
              "its entry (p_y - 1) / N is negative.")
_HINT_C = ("take C from logits.shape[1] (e.g. Y = np.eye(C)[y]): do not hard-code 10 classes, and do not infer "
           "C from the labels (y.max() + 1), since a batch may miss the last classes.")
_HINT_STABLE = ("compute p with a stable softmax (subtract each row's max before exp, or use nnlib.softmax) and "
                "return (p - Y) / N directly: never divide by p, which underflows to 0.")
_HINT_GENERAL = "dL/dz = (softmax(z) - Y) / N, with Y the one-hot targets of shape (N, C)."


def _grad_reference(logits, y):
    loss = SoftmaxCrossEntropy()
    loss.forward(logits, y)
    return loss.backward()


def _grad_case(name, logits, y, hint):
    expected = _grad_reference(logits, y)
    n = logits.shape[0]
    wrong = [(n * expected, _HINT_MEAN), (-expected, _HINT_SIGN)]
    return _DiagnosedCase(name, (logits, y), expected, hint, wrong=wrong)


def softmax_cross_entropy_grad(fn, verbose=True):
    """Check ``fn(logits, y) -> dL/dlogits`` for ``L = -(1/N) sum_n log softmax(z_n)_{y_n}``.

    ``logits`` is float64 of shape (N, C); ``y`` holds **integer class indices** of shape (N,) only (the form a
    data set gives; build one-hot targets inside if you need them, with C from ``logits.shape[1]``). The answer is
    ``(softmax(z) - Y) / N`` with the shape of ``logits``. Cases: a batch (N=8, C=10), a single example (N=1),
    three classes, a batch whose labels miss the last classes, and extreme logits (scale 1000) where a naive
    softmax overflows and the true class's probability underflows to 0.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check._core.CheckReport`, true when every case passed.
    """
    _require_callable("softmax_cross_entropy_grad", fn)
    rng = np.random.default_rng(7)
    Z_big = rng.normal(size=(6, 10)) * 1000
    y_big = (np.argmax(Z_big, axis=1) + np.arange(6)) % 10  # the true class is the winner in one row only
    cases = [
        _grad_case("batch N=8, C=10", rng.normal(size=(8, 10)) * 2, rng.integers(0, 10, size=8), _HINT_MEAN),
        _grad_case("single example N=1, C=10", rng.normal(size=(1, 10)) * 2, np.array([3]), _HINT_GENERAL),
        _grad_case("C=3 classes, N=6", rng.normal(size=(6, 3)) * 2, np.array([0, 2, 1, 2, 0, 1]), _HINT_C),
        _grad_case("C=12 classes, labels only in 0..7", rng.normal(size=(5, 12)) * 2, np.array([0, 3, 7, 2, 5]),
                   _HINT_C),
        _grad_case("extreme logits (scale 1000), N=6, C=10", Z_big, y_big, _HINT_STABLE),
    ]
    return run_cases("softmax_cross_entropy_grad", fn, cases, verbose=verbose)
