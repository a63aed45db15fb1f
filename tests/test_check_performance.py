"""The in-place SGD update checker of the appendix passes correct answers and catches each typical wrong one with
the hint that names its mistake."""

import numpy as np

from nnlib.check.performance import sgd_update


def solution(theta, g, lr, scratch):
    """The solution printed in the appendix."""
    np.multiply(g, theta.dtype.type(lr), out=scratch)
    theta -= scratch


def solution_without_scratch(theta, g, lr, scratch):
    """Another correct answer: subtract lr * g through the output argument, then nothing else allocates."""
    np.multiply(g, -theta.dtype.type(lr), out=scratch)
    np.add(theta, scratch, out=theta)


def rebinds(theta, g, lr, scratch):
    theta = theta - lr * g
    return theta


def allocates(theta, g, lr, scratch):
    theta -= theta.dtype.type(lr) * g


def float64_lr(theta, g, lr, scratch):
    np.multiply(g, lr, out=scratch)   # a float64 lr: computed in float64, rounded into the float32 scratch
    theta -= scratch


def changes_the_gradient(theta, g, lr, scratch):
    g *= theta.dtype.type(lr)
    theta -= g


def failed(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


def test_correct_answers_pass_every_case():
    for fn in (solution, solution_without_scratch):
        report = sgd_update(fn, verbose=False)
        assert report and len(report.passed) == 6, report


def test_rebinding_the_name_is_caught_with_the_in_place_hint():
    bad = failed(sgd_update(rebinds, verbose=False))
    assert len(bad) == 6
    reason, hint = bad["float32 weights (784 x 256), lr a Python float"]
    assert "not changed in place" in reason and "theta -=" in hint
    reason, hint = bad["float32 weights, lr = np.float64(0.05)"]
    assert "not changed in place" in reason and "only rebinds" in hint


def test_a_new_array_per_step_is_caught_by_the_allocation_case_only():
    bad = failed(sgd_update(allocates, verbose=False))
    assert list(bad) == ["no array the size of theta allocated (tracemalloc)"]
    reason, hint = bad["no array the size of theta allocated (tracemalloc)"]
    assert "allocated" in reason and "out=scratch" in hint


def test_a_float64_learning_rate_is_caught_with_the_dtype_hint():
    bad = failed(sgd_update(float64_lr, verbose=False))
    assert set(bad) == {"float32 weights, lr = np.float64(0.05)", "float32 weights, lr a 0-d float64 array"}
    reason, hint = bad["float32 weights, lr = np.float64(0.05)"]
    assert reason.startswith("values differ") and "theta.dtype.type(lr)" in hint


def test_changing_the_gradient_is_reported():
    bad = failed(sgd_update(changes_the_gradient, verbose=False))
    assert bad and all("changed the gradient" in reason for reason, _ in bad.values())


def test_the_report_prints_the_cases(capsys):
    sgd_update(solution)
    out = capsys.readouterr().out
    assert out.startswith("sgd_update: 6/6 cases passed") and "tracemalloc" in out
