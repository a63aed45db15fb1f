"""The Adam and momentum exercise checkers pass correct answers, agree with nnlib.optim, and catch each typical
wrong answer with the hint that names its mistake."""

import numpy as np
import pytest

import nnlib
from nnlib.check.optim import _adam, _momentum, adam_step, momentum_step


# --- reference answers -----------------------------------------------------------------------------------------

def adam_solution(theta, g, m, v, t, lr, betas, eps):
    """The solution printed in the chapter's exercise."""
    beta1, beta2 = betas
    m = beta1 * m + (1 - beta1) * g              # running average of g
    v = beta2 * v + (1 - beta2) * g * g          # running average of g^2
    m_hat = m / (1 - beta1**t)                   # bias correction: m_0 = v_0 = 0
    v_hat = v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adam_in_place(theta, g, m, v, t, lr, betas, eps):
    """Updates its arguments in place and returns them: accepted, since the checker passes copies."""
    beta1, beta2 = betas
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g**2
    theta -= lr * (m / (1 - beta1**t)) / (np.sqrt(v / (1 - beta2**t)) + eps)
    return theta, m, v


def momentum_solution(theta, g, v, lr, mu, nesterov):
    """The solution printed in the chapter's exercise."""
    v = mu * v + g
    step = g + mu * v if nesterov else v
    return theta - lr * step, v


@pytest.mark.parametrize("fn", [adam_solution, adam_in_place], ids=["solution", "in place"])
def test_correct_adam_passes_every_case(fn):
    report = adam_step(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 7


def test_correct_momentum_passes_every_case():
    report = momentum_step(momentum_solution, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 6


def test_report_is_printed_when_verbose(capsys):
    adam_step(adam_solution)
    out = capsys.readouterr().out
    assert "check.adam_step: 7/7 cases passed" in out


# --- the references agree with nnlib.optim ---------------------------------------------------------------------

class _Holder:
    """The smallest 'model' an nnlib optimizer accepts: one parameter and its gradient."""

    def __init__(self, theta):
        self.params = {"theta": theta}
        self.grads = {"theta": np.zeros_like(theta)}


def _gradients(steps, shape, seed):
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) * 10.0 ** rng.integers(-4, 2, size=shape) for _ in range(steps)]


