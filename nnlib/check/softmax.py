"""Checkers for the chapter "Softmax": ``nnlib.check.softmax(my_softmax)`` and ``nnlib.check.log_softmax(fn)``.

Both take the reader's function ``fn(z)`` of logits ``z`` of shape (N, C) or (C,) and compare it, case by case,
with the reference :func:`nnlib.softmax` / :func:`nnlib.log_softmax` (which work along the last axis). The cases
are the situations where hand-written versions typically go wrong: a single 1-D row, batches (where the
reductions need ``axis=-1, keepdims=True``), logits of +-1000 (overflow), equal logits, float32, a single class,
and rows whose maxima are 2000 apart (a global max instead of each row's max underflows whole rows). When a
wrong result has a recognisable signature (columns instead of rows normalised, an eps inside the log), the
case's hint is replaced by that diagnosis.
"""

import numpy as np

from ..functional import log_softmax as _ref_log_softmax
from ..functional import softmax as _ref_softmax
from ._core import Case, run_cases

__all__ = ["softmax", "log_softmax"]

_AXIS_HINT = ("normalise each row over its own C classes: reduce with axis=-1, keepdims=True, so the (N, 1) "
              "max and sum broadcast against (N, C) (axis=0 would mix different examples)")
_KEEPDIMS_HINT = ("with N = C a missing keepdims=True does not raise: the (N,) row results broadcast along the "
                  "last axis and column j is shifted or divided by row j's value; keep the reduced axis "
                  "(axis=-1, keepdims=True)")
_FLOAT32_HINT = ("float32 logits must give float32 results: NumPy keeps float32 as long as every array "
                 "operand is float32 (Python scalars are fine), so avoid np.float64 arrays or .astype(float)")
_ONE_ROW_HINT = "a 1-D input is one example: reduce over the last axis, axis=-1 (axis=1 does not exist for 1-D)"
_COLUMNS_HINT = ("each column is normalised instead of each row: the max and the sum were taken over axis=0; "
                 "use axis=-1, keepdims=True")

_BROADCAST_HINT = ("a reduction over axis=-1 without keepdims=True returns shape (N,), which does not broadcast "
                   "against (N, C): keep the reduced axis (axis=-1, keepdims=True) so it has shape (N, 1)")


class _DiagnosedCase(Case):
    """A :class:`Case` whose hint becomes a sharper diagnosis when the wrong result has a known signature.

    ``diagnose(z, got)`` returns a hint (str) or None; it is only consulted when the case fails.
    """

    def __init__(self, name, args, expected, hint, diagnose=(), **kwargs):
        super().__init__(name, args, expected, hint, **kwargs)
        self._default_hint, self._diagnose = hint, tuple(diagnose)

    def run(self, fn):
        reason = super().run(fn)
        outputs = self.outputs
        self.hint = self._default_hint
        if reason is not None and reason.startswith("raised ValueError") and "broadcast" in reason:
            self.hint = _BROADCAST_HINT
        elif reason is not None and outputs:
            for diagnose in self._diagnose:
                with np.errstate(all="ignore"):
                    found = _safe(diagnose, self.args[0], outputs[-1])
                if found:
                    self.hint = found
                    break
        return reason


def _safe(diagnose, z, got):
    try:
        got = np.asarray(got, dtype=np.float64)
        if got.shape != np.shape(z) or not np.all(np.isfinite(got)):
            return None
        return diagnose(np.asarray(z, dtype=np.float64), got)
    except Exception:  # a diagnosis is a bonus: never let it hide the report
        return None


def _columns_sum_to_one(z, p):
    if z.ndim == 2 and z.shape[0] > 1 and np.allclose(p.sum(axis=0), 1) and not np.allclose(p.sum(axis=-1), 1):
        return _COLUMNS_HINT
    return None


def _columns_of_log_softmax(z, logp):
    return _columns_sum_to_one(z, np.exp(logp))


def _eps_in_the_log(z, logp):
    """Recognise log(softmax(z) + eps): exp(logp) - softmax(z) is then the same positive eps in every entry."""
    extra = np.exp(logp) - _ref_softmax(z)
    eps = float(np.median(extra))
    if eps > 0 and np.allclose(extra, eps, rtol=0.3, atol=0):  # 0.3: float32 rounding of p
        return (f"log(p + eps) with eps = {eps:.0e} inside the log: the eps biases every log-probability and "
                f"caps the smallest at log(eps) = {np.log(eps):.1f}; return z - logsumexp(z) with no eps, where "
                "logsumexp(z) = m + log(sum(exp(z - m))) and m is the row max")
    return None


