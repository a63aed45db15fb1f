"""Checker for the chapter "Backpropagation through an MLP": ``nnlib.check.activation(forward, derivative, name)``.

The reader writes an elementwise activation as two functions of the input ``x`` (any shape, float32 or float64):
``forward(x) -> y = f(x)`` and ``derivative(x) -> f'(x)``, both with the shape and dtype of ``x``. The checker
runs them on the situations where hand-written activations go wrong:

* ordinary inputs in [-5, 5], against the reference values (for a named activation);
* the derivative against central differences of the reader's *own* forward, so that the pair is consistent
  (this is the only value check for an activation of your own invention, ``name=None``);
* the kink at x = 0: the forward value, and a derivative between the one-sided derivatives (any such value is a
  valid choice at a kink; nnlib uses the left one for ReLU and leaky ReLU);
* inputs up to ``|x| = 1000``, where ``exp`` overflows, in both functions;
* float32 in, float32 out; and a 2-D batch, whose shape must be kept.

Named activations (``alpha`` is the slope or scale of the negative side)::

    relu(x)       = max(x, 0)                          f'(x) = 1 if x > 0 else 0
    leaky_relu(x) = x if x > 0 else alpha x            f'(x) = 1 if x > 0 else alpha        (alpha = 0.01)
    elu(x)        = x if x > 0 else alpha (e^x - 1)    f'(x) = 1 if x > 0 else f(x) + alpha (alpha = 1)
    sigmoid(x)    = 1 / (1 + e^-x)                     f'(x) = s (1 - s) with s = sigmoid(x)
    tanh(x)                                            f'(x) = 1 - tanh(x)^2

When a case fails and the result matches a typical wrong answer (the ELU derivative written with ``x`` where the
output belongs, the sigmoid derivative ``s`` instead of ``s (1 - s)``, a formula that overflows, ...), the hint
names that mistake.
"""

import numpy as np

from ._core import Case, run_cases

__all__ = ["activation"]

ACTIVATIONS = ("relu", "leaky_relu", "elu", "sigmoid", "tanh")
_DEFAULT_ALPHA = {"leaky_relu": 0.01, "elu": 1.0}


# Reference forward and derivative, computed without overflow for every float input -----------------------------

def _sigmoid(x):
    e = np.exp(-np.abs(x))                                   # in (0, 1]: never overflows
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def _reference(name, alpha):
    """``(forward, derivative, left, right)``: the functions, and the one-sided derivatives at x = 0."""
    if name == "relu":
        return (lambda x: np.where(x > 0, x, 0).astype(x.dtype),
                lambda x: (x > 0).astype(x.dtype), 0.0, 1.0)
    if name == "leaky_relu":
        return (lambda x: np.where(x > 0, x, alpha * x).astype(x.dtype),
                lambda x: np.where(x > 0, 1, alpha).astype(x.dtype), alpha, 1.0)
    if name == "elu":
        return (lambda x: np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))).astype(x.dtype),
                lambda x: np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0))).astype(x.dtype), alpha, 1.0)
    if name == "sigmoid":
        return (_sigmoid, lambda x: (_sigmoid(x) * (1 - _sigmoid(x))).astype(x.dtype), 0.25, 0.25)
    return (np.tanh, lambda x: (1 - np.tanh(x) ** 2).astype(x.dtype), 1.0, 1.0)


