"""The activation checker passes correct activations and names the case and the fix for each typical mistake."""

import numpy as np
import pytest

import nnlib
from nnlib.check import activation


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


# Correct answers -------------------------------------------------------------------------------------------------

ALPHA_ELU, ALPHA_LEAKY = 1.0, 0.01


def relu(x):
    return np.maximum(x, 0)


def relu_grad(x):
    return (x > 0).astype(x.dtype)


def leaky_relu(x):
    return np.where(x > 0, x, ALPHA_LEAKY * x).astype(x.dtype)


def leaky_relu_grad(x):
    return np.where(x > 0, 1, ALPHA_LEAKY).astype(x.dtype)


def elu(x):
    return np.where(x > 0, x, ALPHA_ELU * np.expm1(np.minimum(x, 0))).astype(x.dtype)


def elu_grad(x):
    return np.where(x > 0, 1, elu(x) + ALPHA_ELU).astype(x.dtype)


def sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype)


def sigmoid_grad(x):
    s = sigmoid(x)
    return s * (1 - s)


def tanh_grad(x):
    return 1 - np.tanh(x) ** 2


CORRECT = {
    "relu": (relu, relu_grad),
    "leaky_relu": (leaky_relu, leaky_relu_grad),
    "elu": (elu, elu_grad),
    "sigmoid": (sigmoid, sigmoid_grad),
    "tanh": (np.tanh, tanh_grad),
}


def softplus(x):  # log(1 + e^x), an activation "of your own"
    return (np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))).astype(x.dtype)


def softplus_grad(x):
    return sigmoid(x)


@pytest.mark.parametrize("name", sorted(CORRECT))
def test_each_reference_activation_passes_every_case(name):
    forward, derivative = CORRECT[name]
    report = activation(forward, derivative, name, verbose=False)
    assert report and len(report.passed) == 10


@pytest.mark.parametrize("name, layer", [("relu", nnlib.ReLU), ("leaky_relu", nnlib.LeakyReLU),
                                         ("elu", nnlib.ELU), ("sigmoid", nnlib.Sigmoid), ("tanh", nnlib.Tanh)])
def test_nnlib_layers_pass_as_forward_and_derivative(name, layer):
    def forward(x):
        return layer().forward(x)

    def derivative(x):
        unit = layer()
        unit.forward(x)
        return unit.backward(np.ones_like(x))

    assert activation(forward, derivative, name, verbose=False)


def test_a_kink_slope_anywhere_between_the_one_sided_derivatives_is_accepted():
    def relu_grad_right(x):                        # 1 at x = 0, the right derivative
        return (x >= 0).astype(x.dtype)

    def relu_grad_half(x):                         # 1/2 at x = 0, what central differences give
        return ((np.sign(x) + 1) / 2).astype(x.dtype)

    assert activation(relu, relu_grad_right, "relu", verbose=False)
    assert activation(relu, relu_grad_half, "relu", verbose=False)


def test_other_alphas_are_checked_against_their_own_reference():
    def elu2(x):
        return np.where(x > 0, x, 2.0 * np.expm1(np.minimum(x, 0))).astype(x.dtype)

    def elu2_grad(x):
        return np.where(x > 0, 1, elu2(x) + 2.0).astype(x.dtype)

    assert activation(elu2, elu2_grad, "elu", alpha=2.0, verbose=False)
    failed = failures(activation(elu2, elu2_grad, "elu", verbose=False))   # alpha = 1 by default
    assert "forward, x in [-5, 5]" in failed and "derivative, x in [-5, 5]" in failed


def test_an_activation_of_your_own_passes_when_consistent_finite_and_float32():
    report = activation(softplus, softplus_grad, verbose=False)
    assert report and len(report.passed) == 7
    assert report.title == "your activation"


# Typical wrong answers -------------------------------------------------------------------------------------------

def test_elu_derivative_from_the_input_instead_of_the_output():
    def elu_grad_from_x(x):
        return np.where(x > 0, 1, x + ALPHA_ELU).astype(x.dtype)

    failed = failures(activation(elu, elu_grad_from_x, "elu", verbose=False))
    assert set(failed) == {"derivative, x in [-5, 5]", "derivative agrees with central differences of your forward",
                           "derivative, large inputs |x| up to 1000", "derivative, float32 in and out",
                           "derivative, a batch of shape (4, 5)"}
    reason, hint = failed["derivative, x in [-5, 5]"]
    assert reason.startswith("values differ") and "the *output* plus alpha: this used the input, x + alpha" in hint
    reason, _ = failed["derivative agrees with central differences of your forward"]
    assert reason.startswith("at x = -5 your derivative gives -4, central differences of your forward give 0.0067")


