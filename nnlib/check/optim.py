"""Checkers for the chapter "Initialisation and optimisers": ``nnlib.check.adam_step(fn)`` and
``nnlib.check.momentum_step(fn)``.

``adam_step`` checks the reader's ``fn(theta, g, m, v, t, lr, betas, eps) -> (theta_new, m_new, v_new)``, one Adam
update (Kingma & Ba, 2015) of a parameter array ``theta`` with gradient ``g``. ``m`` and ``v`` are the moments left
by the previous step (zeros before the first), ``t`` is the number of this step (1 on the first), and
``betas = (beta1, beta2)``::

    m_new = beta1 m + (1 - beta1) g
    v_new = beta2 v + (1 - beta2) g^2
    m_hat = m_new / (1 - beta1^t),   v_hat = v_new / (1 - beta2^t)
    theta_new = theta - lr m_hat / (sqrt(v_hat) + eps)

``momentum_step`` checks ``fn(theta, g, v, lr, mu, nesterov) -> (theta_new, v_new)``, one step of SGD with momentum
in the convention of :class:`nnlib.optim.SGD` and ``torch.optim.SGD`` (the velocity ``v`` is kept in units of
the gradient)::

    v_new = mu v + g
    theta_new = theta - lr v_new                   (nesterov=False)
    theta_new = theta - lr (g + mu v_new)          (nesterov=True)

The references are these formulas in float64. The arguments passed to ``fn`` are copies, so updating them in place
and returning them is fine. When an answer fails a case and matches a typical wrong version (no bias correction,
missing (1 - beta) factors, eps inside the square root, the step number counted from 0, the bias-corrected moments
returned, the learning rate folded into the velocity, Nesterov's look-ahead forgotten, ...), the case's hint is
replaced by the diagnosis of that version.
"""

import numpy as np

from ._core import Case, run_cases

__all__ = ["adam_step", "momentum_step"]

# --- Adam ------------------------------------------------------------------------------------------------------

_ADAM_GENERAL_HINT = ("m = beta1*m + (1 - beta1)*g, v = beta2*v + (1 - beta2)*g**2, then m_hat = m / (1 - beta1**t), "
                      "v_hat = v / (1 - beta2**t) and theta - lr * m_hat / (np.sqrt(v_hat) + eps); return "
                      "(theta_new, m_new, v_new)")
_FIRST_STEP_HINT = ("on the first step (t = 1, m = v = 0) the bias correction makes m_hat = g and v_hat = g**2, so "
                    "every coordinate moves by lr * sign(g), whatever the size of g")
_EPS_RANGE_HINT = ("eps only matters for gradients near or below it: the step of a coordinate is "
                   "lr * |g| / (|g| + eps) at t = 1, about lr for |g| = 1e-6 and 0.91 lr for |g| = 1e-7")
_ZERO_HINT = ("a coordinate whose gradient has always been 0 has m = v = 0: the eps in sqrt(v_hat) + eps keeps "
              "0 / 0 from giving nan, and the coordinate does not move")
_BETAS_HINT = "use the betas argument, beta1, beta2 = betas; do not hard-code 0.9 and 0.999"
_ADAM_FLOAT32_HINT = ("float32 inputs must give float32 results: Python floats (lr, eps, beta1**t) keep float32, "
                      "but np.float64 scalars or arrays (np.power(beta1, t), np.float64(lr), np.array(eps)) promote "
                      "float32 arrays to float64 in NumPy 2")

_NO_CORRECTION_HINT = ("no bias correction: m and v start at 0, so after t steps they are too small by the factors "
                       "1 - beta1**t and 1 - beta2**t; divide by them (m_hat = m / (1 - beta1**t), v_hat = "
                       "v / (1 - beta2**t)). Without it the first step is (1 - beta1) / sqrt(1 - beta2) = 3.16 "
                       "times lr for the default betas")
_ONE_MINUS_HINT = ("the (1 - beta) factors are missing: m = beta1*m + (1 - beta1)*g and v = beta2*v + "
                   "(1 - beta2)*g**2 are weighted averages of past gradients; without the factors m grows "
                   "towards g / (1 - beta1) and v towards g**2 / (1 - beta2), and the step towards "
                   "sqrt(1 - beta2) / (1 - beta1) = 0.32 times lr")