def _typical_mistakes(name, alpha, which):
    """``[(function of x, hint)]``: wrong answers a case recognises, for the forward or the derivative."""
    ref_f, _, _, _ = _reference(name, alpha)
    if which == "forward":
        if name == "sigmoid":
            return [(lambda x: 1 / (1 + np.exp(x)),
                     "the sign of the exponent is flipped: sigmoid(x) = 1 / (1 + exp(-x)), which is 1/2 at 0 and "
                     "increases to 1")]
        if name == "leaky_relu":
            return [(lambda x: np.maximum(x, 0),
                     f"this is plain ReLU: for x <= 0 leaky ReLU returns alpha * x (alpha = {alpha:g}), not 0")]
        if name == "elu":
            return [(lambda x: np.where(x > 0, x, alpha * np.exp(x)),
                     "for x <= 0, elu(x) = alpha (exp(x) - 1): the -1 is missing, so elu(0) is alpha instead of 0 "
                     "and the function jumps at 0")]
        return []
    if name == "relu":
        return [(lambda x: np.maximum(x, 0),
                 "this is relu(x) itself: the derivative is the slope, 1 where x > 0 and 0 elsewhere "
                 "(e.g. (x > 0).astype(x.dtype))")]
    if name == "leaky_relu":
        return [(lambda x: (x > 0).astype(np.float64),
                 f"for x <= 0 the slope is alpha = {alpha:g}, not 0: np.where(x > 0, 1, alpha)")]
    if name == "elu":
        return [(lambda x: np.where(x > 0, 1, x + alpha),
                 "for x <= 0 the derivative is alpha exp(x) = elu(x) + alpha, the *output* plus alpha: this used "
                 "the input, x + alpha"),
                (lambda x: alpha * np.exp(x),
                 "alpha exp(x) is the derivative only for x <= 0; for x > 0, elu(x) = x has slope 1: "
                 "np.where(x > 0, 1, alpha * np.exp(np.minimum(x, 0)))"),
                (ref_f, "this is elu(x) itself: the derivative is 1 for x > 0 and elu(x) + alpha for x <= 0")]
    if name == "sigmoid":
        return [(_sigmoid, "this is s = sigmoid(x) itself: its derivative is s (1 - s), at most 1/4 (at x = 0)"),
                (lambda x: x * (1 - x),
                 "s (1 - s) must be evaluated at the output s = sigmoid(x), not at the input x"),
                (lambda x: 1 - _sigmoid(x), "1 - s is only one factor: the derivative is s (1 - s)")]
    return [(lambda x: 1 - x ** 2, "1 - t^2 must be evaluated at the output t = tanh(x), not at the input x"),
            (lambda x: 1 - np.tanh(x), "the derivative of tanh is 1 - tanh(x)^2: the square is missing"),
            (np.tanh, "this is tanh(x) itself: its derivative is 1 - tanh(x)^2")]


_OVERFLOW_HINT = {
    "relu": "relu needs no exp: np.where(x > 0, x, 0) or np.maximum(x, 0) stays finite for every input",
    "leaky_relu": "leaky ReLU needs no exp: np.where(x > 0, x, alpha * x) stays finite for every input",
    "elu": ("exp(x) overflows to inf for x > 709 (88 in float32), and multiplying an inf branch by a 0 mask gives "
            "inf * 0 = nan: choose the branch with np.where and call exp only on np.minimum(x, 0)"),
    "sigmoid": ("exp(x) or exp(-x) overflows for |x| > 709 (88 in float32) and inf / inf = nan: compute "
                "e = exp(-|x|), then 1 / (1 + e) for x >= 0 and e / (1 + e) for x < 0; and get the derivative from "
                "the output, s (1 - s)"),
    "tanh": ("(e^x - e^-x) / (e^x + e^-x) gives inf / inf = nan for |x| > 710: use np.tanh (or 1 - 2 / (exp(2x) + 1) "
             "with care); the derivative is 1 - np.tanh(x)**2"),
    None: ("your function returns nan or inf for large |x|: an exp overflowed (exp(x) is inf for x > 709, 88 in "
           "float32). Rewrite it so that exp only ever sees non-positive numbers, e.g. with np.minimum(x, 0) or "
           "exp(-|x|)"),
}


# Cases ---------------------------------------------------------------------------------------------------------

class _Pair:
    """The reader's two functions; :func:`run_cases` gets this, and each case picks the one it checks."""

    def __init__(self, forward, derivative):
        self.forward, self.derivative = forward, derivative

    def __call__(self, x):
        return self.forward(x)