def test_elu_derivative_without_the_positive_branch():
    failed = failures(activation(elu, lambda x: ALPHA_ELU * np.exp(x), "elu", verbose=False))
    assert "for x > 0, elu(x) = x has slope 1" in failed["derivative, x in [-5, 5]"][1]


def test_elu_forward_without_the_minus_one():
    def elu_no_minus_one(x):
        return np.where(x > 0, x, ALPHA_ELU * np.exp(np.minimum(x, 0))).astype(x.dtype)

    failed = failures(activation(elu_no_minus_one, elu_grad, "elu", verbose=False))
    assert "the -1 is missing" in failed["forward, x in [-5, 5]"][1]
    assert "the -1 is missing" in failed["forward at the kink x = 0"][1]


def test_elu_masked_by_multiplication_overflows_into_nan():
    def elu_masked(x):                             # exp(1000) = inf, and inf * 0 = nan
        return x * (x > 0) + ALPHA_ELU * (np.exp(x) - 1) * (x <= 0)

    failed = failures(activation(elu_masked, elu_grad, "elu", verbose=False))
    reason, hint = failed["forward, large inputs |x| up to 1000"]
    assert reason == "returned nan or inf" and "inf * 0 = nan" in hint
    assert set(failed) == {"forward, large inputs |x| up to 1000"}


def test_sigmoid_derivative_s_instead_of_s_times_one_minus_s():
    failed = failures(activation(sigmoid, sigmoid, "sigmoid", verbose=False))
    hint = "this is s = sigmoid(x) itself: its derivative is s (1 - s)"
    assert hint in failed["derivative, x in [-5, 5]"][1]
    reason, kink_hint = failed["derivative at x = 0"]
    assert reason == "gives 0.5 at x = 0, expected 0.25" and hint in kink_hint


def test_sigmoid_derivative_evaluated_at_the_input():
    failed = failures(activation(sigmoid, lambda x: x * (1 - x), "sigmoid", verbose=False))
    assert "evaluated at the output s = sigmoid(x), not at the input x" in failed["derivative, x in [-5, 5]"][1]


@pytest.mark.parametrize("which", ["forward", "derivative"])
def test_sigmoid_that_overflows_for_large_inputs(which):
    def sigmoid_naive(x):                          # exp(1000) / (1 + exp(1000)) = inf / inf = nan
        return np.exp(x) / (1 + np.exp(x))

    def sigmoid_grad_naive(x):                     # exp(1000) / (1 + exp(1000))**2 = inf / inf = nan
        return np.exp(-x) / (1 + np.exp(-x)) ** 2

    fns = {"forward": (sigmoid_naive, sigmoid_grad), "derivative": (sigmoid, sigmoid_grad_naive)}[which]
    failed = failures(activation(*fns, "sigmoid", verbose=False))
    assert set(failed) == {f"{which}, large inputs |x| up to 1000"}
    reason, hint = failed[f"{which}, large inputs |x| up to 1000"]
    assert reason == "returned nan or inf"
    assert "compute e = exp(-|x|)" in hint


def test_sigmoid_with_the_sign_of_the_exponent_flipped():
    failed = failures(activation(lambda x: 1 / (1 + np.exp(x)), sigmoid_grad, "sigmoid", verbose=False))
    assert "the sign of the exponent is flipped" in failed["forward, x in [-5, 5]"][1]


@pytest.mark.parametrize("wrong, hint", [
    (lambda x: 1 - x ** 2, "evaluated at the output t = tanh(x), not at the input x"),
    (lambda x: 1 - np.tanh(x), "the square is missing"),
])
def test_tanh_derivative_mistakes(wrong, hint):
    failed = failures(activation(np.tanh, wrong, "tanh", verbose=False))
    assert hint in failed["derivative, x in [-5, 5]"][1]


def test_tanh_from_exponentials_overflows():
    def tanh_naive(x):
        return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))

    failed = failures(activation(tanh_naive, tanh_grad, "tanh", verbose=False))
    assert set(failed) == {"forward, large inputs |x| up to 1000"}
    assert "use np.tanh" in failed["forward, large inputs |x| up to 1000"][1]


