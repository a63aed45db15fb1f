"""The SGD-step checker passes correct softmax-regression steps and catches each typical wrong one with its hint."""

import numpy as np
import pytest

import nnlib
from nnlib.check.regression import sgd_step as check_sgd_step


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def reference_solution(W, b, X, y, lr):
    """The solution printed in the chapter's exercise: raw formulas with the row-max shift."""
    N, C = X.shape[0], W.shape[1]
    P = _softmax(X @ W + b)                               # (N, C)
    G = (P - np.eye(C)[y]) / N                            # (N, C) dL/dZ
    return W - lr * X.T @ G, b - lr * G.sum(axis=0)


def in_place(W, b, X, y, lr):
    """Updates the arguments in place and returns them; G built by subtracting 1 at the true classes."""
    N = X.shape[0]
    G = _softmax(X @ W + b)
    G[np.arange(N), y] -= 1
    G /= N
    W -= lr * (X.T @ G)
    b -= lr * G.sum(axis=0)
    return W, b


def with_nnlib_pieces(W, b, X, y, lr):
    layer = nnlib.Linear(W.shape[0], W.shape[1], rng=0)
    layer.params["W"][...] = W
    layer.params["b"][...] = b
    loss = nnlib.SoftmaxCrossEntropy()
    loss.forward(layer.forward(X), y)
    layer.backward(loss.backward())
    return W - lr * layer.grads["W"], b - lr * layer.grads["b"]


CORRECT = {
    "reference solution": reference_solution,
    "in-place update": in_place,
    "nnlib Linear + SoftmaxCrossEntropy gradients": with_nnlib_pieces,
    "list instead of tuple": lambda *a: list(reference_solution(*a)),
}


@pytest.mark.parametrize("fn", CORRECT.values(), ids=CORRECT.keys())
def test_correct_answers_pass_every_case(fn):
    report = check_sgd_step(fn, verbose=False)
    assert report, str(report)
    assert len(report.passed) == 6 and report.failed == []


def test_the_copies_case_expects_the_step_of_the_single_example():
    """The mean over the batch: 8 copies of one example must give exactly the step of that example."""
    rng = np.random.default_rng(0)
    x1, W, b = rng.normal(size=(1, 5)), rng.normal(size=(5, 4)), rng.normal(size=4)
    one = reference_solution(W, b, x1, np.array([3]), 0.5)
    eight = reference_solution(W, b, np.repeat(x1, 8, axis=0), np.full(8, 3), 0.5)
    for a, c in zip(one, eight):
        np.testing.assert_allclose(a, c, rtol=1e-12)


def _variant(dW_fn=None, softmax=_softmax, C_of=lambda W, y: W.shape[1], scale_N=True, sign=1.0, bias_in_logits=True,
             update_b=True):
    """A step with one typical mistake switched on."""
    def step(W, b, X, y, lr):
        N, C = X.shape[0], C_of(W, y)
        Z = X @ W + b if bias_in_logits else X @ W
        D = softmax(Z) - np.eye(C)[y]                     # P - Y
        G = D / N if scale_N else D
        dW = X.T @ G if dW_fn is None else dW_fn(X, D)
        db = G.sum(axis=0)
        return W - sign * lr * dW, (b - sign * lr * db) if update_b else b
    return step