def _call(fn, x):
    """``(result, None)`` or ``(None, reason)`` when ``fn`` raised."""
    try:
        with np.errstate(all="ignore"):
            return fn(x.copy()), None
    except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
        return None, f"raised {type(exc).__name__}: {exc}"


class _ActivationCase(Case):
    """Compare ``forward`` or ``derivative`` (``which``) with reference values; recognise typical wrong results.

    ``wrong`` is a list of ``(function of x, hint)``: when the case fails and the result equals one of them, that
    hint replaces the case's own. ``nonfinite_hint`` replaces it when the result is nan or inf.
    """

    def __init__(self, which, name, x, expected, hint, wrong=(), nonfinite_hint=None, rtol=1e-7, atol=1e-10,
                 dtype=None):
        super().__init__(name, (x,), expected, hint, rtol=rtol, atol=atol, dtype=dtype)
        self.which, self.default_hint = which, hint
        self.wrong, self.nonfinite_hint = list(wrong), nonfinite_hint

    def run(self, pair):
        fn = getattr(pair, self.which)
        got = {}

        def recording(x):
            got["value"] = fn(x)
            return got["value"]

        reason = super().run(recording)
        self.hint = self.default_hint
        if reason is None:
            return None
        if reason == "returned nan or inf" and self.nonfinite_hint:
            self.hint = self.nonfinite_hint
        elif "value" in got:
            self.hint = self._diagnose(got["value"]) or self.default_hint
        return reason

    def _diagnose(self, value):
        x = self.args[0].astype(np.float64)
        try:
            value = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            return None
        if value.shape != x.shape:
            return None
        for wrong, hint in self.wrong:
            with np.errstate(all="ignore"):
                candidate = np.asarray(wrong(x), dtype=np.float64)
            if np.all(np.isfinite(candidate)) and np.allclose(value, candidate, rtol=1e-6, atol=1e-9):
                return hint
        return None


class _ConsistencyCase(Case):
    """``derivative(x)`` must agree with central differences of the reader's own ``forward`` at ``x`` (float64)."""

    which = "derivative"

    def __init__(self, name, x, hint, eps=1e-6):
        super().__init__(name, (x,), None, hint, rtol=1e-6, atol=1e-7)
        self.eps = eps

    def run(self, pair):
        x = self.args[0]
        f_plus, reason = _call(pair.forward, x + self.eps)
        f_minus, reason = (None, reason) if reason else _call(pair.forward, x - self.eps)
        if reason:
            return f"your forward {reason}"
        try:
            numeric = (np.asarray(f_plus, dtype=np.float64) - np.asarray(f_minus, dtype=np.float64)) / (2 * self.eps)
        except (TypeError, ValueError):
            return "your forward does not return an array of numbers"
        if numeric.shape != x.shape or not np.all(np.isfinite(numeric)):
            return "your forward does not return finite values of the input's shape on ordinary inputs"
        self.expected = numeric
        got = {}

        def recording(v):
            got["value"] = pair.derivative(v)
            return got["value"]

        reason = super().run(recording)
        if reason is not None and reason.startswith("values differ"):
            value = np.asarray(got["value"], dtype=np.float64)
            worst = int(np.argmax(np.abs(value - numeric)))
            reason = (f"at x = {x.flat[worst]:.3g} your derivative gives {value.flat[worst]:.6g}, central "
                      f"differences of your forward give {numeric.flat[worst]:.6g}")
        return reason


class _KinkCase(_ActivationCase):
    """At x = 0 the derivative may be any value between the one-sided derivatives ``left`` and ``right``."""

    def __init__(self, name, left, right, hint, wrong=()):
        super().__init__("derivative", name, np.zeros(3), np.full(3, left), hint, wrong)
        self.low, self.high = min(left, right), max(left, right)

    def run(self, pair):
        self.hint = self.default_hint
        got, reason = _call(pair.derivative, self.args[0])
        if reason:
            return reason
        try:
            value = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return "did not return an array of numbers"
        if value.shape != (3,):
            return f"returned shape {value.shape}, expected (3,)"
        if not np.all(np.isfinite(value)):
            return "returned nan or inf at x = 0"
        if np.any(value < self.low - 1e-9) or np.any(value > self.high + 1e-9):
            self.hint = self._diagnose(value) or self.default_hint
            interval = f"{self.low:g}" if self.low == self.high else f"in [{self.low:g}, {self.high:g}]"
            return f"gives {value[0]:.6g} at x = 0, expected {interval}"
        return None