def test_leaky_relu_derivative_that_forgets_alpha():
    failed = failures(activation(leaky_relu, relu_grad, "leaky_relu", verbose=False))
    assert "the slope is alpha = 0.01, not 0" in failed["derivative, x in [-5, 5]"][1]
    reason, hint = failed["derivative at the kink x = 0"]     # 0 is outside the one-sided slopes [0.01, 1]
    assert reason == "gives 0 at x = 0, expected in [0.01, 1]" and "not 0" in hint


def test_leaky_relu_forward_that_is_plain_relu():
    failed = failures(activation(relu, leaky_relu_grad, "leaky_relu", verbose=False))
    assert "this is plain ReLU" in failed["forward, x in [-5, 5]"][1]


def test_relu_derivative_that_returns_the_output():
    failed = failures(activation(relu, relu, "relu", verbose=False))
    assert "this is relu(x) itself" in failed["derivative, x in [-5, 5]"][1]


def test_relu_derivative_that_divides_by_x_fails_only_at_the_kink():
    failed = failures(activation(relu, lambda x: relu(x) / x, "relu", verbose=False))
    assert set(failed) == {"derivative at the kink x = 0"}
    reason, hint = failed["derivative at the kink x = 0"]
    assert reason == "returned nan or inf at x = 0" and "do not divide by x" in hint


def test_relu_derivative_as_a_boolean_mask_fails_the_float32_case():
    failed = failures(activation(relu, lambda x: x > 0, "relu", verbose=False))
    assert set(failed) == {"derivative, float32 in and out"}
    reason, hint = failed["derivative, float32 in and out"]
    assert reason == "returned dtype bool, expected float32" and "a boolean mask" in hint


def test_a_derivative_computed_in_float64_fails_the_float32_case():
    failed = failures(activation(np.tanh, lambda x: 1 - np.tanh(x.astype(np.float64)) ** 2, "tanh",
                                 verbose=False))
    assert set(failed) == {"derivative, float32 in and out"}


def test_a_derivative_that_sums_over_the_batch_fails_the_batch_case():
    def summed(x):
        return np.atleast_1d(tanh_grad(x).sum(axis=0)) if x.ndim == 2 else tanh_grad(x)

    failed = failures(activation(np.tanh, summed, "tanh", verbose=False))
    assert set(failed) == {"derivative, a batch of shape (4, 5)"}
    assert failed["derivative, a batch of shape (4, 5)"][0] == "returned shape (5,), expected (4, 5)"


def test_your_own_activation_with_an_inconsistent_derivative():
    report = activation(softplus, lambda x: np.exp(-np.abs(x)), verbose=False)
    failed = failures(report)
    assert "derivative agrees with central differences of your forward" in failed
    reason, _ = failed["derivative agrees with central differences of your forward"]
    assert reason.startswith("at x = ") and "central differences of your forward give" in reason


def test_your_own_activation_that_overflows():
    def softplus_naive(x):
        return np.log(1 + np.exp(x))                # inf for x > 709

    failed = failures(activation(softplus_naive, softplus_grad, verbose=False))
    assert set(failed) == {"forward finite for |x| up to 1000"}
    assert "exp only ever sees non-positive numbers" in failed["forward finite for |x| up to 1000"][1]


def test_a_function_that_raises_fails_every_case_of_that_function():
    def broken(x):
        raise ValueError("not written yet")

    report = activation(elu, broken, "elu", verbose=False)
    assert len(report.failed) == 6 and all("not written yet" in reason for _, reason, _ in report.failed)


def test_the_report_is_printed(capsys):
    activation(sigmoid, sigmoid, "sigmoid")
    out = capsys.readouterr().out
    assert out.startswith("activation 'sigmoid': ")
    assert "  FAIL  derivative, x in [-5, 5]: values differ" in out


@pytest.mark.parametrize("kwargs, error, message", [
    ({"forward": "elu", "derivative": elu_grad}, TypeError, "pass your forward function itself"),
    ({"forward": elu, "derivative": None}, TypeError, "pass your derivative function itself"),
    ({"forward": elu, "derivative": elu_grad, "name": "gelu"}, ValueError, "name must be one of"),
    ({"forward": elu, "derivative": elu_grad, "name": "tanh", "alpha": 0.5}, ValueError, "alpha is a parameter"),
    ({"forward": elu, "derivative": elu_grad, "name": "elu", "alpha": -1}, ValueError, "alpha must be positive"),
])
def test_bad_arguments_are_refused_with_a_clear_message(kwargs, error, message):
    with pytest.raises(error, match=message):
        activation(**kwargs)
