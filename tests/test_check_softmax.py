"""The chapter "Softmax" checkers pass correct answers and name the case and the fix for each typical mistake."""

import numpy as np
import pytest

import nnlib
from nnlib.check import log_softmax as check_log_softmax
from nnlib.check import softmax as check_softmax


# Correct answers -------------------------------------------------------------------------------------------------

def stable_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    e = np.exp(z - m)
    return e / np.sum(e, axis=-1, keepdims=True)


def stable_log_softmax(z):
    m = np.max(z, axis=-1, keepdims=True)
    shifted = z - m
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


# Typical wrong answers -------------------------------------------------------------------------------------------

def softmax_without_max_shift(z):
    e = np.exp(z)
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_over_axis_0(z):
    e = np.exp(z - np.max(z, axis=0, keepdims=True))
    return e / np.sum(e, axis=0, keepdims=True)


def softmax_with_global_max(z):
    e = np.exp(z - np.max(z))
    return e / np.sum(e, axis=-1, keepdims=True)


def softmax_without_keepdims(z):
    e = np.exp(z - np.max(z, axis=-1))
    return e / np.sum(e, axis=-1)


def softmax_over_axis_1(z):
    e = np.exp(z - np.max(z, axis=1, keepdims=True))
    return e / np.sum(e, axis=1, keepdims=True)


def softmax_in_float64(z):
    return stable_softmax(np.asarray(z, dtype=np.float64))


def log_of_softmax(z):
    return np.log(stable_softmax(z))


def log_softmax_with_global_max(z):
    shifted = z - np.max(z)
    return shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


# Tests -----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("fn", [stable_softmax, nnlib.softmax])
def test_softmax_checker_passes_correct_answers(fn):
    report = check_softmax(fn, verbose=False)
    assert report and report.failed == [] and len(report.passed) == 8


@pytest.mark.parametrize("fn", [stable_log_softmax, nnlib.log_softmax])
def test_log_softmax_checker_passes_correct_answers(fn):
    report = check_log_softmax(fn, verbose=False)
    assert report and report.failed == [] and len(report.passed) == 9


def test_checkers_are_reexported_by_nnlib_check():
    assert nnlib.check.softmax is check_softmax and nnlib.check.log_softmax is check_log_softmax
    assert "softmax" in nnlib.check.__all__ and "log_softmax" in nnlib.check.__all__


def test_report_is_printed_when_verbose(capsys):
    check_softmax(stable_softmax)
    out = capsys.readouterr().out
    assert out.startswith("check.softmax: 8/8 cases passed")
    assert "ok    logits of 1000 and -1000 (overflow)" in out


def test_no_max_shift_fails_the_overflow_cases_only():
    found = failures(check_softmax(softmax_without_max_shift, verbose=False))
    assert set(found) == {"logits of 1000 and -1000 (overflow)", "rows whose maxima differ by 2000"}
    reason, hint = found["logits of 1000 and -1000 (overflow)"]
    assert reason == "returned nan or inf"
    assert "overflows" in hint and "subtract the row max before exp" in hint


def test_axis_0_is_diagnosed_as_normalising_columns():
    found = failures(check_softmax(softmax_over_axis_0, verbose=False))
    assert "a batch of shape (N, C) with different rows" in found
    assert "one example, shape (C,)" not in found  # for 1-D input axis=0 is the last axis: correct there
    _, hint = found["a batch of shape (N, C) with different rows"]
    assert "over axis=0" in hint and "axis=-1, keepdims=True" in hint
    _, hint = found["all logits equal (uniform)"]
    assert "over axis=0" in hint


def test_global_max_fails_only_rows_far_apart_with_the_row_max_hint():
    found = failures(check_softmax(softmax_with_global_max, verbose=False))
    assert set(found) == {"rows whose maxima differ by 2000"}
    reason, hint = found["rows whose maxima differ by 2000"]
    assert reason == "returned nan or inf"
    assert "subtract each row's own max (axis=-1, keepdims=True)" in hint


