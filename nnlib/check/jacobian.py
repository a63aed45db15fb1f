"""Checkers for the chapter "The softmax Jacobian": ``nnlib.check.softmax_jacobian(fn)`` and ``softmax_vjp(fn)``.

``softmax_jacobian(fn)`` checks the reader's ``fn(P)``, which takes a batch of probabilities ``P`` of shape (N, C)
(always 2-D: a single example arrives as a batch with N = 1) and returns the per-row Jacobians
``J[n] = diag(P[n]) - P[n] P[n]^T``, shape (N, C, C), ``J[n, i, j] = dP_ni / dZ_nj``.

``softmax_vjp(fn)`` checks the reader's ``fn(P, G)``, the vector-Jacobian product of the softmax: given the
probabilities ``P`` (N, C) and the upstream gradient ``G = dL/dP`` (N, C), it returns
``dL/dZ = P * (G - sum_j G_nj P_nj)``, shape (N, C), without building ``J``.

Both compare with the reference :func:`nnlib.softmax_jacobian` on the cases where hand-written versions go wrong:
one example (N = 1), a batch of different rows, near-one-hot rows, two classes, float32. When a wrong result has a
recognisable signature (``-p p^T``, ``p p^T - diag(p)``, an einsum that sums over the batch, ``p * g``, a sum over
the wrong axis, ...), the case's hint is replaced by that diagnosis.
"""

import numpy as np

from ..functional import softmax as _softmax
from ..functional import softmax_jacobian as _ref_jacobian
from ._core import Case, run_cases

__all__ = ["softmax_jacobian", "softmax_vjp"]

# Hints of the Jacobian checker -------------------------------------------------------------------------------

_J_ONE_HINT = ("return one (C, C) matrix per row, shape (N, C, C), also when N = 1: J[n] = diag(p_n) - p_n p_n^T, "
               "for example P[:, :, None] * np.eye(C) - np.einsum('ni,nj->nij', P, P)")
_J_BATCH_HINT = ("each row n has its own Jacobian diag(p_n) - p_n p_n^T: keep n in every einsum output "
                 "('ni,nj->nij') and never sum over it; np.diag(P) of a 2-D P extracts a diagonal instead of "
                 "building diagonal matrices")
_J_PEAKED_HINT = ("near one-hot the Jacobian is almost 0 but not exactly (entries down to about 1e-13): compute "
                  "diag(p) - p p^T from p as given, with no eps, clipping or rounding")
_J_TWO_HINT = ("take C from P.shape[1] (no hard-coded number of classes); with two classes "
               "J = p_0 p_1 [[1, -1], [-1, 1]]")
_J_FLOAT32_HINT = ("float32 probabilities must give a float32 Jacobian: np.eye(C) is float64 and upcasts the "
                   "product, so build it with np.eye(C, dtype=P.dtype)")
_J_SHAPE_HINT = ("the result has shape (C, C), one matrix for the whole batch: an einsum such as 'ni,nj->ij' "
                 "sums over n, and np.outer flattens its inputs. Keep n in the output: "
                 "np.einsum('ni,nj->nij', P, P) has shape (N, C, C)")
_J_NO_DIAG_HINT = ("this is -p p^T: the diagonal term is missing. J_ij = p_i (delta_ij - p_j) = delta_ij p_i - p_i p_j, "
                   "so add diag(p) (for the batch, P[:, :, None] * np.eye(C))")
_J_SIGN_HINT = ("the sign is flipped: this is p p^T - diag(p). The quotient rule gives dp_i/dz_j = delta_ij p_i - "
                "p_i p_j, so J = diag(p) - p p^T, whose diagonal p_i (1 - p_i) is positive")
_J_NO_OUTER_HINT = ("this is diag(p) alone: the -p_i p_j term, which comes from differentiating the denominator "
                    "sum_k exp(z_k), is missing: J = diag(p) - p p^T")
_J_SUMMED_HINT = ("the outer products were summed over the batch (einsum 'ni,nj->ij' gives sum_n p_n p_n^T): "
                  "each row needs its own p_n p_n^T, np.einsum('ni,nj->nij', P, P)")

# Hints of the VJP checker ------------------------------------------------------------------------------------

_V_ONE_HINT = ("dL/dz_j = sum_i g_i J_ij = p_j (g_j - sum_i g_i p_i): return P * (G - (G * P).sum(axis=1, "
               "keepdims=True)), shape (N, C)")
_V_BATCH_HINT = ("the sum sum_i g_i p_i runs over the C classes of each row, never over the batch: "
                 "(G * P).sum(axis=1, keepdims=True) has shape (N, 1)")