def _naive_softmax(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def _global_max_softmax(Z):
    E = np.exp(Z - Z.max())
    return E / E.sum(axis=1, keepdims=True)


ALL = {"a batch", "mean over the batch", "one example", "C = 3", "C = 5", "extreme logits"}
BATCHES = ALL - {"one example"}

# name -> (wrong function, the cases it must fail (by name prefix), a phrase every one of their hints contains)
WRONG = {
    "product of means": (
        _variant(dW_fn=lambda X, D: np.outer(X.mean(axis=0), D.mean(axis=0))),
        BATCHES - {"mean over the batch"}, "product of means"),
    "product of means, times N": (
        _variant(dW_fn=lambda X, D: X.shape[0] * np.outer(X.mean(axis=0), D.mean(axis=0))),
        BATCHES, "N"),
    "missing 1/N": (_variant(scale_N=False), BATCHES, "N times too large"),
    "hard-coded 10 classes": (
        _variant(C_of=lambda W, y: 10),
        {"mean over the batch", "C = 3", "C = 5", "extreme logits"}, "do not hard-code 10 classes"),
    "C inferred from the labels": (_variant(C_of=lambda W, y: int(y.max()) + 1), {"C = 5"}, "y.max() + 1"),
    "naive softmax without the max shift": (_variant(softmax=_naive_softmax), {"extreme logits"}, "each row's own maximum"),
    "one global max shift": (_variant(softmax=_global_max_softmax), {"extreme logits"}, "one global maximum"),
    "gradient ascent": (_variant(sign=-1.0), ALL, "uphill"),
    "bias never updated": (_variant(update_b=False), ALL, "b was not updated"),
}


def _failed_prefixes(report):
    names = [name for name, _, _ in report.failed]
    return {prefix for prefix in ALL if any(n.startswith(prefix) for n in names)}


@pytest.mark.parametrize("name", WRONG.keys())
def test_each_typical_wrong_answer_fails_exactly_its_cases_with_its_hint(name):
    fn, expected, phrase = WRONG[name]
    report = check_sgd_step(fn, verbose=False)
    assert not report
    assert _failed_prefixes(report) == expected, str(report)
    for case, _, hint in report.failed:
        assert phrase in hint, f"{case}: {hint}"


def test_product_of_means_times_N_is_named_where_rows_differ_and_the_extra_N_where_they_are_equal():
    report = check_sgd_step(WRONG["product of means, times N"][0], verbose=False)
    hints = {name.split(" (")[0]: hint for name, _, hint in report.failed}
    assert "product of means" in hints["a batch"]
    assert "W moved N times too far" in hints["mean over the batch"]


def test_bias_left_out_of_the_logits_is_diagnosed():
    report = check_sgd_step(_variant(bias_in_logits=False), verbose=False)
    assert not report
    hints = {name: hint for name, _, hint in report.failed}
    batch = next(h for n, h in hints.items() if n.startswith("a batch"))
    assert "Z = X @ W + b" in batch


def test_product_of_means_passes_only_where_it_coincides_with_the_mean_of_products():
    report = check_sgd_step(WRONG["product of means"][0], verbose=False)
    assert {n.split(" (")[0] for n in report.passed} == {"mean over the batch", "one example"}


def test_a_wrong_return_value_is_reported():
    report = check_sgd_step(lambda W, b, X, y, lr: W, verbose=False)
    assert not report and all("pair (W_new, b_new)" in reason for _, reason, _ in report.failed)
    report = check_sgd_step(lambda W, b, X, y, lr: (W.T, b), verbose=False)
    reasons = {name: reason for name, reason, _ in report.failed}
    assert len(reasons) == 6
    for name, reason in reasons.items():
        if name.startswith("extreme logits"):      # D = C = 4: W.T has the right shape and wrong values
            assert "W differs from the reference" in reason
        else:
            assert "returned W of shape" in reason


def test_a_nan_answer_is_reported():
    report = check_sgd_step(lambda W, b, X, y, lr: (W * np.nan, b), verbose=False)
    assert not report and all("nan or inf" in reason for _, reason, _ in report.failed)


def test_the_arguments_are_copies():
    seen = []

    def spy(W, b, X, y, lr):
        seen.append(W)
        return in_place(W, b, X, y, lr)

    assert check_sgd_step(spy, verbose=False)
    assert check_sgd_step(spy, verbose=False)          # the in-place updates did not change the cases


def test_report_is_printed(capsys):
    check_sgd_step(reference_solution)
    out = capsys.readouterr().out
    assert "check.sgd_step: 6/6 cases passed" in out


def test_checker_is_exported_and_rejects_non_callables():
    assert nnlib.check.sgd_step is check_sgd_step
    with pytest.raises(TypeError, match="pass your function itself"):
        check_sgd_step(np.zeros(3))
