"""The backprop checkers pass the reference answers and catch each typical wrong answer with the right hint."""

import numpy as np
import pytest

import nnlib
from nnlib.check import backprop


# ------------------------------------------------------------------------------------------- linear_backward

def linear_reference(X, W, G):
    return G @ W.T, X.T @ G, G.sum(axis=0)


def linear_product_of_means(X, W, G):  # seed 004: dot(mean(x).T, delta)
    return G @ W.T, np.dot(X.mean(axis=0, keepdims=True).T, G.mean(axis=0, keepdims=True)), G.sum(axis=0)


def linear_extra_one_over_n(X, W, G):
    return G @ W.T, X.T @ G / len(X), G.mean(axis=0)


def linear_db_wrong_axis(X, W, G):
    return G @ W.T, X.T @ G, G.sum(axis=1)


def linear_missing_transpose(X, W, G):
    return G @ W, X.T @ G, G.sum(axis=0)


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


def test_linear_backward_passes_the_reference_and_nnlib_linear():
    assert backprop.linear_backward(linear_reference, verbose=False)

    def with_nnlib(X, W, G):
        layer = nnlib.Linear(*W.shape, rng=0)
        layer.params["W"][...] = W
        layer.forward(X)
        dX = layer.backward(G)
        return dX, layer.grads["W"], layer.grads["b"]

    report = backprop.linear_backward(with_nnlib, verbose=False)
    assert report and len(report.passed) == 9


def test_linear_backward_catches_the_product_of_means_except_for_one_example():
    failed = failures(backprop.linear_backward(linear_product_of_means, verbose=False))
    assert set(failed) == {"dW, batch N=5, D=4, H=3", "dW, square layer D=H=4, N=6"}
    for reason, hint in failed.values():
        assert "values differ" in reason
        assert "dW = X^T G sums the products over examples; it is not the product of means" in hint


def test_linear_backward_catches_an_extra_one_over_n():
    failed = failures(backprop.linear_backward(linear_extra_one_over_n, verbose=False))
    assert set(failed) == {"dW, batch N=5, D=4, H=3", "dW, square layer D=H=4, N=6",
                           "db, batch N=5, D=4, H=3", "db, square layer D=H=4, N=6"}
    assert "no extra 1/N" in failed["dW, batch N=5, D=4, H=3"][1]
    assert "not G.mean(axis=0)" in failed["db, batch N=5, D=4, H=3"][1]


def test_linear_backward_catches_db_summed_over_the_wrong_axis():
    failed = failures(backprop.linear_backward(linear_db_wrong_axis, verbose=False))
    assert set(failed) == {"db, batch N=5, D=4, H=3", "db, single example N=1", "db, square layer D=H=4, N=6"}
    for reason, hint in failed.values():
        assert reason.startswith("returned shape")
        assert "G.sum(axis=0): sum over the batch axis 0, not axis 1" in hint


def test_linear_backward_catches_a_missing_transpose_as_error_and_as_wrong_values():
    failed = failures(backprop.linear_backward(linear_missing_transpose, verbose=False))
    reason, hint = failed["dX, square layer D=H=4, N=6"]
    assert "values differ" in reason and "dX = G @ W.T (note the transpose)" in hint
    reason, hint = failed["dX, batch N=5, D=4, H=3"]
    assert reason.startswith("raised ValueError") and "dX = G @ W.T" in hint
    assert "dW, square layer D=H=4, N=6" not in failed  # only the raising situations drag dW and db down


def test_linear_backward_reports_a_function_that_does_not_return_a_tuple():
    failed = failures(backprop.linear_backward(lambda X, W, G: X.T @ G, verbose=False))
    assert len(failed) == 9
    assert all("must return a tuple (dX, dW, db)" in reason for reason, _ in failed.values())


def test_linear_backward_prints_the_report(capsys):
    backprop.linear_backward(linear_product_of_means)
    out = capsys.readouterr().out
    assert out.startswith("linear_backward: 7/9 cases passed")
    assert "  FAIL  dW, batch N=5, D=4, H=3: values differ" in out
    assert "  ok    dW, single example N=1" in out