_V_SQUARE_HINT = ("with N = C a sum without keepdims=True does not raise: its (N,) result broadcasts along the "
                  "last axis, so row n is corrected by row j's sum in column j; keep the axis "
                  "((G * P).sum(axis=1, keepdims=True), shape (N, 1))")
_V_PEAKED_HINT = ("near one-hot rows give tiny but nonzero gradients: compute P * (G - (G * P).sum(axis=1, "
                  "keepdims=True)) from P as given, with no eps or clipping")
_V_TWO_HINT = "take C from P.shape[1] (no hard-coded number of classes), and sum over axis=1 with keepdims=True"
_V_CONSTANT_HINT = ("a constant upstream gradient must give 0: softmax ignores a shift of all logits (J 1 = 0), "
                    "so dL/dz = p * (g - sum_i g_i p_i) vanishes when every g_i is the same")
_V_FLOAT32_HINT = ("float32 inputs must give a float32 result: P * (G - (G * P).sum(axis=1, keepdims=True)) "
                   "stays float32; avoid float64 helpers such as np.eye(C) or .astype(float)")
_V_BROADCAST_HINT = ("NumPy could not broadcast: (G * P).sum(axis=1) has shape (N,), which does not broadcast "
                     "against (N, C); keep the axis with keepdims=True (shape (N, 1)), and take C from P.shape[1]")
_V_NO_SUM_HINT = ("this is p * g: the term -p_j sum_i g_i p_i, from the off-diagonal -p_i p_j of the Jacobian, is "
                  "missing. Return P * (G - (G * P).sum(axis=1, keepdims=True))")
_V_AXIS0_HINT = ("sum_i g_i p_i was summed over axis=0, over the batch, which mixes different examples: sum over "
                 "the classes of each row, (G * P).sum(axis=1, keepdims=True)")
_V_ALL_HINT = ("sum_i g_i p_i was summed over the whole array (one number for the batch): sum over the classes "
               "of each row, (G * P).sum(axis=1, keepdims=True)")
_V_NO_P_HINT = ("this is g - sum_i g_i p_i: the leading factor p_j is missing. dL/dz_j = p_j (g_j - "
                "sum_i g_i p_i)")
_V_ONLY_OFFDIAG_HINT = ("this is -p * sum_i g_i p_i: the p_j g_j term, from the diagonal of the Jacobian, is "
                        "missing. dL/dz_j = p_j (g_j - sum_i g_i p_i)")


class _DiagnosedCase(Case):
    """A :class:`Case` whose hint becomes a sharper diagnosis when a wrong result has a known signature.

    Each ``diagnose(args, got)`` gets the case's arguments (as float64 arrays) and the reader's result, and returns
    a hint or None; they are consulted in order, only when the case fails.
    """

    def __init__(self, name, args, expected, hint, diagnose=(), raised_hint=None, **kwargs):
        super().__init__(name, args, expected, hint, **kwargs)
        self._default_hint, self._diagnose, self._raised_hint = hint, tuple(diagnose), raised_hint

    def run(self, fn):
        reason = super().run(fn)
        outputs = self.outputs
        self.hint = self._default_hint
        if reason is None:
            return None
        if reason.startswith("raised ValueError") and "broadcast" in reason and self._raised_hint:
            self.hint = self._raised_hint
        elif outputs:
            args = [np.asarray(a, dtype=np.float64) for a in self.args]
            for diagnose in self._diagnose:
                found = _safe(diagnose, args, outputs[-1])
                if found:
                    self.hint = found
                    break
        return reason


def _safe(diagnose, args, got):
    try:
        got = np.asarray(got, dtype=np.float64)
        if not np.all(np.isfinite(got)):
            return None
        with np.errstate(all="ignore"):
            return diagnose(*args, got)
    except Exception:  # a diagnosis is a bonus: never let it hide the report
        return None


def _close(got, value):
    return got.shape == value.shape and np.allclose(got, value, rtol=1e-4, atol=1e-12)


def _diagnose_jacobian(P, got):
    n, c = P.shape
    if got.shape == (c, c):
        return _J_SHAPE_HINT
    diag = P[:, :, None] * np.eye(c)
    outer = P[:, :, None] * P[:, None, :]
    if _close(got, -outer):
        return _J_NO_DIAG_HINT
    if _close(got, outer - diag):
        return _J_SIGN_HINT
    if _close(got, diag):
        return _J_NO_OUTER_HINT
    if n > 1 and _close(got, diag - outer.sum(axis=0)):
        return _J_SUMMED_HINT
    return None