_SEED_HINT = ("this is Adam without the (1 - beta) factors and without bias correction: its first step happens to "
              "be lr * sign(g), but m and v are sums rather than averages, so later steps first grow to about "
              "2 lr and then shrink towards sqrt(1 - beta2) / (1 - beta1) = 0.32 lr; use m = beta1*m + "
              "(1 - beta1)*g, v = beta2*v + (1 - beta2)*g**2 and divide by 1 - beta1**t and 1 - beta2**t")
_EPS_INSIDE_HINT = ("eps belongs outside the square root, np.sqrt(v_hat) + eps: inside, np.sqrt(v_hat + eps) acts "
                    "like an eps of sqrt(eps) = 1e-4 and shrinks the step of every coordinate whose gradient is "
                    "below about 1e-4")
_NO_EPS_HINT = ("the denominator needs eps: lr * m_hat / (np.sqrt(v_hat) + eps); without it a tiny gradient still "
                "moves its coordinate by a full lr, and a zero gradient gives 0 / 0 = nan")
_T_PLUS_HINT = ("the bias correction uses the step number t + 1: t counts steps from 1, so the first step "
                "divides by 1 - beta1**1 and 1 - beta2**1; use beta**t as given, without adding 1")
_T_MINUS_HINT = ("the bias correction uses t - 1: with t counted from 1 the first step has 1 - beta**t = "
                 "1 - beta, not 1 - beta**0 = 0 (a division by zero); use beta**t as given")
_NAN_FIRST_HINT = ("nan or inf at t = 1: 1 - beta**t must not be 0, so the step number must start at 1 (if you "
                   "computed 1 - beta**(t - 1), the first step divides by zero)")
_HAT_HINT = ("theta is right, but the moments returned are the bias-corrected m_hat and v_hat: return the running "
             "averages m and v themselves; the correction is applied afresh at every step from t")
_ADAM_SIGN_HINT = ("the step goes uphill: Adam subtracts, theta - lr * m_hat / (np.sqrt(v_hat) + eps), with "
                   "m_hat the (bias-corrected) average of the gradients g")
_HARD_BETAS_HINT = "the step used beta1 = 0.9 and beta2 = 0.999 instead of the betas passed in: beta1, beta2 = betas"


def _adam(theta, g, m, v, t, lr, betas, eps, one_minus=True, correct=True, eps_inside=False, t_shift=0,
          sign=1.0, return_hat=False):
    """Adam in float64, or one of its typical wrong versions; returns ``(theta_new, m_new, v_new)``."""
    theta, g, m, v = (np.asarray(a, dtype=np.float64) for a in (theta, g, m, v))
    b1, b2 = betas
    a1, a2 = (1 - b1, 1 - b2) if one_minus else (1.0, 1.0)
    m_new = b1 * m + a1 * g
    v_new = b2 * v + a2 * g * g
    tc = t + t_shift
    with np.errstate(all="ignore"):
        m_hat = m_new / (1 - b1**tc) if correct else m_new
        v_hat = v_new / (1 - b2**tc) if correct else v_new
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        theta_new = theta - sign * lr * m_hat / denom
    if return_hat:
        return theta_new, m_hat, v_hat
    return theta_new, m_new, v_new


def _adam_wrong(theta, g, m, v, t, lr, betas, eps):
    """The typical wrong versions for these arguments, as ``(output, hint)`` pairs, in the order they are tried."""
    args = (theta, g, m, v, t, lr, betas, eps)
    versions = [
        (dict(correct=False), _NO_CORRECTION_HINT),
        (dict(one_minus=False, correct=False), _SEED_HINT),
        (dict(one_minus=False, correct=False, eps_inside=True), _SEED_HINT),
        (dict(one_minus=False), _ONE_MINUS_HINT),
        (dict(eps_inside=True), _EPS_INSIDE_HINT),
        (dict(return_hat=True), _HAT_HINT),
        (dict(t_shift=1), _T_PLUS_HINT),
        (dict(t_shift=-1), _T_MINUS_HINT),
        (dict(sign=-1.0), _ADAM_SIGN_HINT),
    ]
    wrong = [(_adam(*args, **kw), hint) for kw, hint in versions]
    wrong.append((_adam(*args[:7], 0.0), _NO_EPS_HINT))
    if tuple(betas) != (0.9, 0.999):
        wrong.append((_adam(*args[:6], (0.9, 0.999), eps), _HARD_BETAS_HINT))
    return wrong


