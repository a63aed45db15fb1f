"""The layer-contract checker passes nnlib's own layers and correct new ones, and names each typical mistake."""

import importlib

import numpy as np
import pytest

import nnlib

# nnlib.check.layer is the checker function (re-exported over the submodule of the same name).
check_layer = nnlib.check.layer
layer_module = importlib.import_module("nnlib.check.layer")


def failures(report):
    return {name: (reason, hint) for name, reason, hint in report.failed}


GRAD_X = "gradient of X matches central differences (float64)"
GRAD_GAMMA = "gradient of params['gamma'] matches central differences (float64)"
FLOAT32 = "float32 in, float32 out: Y, dX, params and grads"
LATEST = "backward uses the input of the latest forward"
BEFORE = "backward before any forward raises RuntimeError"
BACKWARD = "backward returns dX of X's shape and fills grads in the parameters' shapes"
DICTS = "params and grads: dicts with the same keys, float64 arrays of equal shapes"
UNCHANGED = "forward and backward leave X and dY unchanged"
BUILD = "builds as {}(...) and is an nnlib.Layer"


# Correct layers --------------------------------------------------------------------------------------------------

class Scale(nnlib.Layer):
    """Y = X * gamma, gamma (D,) initialised to 1."""

    def __init__(self, D, dtype=np.float64):
        super().__init__()
        self.params["gamma"] = np.ones(D, dtype=dtype)
        self.grads["gamma"] = np.zeros_like(self.params["gamma"])

    def forward(self, X):
        self._cache = X
        return X * self.params["gamma"]

    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"][...] = np.sum(dY * X, axis=0)
        return dY * self.params["gamma"]


class PReLU(nnlib.Layer):
    """Y = max(X, 0) + a * min(X, 0) with a learnable slope a (D,) per feature; grads rebound, not written in place."""

    def __init__(self, D, alpha=0.25, dtype=np.float64):
        super().__init__()
        self.params["a"] = np.full(D, alpha, dtype=dtype)
        self.grads["a"] = np.zeros_like(self.params["a"])

    def forward(self, X):
        self._cache = X
        return np.maximum(X, 0) + self.params["a"] * np.minimum(X, 0)

    def backward(self, dY):
        X = self._cached()
        self.grads["a"] = np.sum(dY * np.minimum(X, 0), axis=0)
        return dY * np.where(X > 0, 1, self.params["a"]).astype(X.dtype)


NNLIB_LAYERS = [
    (nnlib.Linear, (4, 3), {"rng": 0}),
    (nnlib.Linear, (6, 2), {"rng": np.random.default_rng(1), "init": "he"}),
    (nnlib.ReLU, (), {}),
    (nnlib.LeakyReLU, (0.1,), {}),
    (nnlib.ELU, (), {}),
    (nnlib.Sigmoid, (), {}),
    (nnlib.Tanh, (), {}),
    (nnlib.Softmax, (), {}),
]


@pytest.mark.parametrize("cls, args, kwargs", NNLIB_LAYERS, ids=[c.__name__ for c, _, _ in NNLIB_LAYERS])
def test_nnlib_layers_pass_every_case(cls, args, kwargs):
    report = check_layer(cls, *args, verbose=False, **kwargs)
    assert report, report.failed
    assert len(report.passed) == 9 + len(cls(*args, **kwargs).params)


@pytest.mark.parametrize("cls", [Scale, PReLU])
def test_correct_layers_with_a_parameter_pass(cls):
    report = check_layer(cls, 6, verbose=False)
    assert report, report.failed
    assert len(report.passed) == 10


def test_the_report_is_printed_and_names_the_layer(capsys):
    report = check_layer(Scale, 3)
    out = capsys.readouterr().out
    assert out.startswith("layer Scale: 10/10 cases passed")
    assert "D = 3" in out and str(report) in out