def test_missing_keepdims_is_caught_when_it_raises_and_when_it_silently_broadcasts():
    found = failures(check_softmax(softmax_without_keepdims, verbose=False))
    reason, hint = found["a batch of shape (N, C) with different rows"]
    assert reason.startswith("raised ValueError") and "keepdims=True" in hint
    reason, hint = found["a square batch (N = C)"]  # no error here: the wrong broadcast gives wrong values
    assert reason.startswith("values differ") and "missing keepdims=True" in hint
    assert "one example, shape (C,)" not in found


def test_axis_1_fails_on_a_single_1d_row():
    found = failures(check_softmax(softmax_over_axis_1, verbose=False))
    assert set(found) == {"one example, shape (C,)"}
    reason, hint = found["one example, shape (C,)"]
    assert "AxisError" in reason and "axis=-1" in hint


def test_float64_result_for_float32_input_is_caught():
    found = failures(check_softmax(softmax_in_float64, verbose=False))
    assert set(found) == {"float32 input stays float32"}
    reason, hint = found["float32 input stays float32"]
    assert reason == "returned dtype float64, expected float32" and "float32" in hint


@pytest.mark.parametrize("eps", [1e-12, 1e-6])
def test_log_of_softmax_plus_eps_is_caught_and_the_hint_names_the_eps(eps):
    def log_softmax_with_eps(z):
        return np.log(stable_softmax(z) + eps)

    found = failures(check_log_softmax(log_softmax_with_eps, verbose=False))
    assert {"logits of 1000 and -1000 (overflow and log(0))",
            "log-probabilities near -20 and -40 (no eps)"} <= set(found)
    for reason, hint in found.values():
        assert reason.startswith("values differ")
        assert f"log(p + eps) with eps = {eps:.0e} inside the log" in hint
        assert "z - logsumexp(z)" in hint


def test_log_of_softmax_without_eps_fails_with_minus_inf():
    found = failures(check_log_softmax(log_of_softmax, verbose=False))
    assert set(found) == {"logits of 1000 and -1000 (overflow and log(0))"}
    reason, hint = found["logits of 1000 and -1000 (overflow and log(0))"]
    assert reason == "returned nan or inf" and "log(0) = -inf" in hint


def test_log_softmax_with_global_max_is_caught():
    found = failures(check_log_softmax(log_softmax_with_global_max, verbose=False))
    assert set(found) == {"rows whose maxima differ by 2000"}
    assert "subtract each row's own max (axis=-1, keepdims=True)" in found["rows whose maxima differ by 2000"][1]


def test_log_softmax_checker_catches_axis_0_and_missing_keepdims():
    def over_axis_0(z):
        shifted = z - np.max(z, axis=0, keepdims=True)
        return shifted - np.log(np.sum(np.exp(shifted), axis=0, keepdims=True))

    def without_keepdims(z):
        shifted = z - np.max(z, axis=-1)
        return shifted - np.log(np.sum(np.exp(shifted), axis=-1))

    found = failures(check_log_softmax(over_axis_0, verbose=False))
    assert "over axis=0" in found["a batch of shape (N, C) with different rows"][1]
    found = failures(check_log_softmax(without_keepdims, verbose=False))
    assert "keepdims=True" in found["a batch of shape (N, C) with different rows"][1]
    assert found["a square batch (N = C)"][0].startswith("values differ")


def test_checker_does_not_let_the_readers_function_modify_its_cases():
    def in_place(z):
        z -= np.max(z, axis=-1, keepdims=True)
        np.exp(z, out=z)
        z /= np.sum(z, axis=-1, keepdims=True)
        return z

    assert check_softmax(in_place, verbose=False)
    assert check_softmax(stable_softmax, verbose=False)


def test_checker_rejects_something_that_is_not_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        check_softmax(np.array([1.0, 2.0]), verbose=False)