# --- momentum --------------------------------------------------------------------------------------------------

_MOMENTUM_GENERAL_HINT = ("v_new = mu*v + g, then theta - lr*v_new (or, with nesterov=True, "
                          "theta - lr*(g + mu*v_new)); return (theta_new, v_new)")
_MOMENTUM_FIRST_HINT = ("from v = 0 the first step is plain gradient descent: v_new = g and theta - lr*g "
                        "(with nesterov=False)")
_MU_HINT = "use the mu argument; do not hard-code 0.9"
_NESTEROV_FIRST_HINT = ("Nesterov's first step from v = 0: v_new = g, and the look-ahead update "
                        "theta - lr*(g + mu*v_new) moves by lr*(1 + mu)*g")
_NESTEROV_HINT = "with nesterov=True: v_new = mu*v + g, then theta - lr*(g + mu*v_new), the updated velocity"
_MOMENTUM_FLOAT32_HINT = ("float32 inputs must give float32 results: Python floats (lr, mu) keep float32, but "
                          "np.float64 scalars or arrays promote float32 arrays to float64 in NumPy 2")

_LR_IN_V_HINT = ("the learning rate was folded into the velocity (v = mu*v + lr*g, theta - v): here v is kept in "
                 "units of the gradient, as in nnlib.optim.SGD and torch.optim.SGD: v_new = mu*v + g, then "
                 "theta - lr*v_new (the two conventions differ in what v means, and whenever lr changes)")
_SUTSKEVER_HINT = ("this is the convention v = mu*v - lr*g, theta + v (Sutskever et al.): here v is kept in units "
                   "of the gradient, as in nnlib.optim.SGD and torch.optim.SGD: v_new = mu*v + g, then "
                   "theta - lr*v_new")
_DAMPENING_HINT = ("the velocity has a (1 - mu) factor, v = mu*v + (1 - mu)*g, an exponential average like "
                   "Adam's m: classical momentum sums the gradients, v_new = mu*v + g, so a constant gradient "
                   "gives steps of lr*g/(1 - mu)")
_NO_NESTEROV_HINT = ("with nesterov=True this is the plain momentum step, theta - lr*v_new (which is also what "
                     "theta - lr*(g + mu*v) with the old velocity gives): Nesterov's step looks ahead along the new "
                     "velocity, theta - lr*(g + mu*v_new)")
_NESTEROV_NO_G_HINT = ("the Nesterov step is missing the gradient term: theta - lr*(g + mu*v_new), not "
                       "theta - lr*mu*v_new")
_OLD_V_RETURNED_HINT = "theta is right but v was returned unchanged: return the new velocity v_new = mu*v + g"
_MOMENTUM_SIGN_HINT = "the step goes uphill: descent subtracts, theta - lr*v_new with v_new = mu*v + g"
_HARD_MU_HINT = "the step used mu = 0.9 instead of the mu passed in"


def _momentum(theta, g, v, lr, mu, nesterov):
    theta, g, v = (np.asarray(a, dtype=np.float64) for a in (theta, g, v))
    v_new = mu * v + g
    step = g + mu * v_new if nesterov else v_new
    return theta - lr * step, v_new


def _momentum_wrong(theta, g, v, lr, mu, nesterov):
    """The typical wrong versions for these arguments, as ``(output, hint)`` pairs, in the order they are tried."""
    theta, g, v = (np.asarray(a, dtype=np.float64) for a in (theta, g, v))
    wrong = []
    v_lr = mu * v + lr * g                                        # lr folded into the velocity
    wrong.append(((theta - (lr * g + mu * v_lr if nesterov else v_lr), v_lr), _LR_IN_V_HINT))
    v_s = mu * v - lr * g                                         # Sutskever's sign convention
    wrong.append(((theta + (mu * v_s - lr * g if nesterov else v_s), v_s), _SUTSKEVER_HINT))
    v_d = mu * v + (1 - mu) * g                                   # dampening (1 - mu)
    wrong.append(((theta - lr * (g + mu * v_d if nesterov else v_d), v_d), _DAMPENING_HINT))
    v_new = mu * v + g
    if nesterov:
        wrong += [((theta - lr * v_new, v_new), _NO_NESTEROV_HINT),
                  ((theta - lr * mu * v_new, v_new), _NESTEROV_NO_G_HINT)]
    right_theta = _momentum(theta, g, v, lr, mu, nesterov)[0]
    wrong.append(((right_theta, v), _OLD_V_RETURNED_HINT))
    wrong.append(((2 * theta - right_theta, v_new), _MOMENTUM_SIGN_HINT))           # theta + lr * step
    if mu != 0.9:
        wrong.append((_momentum(theta, g, v, lr, 0.9, nesterov), _HARD_MU_HINT))
    return wrong