def _logits():
    """The named inputs shared by both checkers (float64 unless stated)."""
    rng = np.random.default_rng(12)
    return {
        "row": np.array([2.0, 1.0, 0.1, -1.2]),
        "batch": rng.normal(size=(3, 5)) * 2.0,
        "square": rng.normal(size=(4, 4)) * 2.0,
        "extreme": np.array([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0]]),
        "equal": np.array([[3.0, 3.0, 3.0, 3.0], [-7.5, -7.5, -7.5, -7.5]]),
        "float32": (rng.normal(size=(3, 4)) * 2.0).astype(np.float32),
        "one_class": np.array([[3.0], [-2.0], [0.0]]),
        "far_rows": np.array([[1000.0, 999.0, 998.0], [-1000.0, -1001.0, -1002.0]]),
        "tiny": np.array([[0.0, -20.0, -40.0], [5.0, -15.0, -35.0]]),
    }


def softmax(fn, verbose=True):
    """Check the reader's ``fn(z)``, a softmax over the last axis, against :func:`nnlib.softmax`.

    Args:
        fn: the reader's function; takes logits of shape (N, C) or (C,) and returns probabilities of that shape.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    z = _logits()

    def case(name, key, hint, **kwargs):
        return _DiagnosedCase(name, [z[key]], _ref_softmax(z[key]), hint, diagnose=[_columns_sum_to_one], **kwargs)

    cases = [
        case("one example, shape (C,)", "row", _ONE_ROW_HINT),
        case("a batch of shape (N, C) with different rows", "batch", _AXIS_HINT),
        case("a square batch (N = C)", "square", _KEEPDIMS_HINT),
        case("logits of 1000 and -1000 (overflow)", "extreme",
             "exp(1000) overflows to inf and inf/inf = nan at logits of 1000: subtract the row max before exp"),
        case("all logits equal (uniform)", "equal",
             "equal logits must give 1/C in every entry: divide each exp by the sum over that row's C classes"),
        case("float32 input stays float32", "float32", _FLOAT32_HINT, rtol=1e-5, atol=1e-7, dtype=np.float32),
        case("a single class, shape (N, 1)", "one_class",
             "with one class every probability is 1: reduce over axis=-1 with keepdims=True and keep shape (N, 1)"),
        case("rows whose maxima differ by 2000", "far_rows",
             "each row needs its own shift (unshifted, exp(1000) = inf; shifted by one global max z.max(), the "
             "second row is exp(-2000) = 0 and 0/0 = nan): subtract each row's own max (axis=-1, keepdims=True)"),
    ]
    return run_cases("check.softmax", fn, cases, verbose)


def log_softmax(fn, verbose=True):
    """Check the reader's ``fn(z)``, a log-softmax over the last axis, against :func:`nnlib.log_softmax`.

    The expected result is ``z - logsumexp(z)``, exact where ``log(softmax(z))`` underflows to ``log(0) = -inf``.

    Args:
        fn: the reader's function; takes logits of shape (N, C) or (C,) and returns log-probabilities.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    z = _logits()
    eps_hint = ("an eps inside the log, log(p + eps), only trades -inf for log(eps) (-27.6 for eps = 1e-12): "
                "compute z - logsumexp(z), with logsumexp(z) = m + log(sum(exp(z - m))) and m the row max")

    def case(name, key, hint, **kwargs):
        return _DiagnosedCase(name, [z[key]], _ref_log_softmax(z[key]), hint,
                              diagnose=[_eps_in_the_log, _columns_of_log_softmax], **kwargs)

    cases = [
        case("one example, shape (C,)", "row", _ONE_ROW_HINT),
        case("a batch of shape (N, C) with different rows", "batch", _AXIS_HINT),
        case("a square batch (N = C)", "square", _KEEPDIMS_HINT),
        case("logits of 1000 and -1000 (overflow and log(0))", "extreme",
             "exp(1000) overflows, and log(softmax) is log(0) = -inf where softmax underflows; " + eps_hint),
        case("log-probabilities near -20 and -40 (no eps)", "tiny", eps_hint),
        case("all logits equal (uniform)", "equal",
             "equal logits must give -log(C) in every entry: subtract the logsumexp over that row's C classes"),
        case("float32 input stays float32", "float32", _FLOAT32_HINT, rtol=1e-5, atol=1e-6, dtype=np.float32),
        case("a single class, shape (N, 1)", "one_class",
             "with one class every log-probability is 0: reduce over axis=-1 with keepdims=True, keep shape (N, 1)"),
        case("rows whose maxima differ by 2000", "far_rows",
             "each row needs its own shift (unshifted, exp(1000) = inf; shifted by one global max z.max(), the "
             "second row has log(sum(exp(-2000))) = log(0) = -inf): subtract each row's own max "
             "(axis=-1, keepdims=True)"),
    ]
    return run_cases("check.log_softmax", fn, cases, verbose)