def test_D_is_inferred_from_in_features_args_or_keywords():
    assert layer_module._Spec(nnlib.Linear, (7, 2), {"rng": 0}).D == 7
    assert layer_module._Spec(Scale, (3,), {}).D == 3
    assert layer_module._Spec(Scale, (), {"D": 8}).D == 8
    assert layer_module._Spec(nnlib.LeakyReLU, (0.2,), {}).D == layer_module.DEFAULT_D


# Typical wrong layers --------------------------------------------------------------------------------------------

class ReturnsParamGrad(Scale):
    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"][...] = np.sum(dY * X, axis=0)
        return self.grads["gamma"]                      # dgamma (D,) returned instead of dX (N, D)


class ForgetsGrads(Scale):
    def backward(self, dY):
        self._cached()
        return dY * self.params["gamma"]                # grads["gamma"] stays zero


class WrongSign(Scale):
    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"][...] = -np.sum(dY * X, axis=0)
        return dY * self.params["gamma"]


class MeanOverBatch(Scale):
    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"][...] = np.mean(dY * X, axis=0)
        return dY * self.params["gamma"]


class NoGammaInDX(Scale):
    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"][...] = np.sum(dY * X, axis=0)
        return dY                                       # right only while gamma == 1


class StaleCache(Scale):
    def forward(self, X):
        if self._cache is None:                         # caches only the first batch it sees
            self._cache = X
        return X * self.params["gamma"]


class Upcasts(Scale):
    def forward(self, X):
        self._cache = X
        return X * self.params["gamma"] * np.ones(X.shape[1])   # a float64 array promotes float32 X


class NoDtype(Scale):
    def __init__(self, D):
        super().__init__(D)                             # always float64 parameters


class AttributeCache(Scale):
    def forward(self, X):
        self.X = X
        return X * self.params["gamma"]

    def backward(self, dY):
        self.grads["gamma"][...] = np.sum(dY * self.X, axis=0)   # AttributeError before any forward
        return dY * self.params["gamma"]


class InPlace(Scale):
    def forward(self, X):
        self._cache = X.copy()
        X *= self.params["gamma"]                       # modifies the caller's array
        return X


class UnsummedGrad(Scale):
    def backward(self, dY):
        X = self._cached()
        self.grads["gamma"] = dY * X                    # (N, D): not summed over the batch
        return dY * self.params["gamma"]


class MissingGradKey(Scale):
    def __init__(self, D, dtype=np.float64):
        super().__init__(D, dtype)
        self.grads = {}


class ShadowCopy(Scale):
    def __init__(self, D, dtype=np.float64):
        super().__init__(D, dtype)
        self.gamma = np.ones(D, dtype=dtype)            # forward reads this copy, optimizers update params

    def forward(self, X):
        self._cache = X
        return X * self.gamma


class NotALayer:
    def __init__(self, D):
        self.params, self.grads = {}, {}

    def forward(self, X):
        return X

    def backward(self, dY):
        return dY


def test_backward_returning_the_parameter_gradient_is_named():
    failed = failures(check_layer(ReturnsParamGrad, 5, verbose=False))
    reason, hint = failed[BACKWARD]
    assert reason == "backward returned shape (5,), expected the shape of X (4, 5)"
    assert "put the parameter gradients into self.grads, not into the return value" in hint
    assert set(failed) == {BACKWARD, LATEST, GRAD_X, GRAD_GAMMA, FLOAT32}


def test_forgetting_to_fill_grads_is_named():
    failed = failures(check_layer(ForgetsGrads, 5, verbose=False))
    assert set(failed) == {GRAD_GAMMA}
    reason, hint = failed[GRAD_GAMMA]
    assert "backward gives 0, central differences give" in reason
    assert "grads['gamma'] is still all zeros after backward" in hint


def test_a_wrong_sign_is_named():
    failed = failures(check_layer(WrongSign, 5, verbose=False))
    assert set(failed) == {GRAD_GAMMA}
    assert "wrong sign" in failed[GRAD_GAMMA][1]