def _diagnose_vjp(P, G, got):
    gp = G * P
    candidates = [
        (P * G, _V_NO_SUM_HINT),
        (P * (G - gp.sum(axis=0, keepdims=True)), _V_AXIS0_HINT),
        (P * (G - gp.sum()), _V_ALL_HINT),
        (G - gp.sum(axis=1, keepdims=True), _V_NO_P_HINT),
        (-P * gp.sum(axis=1, keepdims=True), _V_ONLY_OFFDIAG_HINT),
    ]
    if P.shape[0] == P.shape[1]:
        candidates.append((P * (G - gp.sum(axis=1)), _V_SQUARE_HINT))
    for value, hint in candidates:
        if _close(got, value):
            return hint
    return None


def _probabilities():
    """The named probability batches (N, C) of the cases, computed as softmax of fixed logits; float64 unless stated."""
    rng = np.random.default_rng(31)
    return {
        "one": _softmax(np.array([[1.0, -0.5, 2.0, 0.3]])),
        "batch": _softmax(rng.normal(size=(5, 4)) * 1.5),
        "square": _softmax(rng.normal(size=(4, 4)) * 1.5),
        "peaked": _softmax(np.array([[12.0, 0.0, -3.0, 1.0], [-2.0, 0.5, 14.0, 0.0]])),
        "two": _softmax(rng.normal(size=(3, 2)) * 2.0),
        "float32": _softmax((rng.normal(size=(4, 3)) * 1.5).astype(np.float32)),
    }


def softmax_jacobian(fn, verbose=True):
    """Check the reader's ``fn(P)``, the batch of softmax Jacobians, against :func:`nnlib.softmax_jacobian`.

    ``fn`` receives probabilities ``P`` of shape (N, C), always 2-D (one example is a batch with N = 1), and must
    return ``J`` of shape (N, C, C) with ``J[n, i, j] = P_ni (delta_ij - P_nj)``, that is
    ``J[n] = diag(P[n]) - P[n] P[n]^T``. float32 input must give a float32 result.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    P = _probabilities()

    def case(name, key, hint, **kwargs):
        return _DiagnosedCase(name, [P[key]], _ref_jacobian(P[key]), hint, diagnose=[_diagnose_jacobian],
                              raised_hint=None, **kwargs)

    cases = [
        case("one example as a batch (N = 1, C = 4)", "one", _J_ONE_HINT),
        case("a batch of different rows (N = 5, C = 4)", "batch", _J_BATCH_HINT),
        case("near-one-hot rows (largest p above 0.99997)", "peaked", _J_PEAKED_HINT, atol=1e-15),
        case("two classes (N = 3, C = 2)", "two", _J_TWO_HINT),
        case("float32 probabilities stay float32", "float32", _J_FLOAT32_HINT, rtol=1e-5, atol=1e-7,
             dtype=np.float32),
    ]
    return run_cases("check.softmax_jacobian", fn, cases, verbose)


def softmax_vjp(fn, verbose=True):
    """Check the reader's ``fn(P, G)``, the softmax vector-Jacobian product, against ``einsum('ni,nij->nj', G, J)``.

    ``fn`` receives probabilities ``P`` and an upstream gradient ``G = dL/dP``, both of shape (N, C), and must
    return ``dL/dZ`` of shape (N, C): ``dL/dZ_nj = sum_i G_ni J[n, i, j] = P_nj (G_nj - sum_i G_ni P_ni)``.
    float32 input must give a float32 result.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    P = _probabilities()
    rng = np.random.default_rng(32)

    def case(name, key, hint, G=None, **kwargs):
        p = P[key]
        g = rng.normal(size=p.shape).astype(p.dtype) if G is None else G.astype(p.dtype)
        expected = np.einsum("ni,nij->nj", g.astype(np.float64), _ref_jacobian(p.astype(np.float64)))
        return _DiagnosedCase(name, [p, g], expected.astype(p.dtype), hint, diagnose=[_diagnose_vjp],
                              raised_hint=_V_BROADCAST_HINT, **kwargs)

    constant = np.array([[2.0], [-1.0], [0.5], [3.0], [-4.0]]) * np.ones((1, 4))
    cases = [
        case("one example as a batch (N = 1, C = 4)", "one", _V_ONE_HINT),
        case("a batch of different rows (N = 5, C = 4)", "batch", _V_BATCH_HINT),
        case("a square batch (N = C = 4)", "square", _V_SQUARE_HINT),
        case("near-one-hot rows (largest p above 0.99997)", "peaked", _V_PEAKED_HINT, atol=1e-15),
        case("two classes (N = 3, C = 2)", "two", _V_TWO_HINT),
        case("a constant upstream gradient in each row (gives 0)", "batch", _V_CONSTANT_HINT, G=constant,
             atol=1e-12),
        case("float32 inputs stay float32", "float32", _V_FLOAT32_HINT, rtol=1e-5, atol=1e-6, dtype=np.float32),
    ]
    return run_cases("check.softmax_vjp", fn, cases, verbose)