class _FiniteCase(Case):
    """``forward`` or ``derivative`` must return finite numbers with the input's shape (and dtype, if given)."""

    def __init__(self, which, name, x, hint, dtype=None):
        super().__init__(name, (x,), None, hint, dtype=dtype)
        self.which = which

    def run(self, pair):
        got, reason = _call(getattr(pair, self.which), self.args[0])
        if reason:
            return reason
        got = np.asarray(got)
        if got.shape != self.args[0].shape:
            return f"returned shape {got.shape}, expected {self.args[0].shape}"
        if self.dtype is not None and got.dtype != self.dtype:
            return f"returned dtype {got.dtype}, expected {np.dtype(self.dtype)}"
        if got.dtype.kind not in "fiub" or not np.all(np.isfinite(got.astype(np.float64))):
            return "returned nan or inf"
        return None


def _grid(dtype=np.float64):
    return np.linspace(-5, 5, 20).astype(dtype)          # 20 points: 0 is not among them (the kink has its cases)


_LARGE = np.array([-1000.0, -710.0, -100.0, -30.0, 30.0, 100.0, 710.0, 1000.0])
_DTYPE_HINT = ("return the input's dtype: build constants and masks in x.dtype (np.where(...).astype(x.dtype), "
               "np.ones_like(x)); a boolean mask or a float64 constant array changes the dtype")
_SHAPE_HINT = "work elementwise on any shape: no reshape, no sum over an axis, no np.diag"


def _named_cases(name, alpha):
    ref_f, ref_d, left, right = _reference(name, alpha)
    x, x32, batch = _grid(), _grid(np.float32), _grid().reshape(4, 5)
    wrong_f, wrong_d = _typical_mistakes(name, alpha, "forward"), _typical_mistakes(name, alpha, "derivative")
    formula = {
        "relu": "relu(x) = max(x, 0); its derivative is 1 if x > 0 else 0",
        "leaky_relu": "leaky_relu(x) = x if x > 0 else alpha x; derivative 1 or alpha (alpha = {a})",
        "elu": "elu(x) = x if x > 0 else alpha (exp(x) - 1); derivative 1 or elu(x) + alpha (alpha = {a})",
        "sigmoid": "sigmoid(x) = 1 / (1 + exp(-x)); derivative s (1 - s) with s = sigmoid(x)",
        "tanh": "tanh(x); derivative 1 - tanh(x)^2",
    }[name].format(a=f"{alpha:g}" if alpha is not None else "")
    kink_value = 0.5 if name == "sigmoid" else 0.0
    at_zero = "at x = 0" if name in ("sigmoid", "tanh") else "at the kink x = 0"
    if left == right:
        kink_hint = f"the derivative at 0 is {left:g}, and it must be finite: do not divide by x"
    else:
        kink_hint = (f"at the kink any slope between the one-sided derivatives {left:g} and {right:g} is valid "
                     "(nnlib uses the left one), but it must be finite: do not divide by x")
    overflow = _OVERFLOW_HINT[name]
    return [
        _ActivationCase("forward", "forward, x in [-5, 5]", x, ref_f(x), formula, wrong_f),
        _ActivationCase("derivative", "derivative, x in [-5, 5]", x, ref_d(x), formula, wrong_d),
        _ConsistencyCase("derivative agrees with central differences of your forward", x,
                         "the two functions disagree: differentiate your forward again, branch by branch"),
        _ActivationCase("forward", f"forward {at_zero}", np.zeros(3), np.full(3, kink_value),
                        f"{name}(0) = {kink_value:g}: the function is continuous at 0", wrong_f),
        _KinkCase(f"derivative {at_zero}", left, right, kink_hint, wrong_d),
        _ActivationCase("forward", "forward, large inputs |x| up to 1000", _LARGE, ref_f(_LARGE), overflow,
                        wrong_f, nonfinite_hint=overflow, atol=1e-12),
        _ActivationCase("derivative", "derivative, large inputs |x| up to 1000", _LARGE, ref_d(_LARGE), overflow,
                        wrong_d, nonfinite_hint=overflow, atol=1e-12),
        _ActivationCase("forward", "forward, float32 in and out", x32, ref_f(x32), _DTYPE_HINT, wrong_f, rtol=1e-5,
                        atol=1e-6, dtype=np.float32),
        _ActivationCase("derivative", "derivative, float32 in and out", x32, ref_d(x32), _DTYPE_HINT, wrong_d,
                        rtol=1e-5, atol=1e-6, dtype=np.float32),
        _ActivationCase("derivative", "derivative, a batch of shape (4, 5)", batch, ref_d(batch), _SHAPE_HINT,
                        wrong_d),
    ]