# --- the case --------------------------------------------------------------------------------------------------

class _TupleCase(Case):
    """A case whose answer is a tuple of arrays (``names``), each compared separately with the reference.

    When the case fails with finite answers of the right shapes that match one of the typical wrong versions
    (``wrong``: pairs of an output tuple and a hint), that version's hint replaces the case's own hint.
    ``nonfinite_hint``, if given, replaces the hint when the answer contains nan or inf.
    """

    def __init__(self, name, args, expected, hint, names, wrong, nonfinite_hint=None, rtol=1e-9, atol=1e-12,
                 dtype=None):
        super().__init__(name, args, expected, hint, rtol=rtol, atol=atol, dtype=dtype)
        self.names, self.wrong, self.nonfinite_hint = names, wrong, nonfinite_hint
        self.default_hint = hint

    def run(self, fn):
        self.hint = self.default_hint
        args = [a.copy() if isinstance(a, np.ndarray) else a for a in self.args]
        try:
            with np.errstate(all="ignore"):
                out = fn(*args)
        except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
            return f"raised {type(exc).__name__}: {exc}"
        wanted = "(" + ", ".join(self.names) + ")"
        if not isinstance(out, (tuple, list)) or len(out) != len(self.names):
            got = f"a {type(out).__name__} of length {len(out)}" if isinstance(out, (tuple, list)) else \
                type(out).__name__
            return f"returned {got}, expected the tuple {wanted}"
        got = [np.asarray(a) for a in out]
        for name, value, expected in zip(self.names, got, self.expected):
            if value.shape != expected.shape:
                return f"returned {name} of shape {value.shape}, expected {expected.shape}"
            if value.dtype.kind != "f":
                return f"returned {name} of dtype {value.dtype}, expected floating point"
            if self.dtype is not None and value.dtype != self.dtype:
                return f"returned {name} of dtype {value.dtype}, expected {np.dtype(self.dtype)}"
        got = [value.astype(np.float64) for value in got]
        for name, value in zip(self.names, got):
            if not np.all(np.isfinite(value)):
                if self.nonfinite_hint is not None:
                    self.hint = self.nonfinite_hint
                return f"returned nan or inf in {name}"
        reasons = []
        for name, value, expected in zip(self.names, got, self.expected):
            if not np.allclose(value, expected, rtol=self.rtol, atol=self.atol):
                err = np.max(np.abs(value - expected))
                reasons.append(f"{name} differs from the reference (largest difference {err:.3g})")
        if not reasons:
            return None
        best = None                                   # the closest wrong version, if it matches to 1e-6
        for output, hint in self.wrong:
            with np.errstate(all="ignore"):
                err = max(float(np.max(np.abs(a - b) / (1e-6 * np.abs(b) + 1e-12))) for a, b in zip(got, output))
            if err <= 1 and (best is None or err < best[0]):
                best = (err, hint)
        if best is not None:
            self.hint = best[1]
        return "; ".join(reasons)


# --- Adam cases and checker ------------------------------------------------------------------------------------

def _adam_case(name, args, hint, nonfinite_hint=None, rtol=1e-9, atol=None, dtype=None):
    # theta moves by about lr per step: differences far below lr (1e-6 lr) are round-off, not mistakes
    atol = 1e-6 * args[5] if atol is None else atol
    return _TupleCase(name, args, _adam(*args), hint, ("theta", "m", "v"), _adam_wrong(*args),
                      nonfinite_hint=nonfinite_hint, rtol=rtol, atol=atol, dtype=dtype)