def test_a_mean_over_the_batch_is_named():
    failed = failures(check_layer(MeanOverBatch, 5, verbose=False))
    assert set(failed) == {GRAD_GAMMA}
    assert "off by a factor N = 4" in failed[GRAD_GAMMA][1]


def test_moving_the_parameters_exposes_a_factor_hidden_by_the_initialisation():
    assert nnlib.gradcheck(NoGammaInDX(5), np.random.default_rng(0).normal(size=(4, 5))) < 1e-7  # gamma = 1
    failed = failures(check_layer(NoGammaInDX, 5, verbose=False))
    assert set(failed) == {GRAD_X}


def test_a_stale_cache_is_caught_although_gradcheck_passes():
    assert nnlib.gradcheck(StaleCache(5), np.random.default_rng(0).normal(size=(4, 5))) < 1e-7
    failed = failures(check_layer(StaleCache, 5, verbose=False))
    assert set(failed) == {LATEST}
    assert "self._cache = X, unconditionally" in failed[LATEST][1]


def test_upcasting_to_float64_is_named():
    failed = failures(check_layer(Upcasts, 5, verbose=False))
    assert set(failed) == {FLOAT32}
    reason, hint = failed[FLOAT32]
    assert reason == "forward returned float64 for float32 input"
    assert "a float64 array entered the computation" in hint


def test_a_layer_without_a_dtype_argument_is_told_to_add_one():
    failed = failures(check_layer(NoDtype, 5, verbose=False))
    assert set(failed) == {FLOAT32}
    reason, hint = failed[FLOAT32]
    assert "has params ['gamma'] in float64" in reason
    assert "give __init__ a dtype=np.float64 argument" in hint


def test_backward_before_forward_must_raise_a_runtime_error():
    failed = failures(check_layer(AttributeCache, 5, verbose=False))
    assert set(failed) == {BEFORE}
    reason, hint = failed[BEFORE]
    assert reason.startswith("raised AttributeError") and "instead of a RuntimeError" in reason
    assert "self._cached()" in hint


def test_modifying_the_input_in_place_is_named():
    failed = failures(check_layer(InPlace, 5, verbose=False))
    assert UNCHANGED in failed
    assert failed[UNCHANGED][0] == "forward changed its input X in place"


def test_a_parameter_gradient_not_summed_over_the_batch_is_named():
    failed = failures(check_layer(UnsummedGrad, 5, verbose=False))
    assert set(failed) == {BACKWARD, GRAD_GAMMA}
    for reason, hint in failed.values():
        assert "sum over the batch axis" in hint


def test_a_missing_gradient_key_is_named():
    failed = failures(check_layer(MissingGradKey, 5, verbose=False))
    assert DICTS in failed
    assert failed[DICTS][0] == "params has keys ['gamma'] but grads has []"


def test_forward_reading_a_copy_of_the_parameter_is_named():
    failed = failures(check_layer(ShadowCopy, 5, verbose=False))
    assert GRAD_GAMMA in failed
    assert "forward must read self.params['gamma']" in failed[GRAD_GAMMA][1]


def test_a_class_that_is_not_an_nnlib_layer_fails_every_case():
    report = check_layer(NotALayer, 5, verbose=False)
    assert not report.passed
    reason, hint = failures(report)[BUILD.format("NotALayer")]
    assert reason == "NotALayer(...) is not a subclass of nnlib.Layer"
    assert "super().__init__()" in hint


def test_a_constructor_that_fails_is_reported_not_raised():
    report = check_layer(Scale, verbose=False)               # Scale() misses D
    assert not report.passed
    reason, hint = failures(report)[BUILD.format("Scale")]
    assert reason.startswith("raised TypeError") and "LayerClass(*args, **kwargs)" in hint


def test_an_instance_or_a_non_callable_is_refused():
    with pytest.raises(TypeError, match="pass the class, not an instance"):
        check_layer(Scale(3))
    with pytest.raises(TypeError, match="pass your layer class itself"):
        check_layer("Scale")