# -------------------------------------------------------------------------------- softmax_cross_entropy_grad

def grad_reference(logits, y):
    n, c = logits.shape
    return (nnlib.softmax(logits) - np.eye(c)[y]) / n


def grad_without_one_over_n(logits, y):
    return nnlib.softmax(logits) - np.eye(logits.shape[1])[y]


def grad_hard_coded_ten(logits, y):  # seed 000
    return (nnlib.softmax(logits) - np.eye(10)[y]) / len(logits)


def grad_classes_from_labels(logits, y):
    return (nnlib.softmax(logits) - np.eye(y.max() + 1)[y]) / len(logits)


def grad_naive_softmax(logits, y):
    e = np.exp(logits)
    return (e / e.sum(axis=1, keepdims=True) - np.eye(logits.shape[1])[y]) / len(logits)


def grad_separate_path(logits, y):  # divides by p, which underflows
    n, c = logits.shape
    p = nnlib.softmax(logits)
    g = -np.eye(c)[y] / (n * p)
    return p * (g - np.sum(g * p, axis=1, keepdims=True))


def test_softmax_cross_entropy_grad_passes_the_reference_and_nnlib():
    assert backprop.softmax_cross_entropy_grad(grad_reference, verbose=False)

    def with_nnlib(logits, y):
        loss = nnlib.SoftmaxCrossEntropy()
        loss.forward(logits, y)
        return loss.backward()

    report = backprop.softmax_cross_entropy_grad(with_nnlib, verbose=False)
    assert report and len(report.passed) == 5


def test_softmax_cross_entropy_grad_catches_a_missing_one_over_n_except_for_one_example():
    report = backprop.softmax_cross_entropy_grad(grad_without_one_over_n, verbose=False)
    failed = failures(report)
    assert report.passed == ["single example N=1, C=10"]
    assert len(failed) == 4
    assert all("the loss is a mean over the batch" in hint for _, hint in failed.values())


@pytest.mark.parametrize("wrong", [grad_hard_coded_ten, grad_classes_from_labels])
def test_softmax_cross_entropy_grad_catches_a_wrong_number_of_classes(wrong):
    failed = failures(backprop.softmax_cross_entropy_grad(wrong, verbose=False))
    assert "C=12 classes, labels only in 0..7" in failed
    reason, hint = failed["C=12 classes, labels only in 0..7"]
    assert reason.startswith("raised") and "take C from logits.shape[1]" in hint
    if wrong is grad_hard_coded_ten:
        assert set(failed) == {"C=3 classes, N=6", "C=12 classes, labels only in 0..7"}
        assert "do not hard-code 10 classes" in failed["C=3 classes, N=6"][1]


@pytest.mark.parametrize("wrong", [grad_naive_softmax, grad_separate_path])
def test_softmax_cross_entropy_grad_catches_unstable_answers_at_extreme_logits(wrong):
    failed = failures(backprop.softmax_cross_entropy_grad(wrong, verbose=False))
    assert set(failed) == {"extreme logits (scale 1000), N=6, C=10"}
    reason, hint = failed["extreme logits (scale 1000), N=6, C=10"]
    assert reason == "returned nan or inf"
    assert "stable softmax" in hint and "never divide by p" in hint


def test_softmax_cross_entropy_grad_catches_a_sign_error():
    failed = failures(backprop.softmax_cross_entropy_grad(lambda z, y: -grad_reference(z, y), verbose=False))
    assert len(failed) == 5
    assert all("not (Y - p) / N" in hint for _, hint in failed.values())


def test_checkers_reject_something_that_is_not_a_function():
    with pytest.raises(TypeError, match="pass your function itself"):
        backprop.linear_backward(np.zeros(3))
    with pytest.raises(TypeError, match="pass your function itself"):
        backprop.softmax_cross_entropy_grad("my_grad")


def test_checkers_are_exported_from_nnlib_check():
    assert nnlib.check.linear_backward is backprop.linear_backward
    assert nnlib.check.softmax_cross_entropy_grad is backprop.softmax_cross_entropy_grad