def _adam_cases():
    rng = np.random.default_rng(2015)
    betas, eps = (0.9, 0.999), 1e-8
    cases = []

    # First step from zero moments: gradients of very different sizes, every one far above eps.
    theta = rng.normal(size=6)
    g = np.array([3.0, -0.5, 0.8, -40.0, 1.5, 7.0])
    zeros = np.zeros(6)
    cases.append(_adam_case("first step (t = 1): every coordinate moves by lr", (theta, g, zeros, zeros, 1, 0.01,
                            betas, eps), _FIRST_STEP_HINT, nonfinite_hint=_NAN_FIRST_HINT))

    # A later step of a (3, 4) weight matrix, with moments of the sizes earlier steps would leave.
    theta = rng.normal(size=(3, 4))
    g = rng.normal(size=(3, 4))
    m = 0.5 * rng.normal(size=(3, 4))
    v = rng.uniform(0.2, 2.0, size=(3, 4))
    cases.append(_adam_case("a later step (t = 10) of a (3, 4) matrix, with m and v from earlier steps",
                            (theta, g, m, v, 10, 0.001, betas, eps), _ADAM_GENERAL_HINT))

    # The second step, where the bias correction still matters a lot.
    theta = rng.normal(size=5)
    g1, g2 = rng.normal(size=5), rng.normal(size=5)
    m1, v1 = (1 - betas[0]) * g1, (1 - betas[1]) * g1 * g1
    cases.append(_adam_case("the second step (t = 2), after a first step from zero moments",
                            (theta, g2, m1, v1, 2, 0.01, betas, eps), _ADAM_GENERAL_HINT,
                            nonfinite_hint=_NAN_FIRST_HINT))

    # Tiny gradients, where eps decides the step.
    theta = rng.normal(size=6)
    g = np.array([1e-7, -1e-6, 1e-5, -1e-4, 1e-3, -1.0])
    zeros = np.zeros(6)
    cases.append(_adam_case("first step with gradients from 1e-7 to 1 (where eps matters)",
                            (theta, g, zeros, zeros, 1, 0.01, betas, eps), _EPS_RANGE_HINT,
                            nonfinite_hint=_NAN_FIRST_HINT))

    # Zero gradients: no step, no nan.
    theta = rng.normal(size=4)
    g = np.array([0.0, 0.5, 0.0, -2.0])
    zeros = np.zeros(4)
    cases.append(_adam_case("zero gradients on the first step: those coordinates stay put (no nan)",
                            (theta, g, zeros, zeros, 1, 0.01, betas, eps), _ZERO_HINT, nonfinite_hint=_ZERO_HINT))

    # Other betas.
    theta = rng.normal(size=5)
    g = rng.normal(size=5)
    m = 0.5 * rng.normal(size=5)
    v = rng.uniform(0.2, 2.0, size=5)
    cases.append(_adam_case("betas = (0.5, 0.75), t = 3 (not hard-coded)", (theta, g, m, v, 3, 0.01, (0.5, 0.75),
                            eps), _BETAS_HINT))

    # float32 all the way.
    f32 = np.float32
    theta = rng.normal(size=(2, 3)).astype(f32)
    g = rng.normal(size=(2, 3)).astype(f32)
    m = (0.5 * rng.normal(size=(2, 3))).astype(f32)
    v = rng.uniform(0.2, 2.0, size=(2, 3)).astype(f32)
    cases.append(_adam_case("float32 in, float32 out (t = 5)", (theta, g, m, v, 5, 0.001, betas, eps),
                            _ADAM_FLOAT32_HINT, rtol=1e-5, atol=1e-7, dtype=np.float32))
    return cases