def _own_cases():
    x = _grid()
    overflow = _OVERFLOW_HINT[None]
    return [
        _ConsistencyCase("derivative agrees with central differences of your forward", x,
                         "the two functions disagree: differentiate your forward again, term by term"),
        _ConsistencyCase("derivative agrees with central differences near 0", np.linspace(-0.05, 0.05, 10),
                         "the two functions disagree near 0: check the derivative of each term there"),
        _FiniteCase("forward", "forward finite for |x| up to 1000", _LARGE, overflow),
        _FiniteCase("derivative", "derivative finite for |x| up to 1000", _LARGE, overflow),
        _FiniteCase("forward", "forward, float32 in and out", x.astype(np.float32), _DTYPE_HINT, dtype=np.float32),
        _FiniteCase("derivative", "derivative, float32 in and out", x.astype(np.float32), _DTYPE_HINT,
                    dtype=np.float32),
        _FiniteCase("derivative", "derivative, a batch of shape (4, 5)", x.reshape(4, 5), _SHAPE_HINT),
    ]


def activation(forward, derivative, name=None, alpha=None, verbose=True):
    """Check an elementwise activation ``forward(x)`` and its derivative ``derivative(x)`` (both of the input x).

    Args:
        forward: the reader's ``f(x)``, elementwise, returning an array with the shape and dtype of ``x``.
        derivative: the reader's ``f'(x)``, same contract.
        name: ``"relu"``, ``"leaky_relu"``, ``"elu"``, ``"sigmoid"`` or ``"tanh"`` to compare with reference values
            as well; None for an activation of your own, checked for consistency (the derivative against central
            differences of ``forward``), finiteness at ``|x|`` up to 1000, float32 and shapes.
        alpha: the negative-side parameter of leaky ReLU (default 0.01) or ELU (default 1.0).
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed. The title names the activation, so the
        report reads "activation 'elu': 10/10 cases passed".
    """
    for what, fn in (("forward", forward), ("derivative", derivative)):
        if not callable(fn):
            raise TypeError(f"activation: pass your {what} function itself (e.g. my_elu), got {fn!r:.60}.")
    if name is not None and name not in ACTIVATIONS:
        raise ValueError(f"activation: name must be one of {ACTIVATIONS} or None (your own activation), got "
                         f"{name!r}.")
    if alpha is not None and name not in _DEFAULT_ALPHA:
        raise ValueError(f"activation: alpha is a parameter of leaky_relu and elu only, not of {name!r}.")
    if name in _DEFAULT_ALPHA:
        alpha = _DEFAULT_ALPHA[name] if alpha is None else float(alpha)
        if not alpha > 0:
            raise ValueError(f"activation: alpha must be positive, got {alpha!r}.")
    cases = _named_cases(name, alpha) if name else _own_cases()
    title = f"activation {name!r}" if name else "your activation"
    return run_cases(title, _Pair(forward, derivative), cases, verbose=verbose)