@pytest.mark.parametrize("betas", [(0.9, 0.999), (0.5, 0.75)])
def test_adam_reference_agrees_with_nnlib_over_several_steps(betas):
    theta0 = np.random.default_rng(0).normal(size=(3, 4))
    holder = _Holder(theta0.copy())
    opt = nnlib.optim.Adam(holder, lr=0.01, betas=betas, eps=1e-8)
    theta, m, v = theta0.copy(), np.zeros((3, 4)), np.zeros((3, 4))
    for t, g in enumerate(_gradients(6, (3, 4), 1), start=1):
        holder.grads["theta"][...] = g
        opt.step()
        theta, m, v = _adam(theta, g, m, v, t, 0.01, betas, 1e-8)
        np.testing.assert_allclose(holder.params["theta"], theta, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_reference_agrees_with_nnlib_over_several_steps(nesterov):
    theta0 = np.random.default_rng(0).normal(size=5)
    holder = _Holder(theta0.copy())
    opt = nnlib.optim.SGD(holder, lr=0.05, momentum=0.9, nesterov=nesterov)
    theta, v = theta0.copy(), np.zeros(5)
    for g in _gradients(6, 5, 2):
        holder.grads["theta"][...] = g
        opt.step()
        theta, v = _momentum(theta, g, v, 0.05, 0.9, nesterov)
        np.testing.assert_allclose(holder.params["theta"], theta, rtol=1e-12, atol=1e-14)


def test_float32_adam_computed_in_float32_passes():
    def in_float32(theta, g, m, v, t, lr, betas, eps):
        out = adam_solution(theta, g, m, v, t, lr, betas, eps)
        assert all(a.dtype == theta.dtype for a in out)
        return out

    assert adam_step(in_float32, verbose=False)


# --- typical wrong answers -------------------------------------------------------------------------------------

def _adam_variant(one_minus=True, correct=True, eps_inside=False, t_shift=0, sign=1.0, return_hat=False,
                  no_eps=False, fixed_betas=None, upcast=False):
    def fn(theta, g, m, v, t, lr, betas, eps):
        beta1, beta2 = fixed_betas or betas
        a1, a2 = (1 - beta1, 1 - beta2) if one_minus else (1.0, 1.0)
        m = beta1 * m + a1 * g
        v = beta2 * v + a2 * g * g
        tc = t + t_shift
        if upcast:
            tc = np.float64(tc)
        m_hat = m / (1 - beta1**tc) if correct else m
        v_hat = v / (1 - beta2**tc) if correct else v
        e = 0.0 if no_eps else eps
        denom = np.sqrt(v_hat + e) if eps_inside else np.sqrt(v_hat) + e
        theta = theta - sign * lr * m_hat / denom
        return (theta, m_hat, v_hat) if return_hat else (theta, m, v)

    return fn


ALL_ADAM = {"first step (t = 1)", "a later step", "the second step", "first step with gradients", "zero gradients",
            "betas =", "float32"}

# name -> (wrong function, the cases it must fail (by name prefix), a phrase every one of their hints contains,
#          the cases whose hint must contain it (None: all failed cases))
WRONG_ADAM = {
    "no bias correction": (
        _adam_variant(correct=False), ALL_ADAM, "no bias correction", None),
    "missing (1 - beta) factors": (
        _adam_variant(one_minus=False), ALL_ADAM, "(1 - beta) factors are missing", None),
    "missing (1 - beta) and bias correction": (
        _adam_variant(one_minus=False, correct=False), ALL_ADAM, "without the (1 - beta) factors and without bias",
        None),
    "seed 004's Adam (also eps inside the sqrt)": (
        _adam_variant(one_minus=False, correct=False, eps_inside=True), ALL_ADAM,
        "without the (1 - beta) factors and without bias", None),
    # eps is negligible unless some |g| is near sqrt(eps) = 1e-4: only the case of tiny gradients has such ones
    "eps inside the sqrt": (
        _adam_variant(eps_inside=True), {"first step with gradients"}, "outside the square root", None),
    "t counted from 0 (uses t + 1)": (
        _adam_variant(t_shift=1), ALL_ADAM, "t + 1", None),
    # at t = 1 from zero moments, returning m_hat = g and v_hat = g^2 looks exactly like the sums of the version
    # without (1 - beta) factors and bias correction; the cases with t > 1 tell them apart
    "bias-corrected moments returned": (
        _adam_variant(return_hat=True), ALL_ADAM, "m_hat and v_hat",
        {"a later step", "the second step", "betas =", "float32"}),
    "uphill": (
        _adam_variant(sign=-1.0), ALL_ADAM, "uphill", None),
    "hard-coded betas": (
        _adam_variant(fixed_betas=(0.9, 0.999)), {"betas ="}, "instead of the betas passed in", None),
}


def _failed(report):
    return [name for name, _, _ in report.failed]


def _prefixes(names, universe):
    return {p for p in universe if any(n.startswith(p) for n in names)}


@pytest.mark.parametrize("name", WRONG_ADAM.keys())
def test_each_typical_wrong_adam_fails_its_cases_with_its_hint(name):
    fn, cases, phrase, hinted = WRONG_ADAM[name]
    report = adam_step(fn, verbose=False)
    assert not report
    assert _prefixes(_failed(report), ALL_ADAM) == cases, str(report)
    for case_name, _, hint in report.failed:
        if hinted is None or any(case_name.startswith(p) for p in hinted):
            assert phrase in hint, f"{case_name}: {hint}"


def test_no_bias_correction_hint_states_the_first_step():
    report = adam_step(_adam_variant(correct=False), verbose=False)
    first = next(h for n, _, h in report.failed if n.startswith("first step (t = 1)"))
    assert "3.16" in first and "1 - beta1**t" in first


def test_t_minus_one_gives_nan_at_the_first_step_with_the_hint():
    report = adam_step(_adam_variant(t_shift=-1), verbose=False)
    failed = {n: (r, h) for n, r, h in report.failed}
    reason, hint = next(v for n, v in failed.items() if n.startswith("first step (t = 1)"))
    assert "nan or inf" in reason and "start at 1" in hint
    later = next(h for n, (_, h) in failed.items() if n.startswith("a later step"))
    assert "t - 1" in later


def test_no_eps_is_caught_by_tiny_and_zero_gradients():
    report = adam_step(_adam_variant(no_eps=True), verbose=False)
    assert _prefixes(_failed(report), ALL_ADAM) == {"first step with gradients", "zero gradients"}
    hints = {n: h for n, _, h in report.failed}
    tiny = next(h for n, h in hints.items() if n.startswith("first step with gradients"))
    zero = next(h for n, h in hints.items() if n.startswith("zero gradients"))
    assert "needs eps" in tiny and "0 / 0" in zero


def test_float64_upcast_fails_only_the_float32_case():
    report = adam_step(_adam_variant(upcast=True), verbose=False)
    assert _failed(report) == ["float32 in, float32 out (t = 5)"]
    reason, hint = report.failed[0][1:]
    assert "dtype float64" in reason and "NumPy 2" in hint


def test_a_wrong_return_shape_is_reported():
    report = adam_step(lambda theta, g, m, v, t, lr, betas, eps: theta - lr * np.sign(g), verbose=False)
    assert not report and len(report.failed) == 7
    assert all("expected the tuple (theta, m, v)" in reason for _, reason, _ in report.failed)


def test_an_exception_is_reported_as_the_case_failure():
    def raises(*args):
        raise RuntimeError("boom")

    report = adam_step(raises, verbose=False)
    assert all("raised RuntimeError: boom" in reason for _, reason, _ in report.failed)


def _momentum_variant(kind):
    def fn(theta, g, v, lr, mu, nesterov):
        if kind == "lr in v":
            v = mu * v + lr * g
            return theta - (lr * g + mu * v if nesterov else v), v
        if kind == "sutskever":
            v = mu * v - lr * g
            return theta + (mu * v - lr * g if nesterov else v), v
        if kind == "dampening":
            v = mu * v + (1 - mu) * g
            return theta - lr * (g + mu * v if nesterov else v), v
        v_new = mu * v + g
        if kind == "nesterov ignored":
            return theta - lr * v_new, v_new
        if kind == "nesterov old v":
            return theta - lr * (g + mu * v if nesterov else v_new), v_new
        if kind == "nesterov without g":
            return theta - lr * (mu * v_new if nesterov else v_new), v_new
        if kind == "old v returned":
            return theta - lr * (g + mu * v_new if nesterov else v_new), v
        if kind == "uphill":
            return theta + lr * (g + mu * v_new if nesterov else v_new), v_new
        if kind == "mu hard-coded":
            v_new = 0.9 * v + g
            return theta - lr * (g + 0.9 * v_new if nesterov else v_new), v_new
        raise ValueError(kind)

    return fn


ALL_MOMENTUM = {"first step from v = 0", "a later step", "mu = 0.5", "Nesterov, first step", "Nesterov, a later",
                "float32"}
NESTEROV = {"Nesterov, first step", "Nesterov, a later", "float32"}

WRONG_MOMENTUM = {
    "lr in v": (ALL_MOMENTUM, "folded into the velocity"),
    "sutskever": (ALL_MOMENTUM, "Sutskever"),
    "dampening": (ALL_MOMENTUM, "(1 - mu) factor"),
    "nesterov ignored": (NESTEROV, "plain momentum step"),
    "nesterov old v": (NESTEROV, "plain momentum step"),     # theta - lr (g + mu v) is the plain momentum step
    "nesterov without g": (NESTEROV, "missing the gradient term"),
    "old v returned": (ALL_MOMENTUM, "returned unchanged"),
    "uphill": (ALL_MOMENTUM, "uphill"),
    "mu hard-coded": ({"mu = 0.5"}, "mu = 0.9 instead"),
}


@pytest.mark.parametrize("kind", WRONG_MOMENTUM.keys())
def test_each_typical_wrong_momentum_fails_its_cases_with_its_hint(kind):
    cases, phrase = WRONG_MOMENTUM[kind]
    report = momentum_step(_momentum_variant(kind), verbose=False)
    assert not report
    assert _prefixes(_failed(report), ALL_MOMENTUM) == cases, str(report)
    for case_name, _, hint in report.failed:
        assert phrase in hint, f"{case_name}: {hint}"


def test_momentum_float64_upcast_fails_only_the_float32_case():
    def upcast(theta, g, v, lr, mu, nesterov):
        return momentum_solution(theta, g, v, np.float64(lr), mu, nesterov)

    report = momentum_step(upcast, verbose=False)
    assert _failed(report) == ["float32 in, float32 out (Nesterov)"]
    assert "NumPy 2" in report.failed[0][2]