def adam_step(fn, verbose=True):
    """Check ``fn(theta, g, m, v, t, lr, betas, eps) -> (theta_new, m_new, v_new)``, one step of Adam.

    ``theta``, ``g``, ``m`` and ``v`` are arrays of one shape; ``m`` and ``v`` are the moments after the previous
    step (zeros before the first), ``t`` is the step number counted from 1, ``lr`` and ``eps`` are floats and
    ``betas`` is the pair ``(beta1, beta2)``. The answer is::

        m_new = beta1 m + (1 - beta1) g,        v_new = beta2 v + (1 - beta2) g^2
        theta_new = theta - lr m_hat / (sqrt(v_hat) + eps),  m_hat = m_new / (1 - beta1^t),  v_hat = v_new / (1 - beta2^t)

    Cases: the first step (each coordinate moves by lr), a later step of a (3, 4) matrix, the second step, gradients
    from 1e-7 to 1 (where eps matters), zero gradients, betas other than the defaults, and float32 (the results must
    stay float32; tolerance 1e-5). Typical wrong versions are diagnosed in the hints: no bias correction, missing
    (1 - beta) factors, both (with or without eps inside the square root), eps inside the square root, no eps, the
    bias-corrected moments returned, the step number off by one, a step uphill, hard-coded betas.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check._core.CheckReport`, true when every case passed.
    """
    return run_cases("check.adam_step", fn, _adam_cases(), verbose)


# --- momentum cases and checker --------------------------------------------------------------------------------

def _momentum_case(name, args, hint, rtol=1e-9, atol=1e-12, dtype=None):
    return _TupleCase(name, args, _momentum(*args), hint, ("theta", "v"), _momentum_wrong(*args), rtol=rtol,
                      atol=atol, dtype=dtype)


def _momentum_cases():
    rng = np.random.default_rng(2013)
    cases = []
    theta, g = rng.normal(size=5), rng.normal(size=5)
    cases.append(_momentum_case("first step from v = 0 (plain gradient descent)",
                                (theta, g, np.zeros(5), 0.1, 0.9, False), _MOMENTUM_FIRST_HINT))
    theta, g, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    cases.append(_momentum_case("a later step of a (3, 4) matrix, mu = 0.9",
                                (theta, g, v, 0.05, 0.9, False), _MOMENTUM_GENERAL_HINT))
    theta, g, v = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    cases.append(_momentum_case("mu = 0.5 (not hard-coded)", (theta, g, v, 0.1, 0.5, False), _MU_HINT))
    theta, g = rng.normal(size=5), rng.normal(size=5)
    cases.append(_momentum_case("Nesterov, first step from v = 0", (theta, g, np.zeros(5), 0.1, 0.9, True),
                                _NESTEROV_FIRST_HINT))
    theta, g, v = rng.normal(size=(3, 4)), rng.normal(size=(3, 4)), rng.normal(size=(3, 4))
    cases.append(_momentum_case("Nesterov, a later step", (theta, g, v, 0.05, 0.9, True), _NESTEROV_HINT))
    f32 = np.float32
    theta, g, v = (rng.normal(size=(2, 3)).astype(f32) for _ in range(3))
    cases.append(_momentum_case("float32 in, float32 out (Nesterov)", (theta, g, v, 0.01, 0.9, True),
                                _MOMENTUM_FLOAT32_HINT, rtol=1e-5, atol=1e-7, dtype=np.float32))
    return cases


def momentum_step(fn, verbose=True):
    """Check ``fn(theta, g, v, lr, mu, nesterov) -> (theta_new, v_new)``, one step of SGD with (Nesterov) momentum.

    ``theta``, ``g`` and ``v`` are arrays of one shape (``v`` is zero before the first step), ``lr`` and ``mu`` are
    floats and ``nesterov`` a bool. The convention is that of :class:`nnlib.optim.SGD` and ``torch.optim.SGD``::

        v_new = mu v + g
        theta_new = theta - lr v_new                  (nesterov=False)
        theta_new = theta - lr (g + mu v_new)         (nesterov=True)

    Cases: the first step from v = 0, a later step of a (3, 4) matrix, mu = 0.5, Nesterov's first and a later
    step, and float32 (the results must stay float32; tolerance 1e-5). Typical wrong versions are diagnosed in the
    hints: the learning rate inside the velocity, Sutskever's sign convention, a (1 - mu) factor, Nesterov ignored
    (or, equivalently, computed with the old velocity) or without the gradient term, the velocity not returned, a step uphill, a
    hard-coded mu.

    Args:
        fn: the reader's function.
        verbose: print the report.

    Returns:
        A :class:`~nnlib.check._core.CheckReport`, true when every case passed.
    """
    return run_cases("check.momentum_step", fn, _momentum_cases(), verbose)
