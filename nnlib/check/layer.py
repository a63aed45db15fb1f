"""Checker for the chapter "Inside nnlib": ``nnlib.check.layer(LayerClass, *args, **kwargs)``.

The reader writes a new layer as a subclass of :class:`nnlib.Layer`. The checker builds it as
``LayerClass(*args, **kwargs)`` (a fresh instance for every case) and tests it against nnlib's layer contract:

* it is an ``nnlib.Layer`` (so ``Sequential`` accepts it) with ``params`` and ``grads`` dicts that have the same
  keys, each gradient an array of its parameter's shape, parameters float64 by default;
* ``forward(X)`` returns an array of shape (N, H) in X's dtype and leaves X unchanged; ``backward(dY)`` returns
  dX of X's shape, leaves dY unchanged and fills ``grads``;
* ``backward`` before any ``forward`` raises ``RuntimeError`` (as ``Layer._cached()`` does);
* ``backward`` uses the input of the most recent ``forward`` (a cache set only once goes stale);
* the gradients of the input and of every parameter agree with central differences in float64, for the scalar
  ``f = sum(forward(X) * G)`` with a random upstream gradient G, as :func:`nnlib.gradcheck` does;
* with float32 input (and ``dtype=np.float32`` when the constructor takes a ``dtype``) everything stays float32.

In every case the parameters are first moved away from their initial values (each entry p becomes p exp(0.3 n),
or 0.3 n where p = 0, with n standard normal), so that an initialization such as ``gamma = 1`` or ``b = 0`` cannot
hide a missing factor. The test batches have N = 4 rows and D columns: D is the layer's ``in_features`` attribute
if it has one, else the first positional argument if it is an int (``Linear(D, H)``, ``Scale(D)``), else an int
keyword argument named ``D``, ``in_features``, ``features``, ``num_features`` or ``n_features``, else 5. When a
case fails and the result has a recognisable signature (a gradient that is still zero, of the wrong sign, or off
by a factor N; a parameter gradient returned instead of dX), the hint names that mistake.
"""

import inspect
import numbers

import numpy as np

from ..gradcheck import numerical_gradient, relative_error
from ..layers import Layer
from ._core import Case, run_cases

__all__ = ["layer"]

N_ROWS = 4          # N of the test batches
DEFAULT_D = 5       # D when it cannot be inferred from the layer or its arguments
TOL = 1e-7          # largest relative error of a gradient, as in nnlib.gradcheck
_D_KEYWORDS = ("D", "in_features", "features", "num_features", "n_features")

_HINT_BUILD = ("the checker builds your layer as LayerClass(*args, **kwargs) with the arguments you pass after the "
               "class: nnlib.check.layer(Scale, 5) builds Scale(5)")
_HINT_SUBCLASS = ("derive from nnlib.Layer (class Scale(nnlib.Layer): ...) and call super().__init__() first in "
                  "__init__: it creates self.params, self.grads and self._cache = None, and Sequential only accepts "
                  "nnlib layers")
_HINT_DICTS = ("keep parameters and gradients in two dicts with the same keys, created in __init__: "
               "self.params['gamma'] = np.ones(D, dtype=dtype) and self.grads['gamma'] = "
               "np.zeros_like(self.params['gamma']); optimizers look both up by key")
_HINT_FLOAT64 = ("parameters are float64 by default (the dtype of derivations and gradient checks): give __init__ "
                 "a dtype=np.float64 argument and create every parameter with it")
_HINT_NOT_ARRAY = ("a parameter must be a NumPy array, even a single number (np.full(D, 0.25, dtype=dtype)): "
                   "optimizers update parameters in place, which a Python float cannot do")
_HINT_FORWARD = ("forward(X) must compute and return a new array Y of shape (N, H), one row per example of X, in "
                 "X's dtype (return it: storing it on self is not enough)")
_HINT_INPLACE = ("compute into new arrays (Y = X * gamma, dX = dY * gamma): X *= gamma or dY *= ... changes the "
                 "caller's array, which may be the data set itself or another layer's cache")
_HINT_DX_SHAPE = ("backward(dY) must return dL/dX, which has the shape of X (N, D): each entry of X gets its own "
                  "gradient")
_HINT_DX_IS_PARAM = ("backward returned an array of the shape of params[{key!r}]: return dL/dX (shape of X) from "
                     "backward, and put the parameter gradients into self.grads, not into the return value")
_HINT_GRAD_SHAPE = ("a parameter shared by all N rows collects the gradient of every row: sum over the batch axis "
                    "(np.sum(..., axis=0)) so that grads[{key!r}] has the shape of params[{key!r}]")
_HINT_BEFORE_FORWARD = ("store what backward needs in self._cache in forward, and read it in backward with "
                        "self._cached(): before any forward it raises a RuntimeError that says to run forward first "
                        "(Layer.__init__ sets self._cache = None)")
_HINT_STALE = ("forward must overwrite the cache on every call (self._cache = X, unconditionally): backward belongs "
               "to the most recent forward, and gradient checks and evaluation run forward many times")
_HINT_GRAD_X = ("differentiate forward with respect to X entry by entry and multiply by the upstream gradient "
                "(dX_nd = sum_h dY_nh dY_nh/dX_nd); nnlib.numerical_gradient gives the expected values to compare")
_HINT_GRAD_PARAM = ("differentiate forward with respect to params[{key!r}] and sum the contributions of all N rows "
                    "(the chain rule); nnlib.numerical_gradient on the parameter array gives the expected values")
_HINT_ZERO_X = "backward returns zeros: it must return dL/dX = (dL/dY)(dY/dX), computed from dY and the cache"
_HINT_ZERO_PARAM = ("grads[{key!r}] is still all zeros after backward: backward must write the gradient into it, in "
                    "place (self.grads[{key!r}][...] = ...) or by assigning a new array")
_HINT_UNUSED_PARAM = ("changing params[{key!r}] does not change the output: forward must read self.params[{key!r}] "
                      "on every call (a copy kept elsewhere, such as self.gamma = np.ones(D) next to "
                      "self.params['gamma'] = np.ones(D), is not what optimizers update)")
_HINT_SIGN = "the gradient has the wrong sign: it is the negative of the central differences; check each minus sign"
_HINT_FACTOR_N = ("the gradient is off by a factor N = {n}: a layer neither averages nor scales by the batch size "
                  "(the 1/N of the mean loss is already inside dY): sum over rows with np.sum, not np.mean")
_HINT_FLOAT32 = ("a float64 array entered the computation and promoted the result: create parameters and constants "
                 "in the layer's dtype (np.ones(D, dtype=dtype), np.zeros_like(X)) and avoid np.array([...]) or "
                 "np.ones(D) without dtype; Python floats (2.0 * X) are fine")
_HINT_NO_DTYPE = ("give __init__ a dtype=np.float64 argument and create every parameter with it, as nnlib.Linear "
                  "does: the layer can then be built with dtype=np.float32 and train in float32 end to end")


class _Fail(Exception):
    """A contract violation found by a check: the reason, and optionally a hint sharper than the case's own."""

    def __init__(self, reason, hint=None):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def _short(exc):
    text = " ".join(str(exc).split())
    return text if len(text) <= 240 else text[:237] + "..."


class _Spec:
    """How to build the reader's layer, and the fixed test data (X, a second X, upstream gradients)."""

    def __init__(self, layer_class, args, kwargs):
        self.layer_class, self.args, self.kwargs = layer_class, args, kwargs
        self.name = getattr(layer_class, "__name__", repr(layer_class))
        try:
            params = inspect.signature(layer_class).parameters
            self.takes_dtype = "dtype" in params
        except (TypeError, ValueError):
            self.takes_dtype = False
        self.D = self._infer_D()
        rng = np.random.default_rng(20240611)
        self.X = rng.standard_normal((N_ROWS, self.D))          # (N, D) float64
        self.X_other = rng.standard_normal((N_ROWS, self.D))    # a second batch, for the stale-cache case
        self.seed = 97

    def _infer_D(self):
        try:
            probe = self.build()
            d = getattr(probe, "in_features", None)
        except Exception:  # the reader's constructor may fail in any way; the first case reports it
            d = None
        if d is None and self.args:
            d = self.args[0]
        if not _is_int(d):
            d = next((self.kwargs[k] for k in _D_KEYWORDS if _is_int(self.kwargs.get(k))), None)
        return int(d) if _is_int(d) and d >= 1 else DEFAULT_D

    def build(self, dtype=None):
        """A fresh instance; with ``dtype`` (and a constructor that takes one) built in that dtype."""
        kwargs = dict(self.kwargs)
        if dtype is not None and self.takes_dtype:
            kwargs["dtype"] = dtype
        return self.layer_class(*self.args, **kwargs)

    def upstream(self, shape, dtype=np.float64, offset=0):
        """A fixed random upstream gradient G = dL/dY of the given shape."""
        return np.random.default_rng(self.seed + offset).standard_normal(shape).astype(dtype)

    def __call__(self, *args, **kwargs):  # run_cases requires a callable; the cases call build() themselves
        return self.build(*args, **kwargs)


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# The checks, each a function of the spec that returns None or raises _Fail --------------------------------------

def _layer(spec, dtype=None):
    """A fresh instance, checked to be an nnlib layer, with its parameters moved off their initial values."""
    layer = spec.build(dtype)
    if not isinstance(layer, Layer):
        raise _Fail(f"{spec.name}(...) is not a subclass of nnlib.Layer", _HINT_SUBCLASS)
    for attr in ("params", "grads"):
        if not isinstance(getattr(layer, attr, None), dict):
            raise _Fail(f"layer.{attr} is {type(getattr(layer, attr, None)).__name__}, not a dict", _HINT_SUBCLASS)
    _move_params(layer, spec.seed + 2)
    return layer


def _copy_params(source, target):
    """Give ``target`` the parameter values of ``source`` (an rng Generator may have drawn different ones)."""
    for k, v in source.params.items():
        target.params[k][...] = v


def _move_params(layer, seed):
    """Move every parameter away from its initial value: ``p * exp(0.3 n)``, and ``0.3 n`` where ``p == 0``.

    An initialization such as ``gamma = 1`` or ``b = 0`` could otherwise hide a missing factor (``dX = dY`` is
    right while ``gamma = 1``). Signs are kept, so a parameter that must stay positive does.
    """
    rng = np.random.default_rng(seed)
    for p in layer.params.values():
        if isinstance(p, np.ndarray) and p.dtype.kind == "f":
            n1, n2 = rng.standard_normal(p.shape), rng.standard_normal(p.shape)
            p[...] = np.where(p == 0, 0.3 * n2, p * np.exp(0.3 * n1))


def _forward(layer, X):
    Y = layer.forward(X)
    if Y is None:
        raise _Fail("forward returned None", _HINT_FORWARD)
    if not isinstance(Y, np.ndarray):
        raise _Fail(f"forward returned {type(Y).__name__}, not a NumPy array", _HINT_FORWARD)
    return Y


def _backward(layer, G, X_shape):
    dX = layer.backward(G)
    if dX is None:
        raise _Fail("backward returned None", _HINT_DX_SHAPE)
    if not isinstance(dX, np.ndarray):
        raise _Fail(f"backward returned {type(dX).__name__}, not a NumPy array", _HINT_DX_SHAPE)
    if dX.shape != X_shape:
        hint = _HINT_DX_SHAPE
        for k, p in layer.params.items():
            if isinstance(p, np.ndarray) and dX.shape == p.shape:
                hint = _HINT_DX_IS_PARAM.format(key=k)
                break
        raise _Fail(f"backward returned shape {dX.shape}, expected the shape of X {X_shape}", hint)
    return dX


def _check_grads(layer):
    for k, p in layer.params.items():
        g = layer.grads.get(k)
        if not isinstance(g, np.ndarray) or g.shape != p.shape:
            shape = g.shape if isinstance(g, np.ndarray) else type(g).__name__
            raise _Fail(f"grads[{k!r}] has shape {shape} after backward, but params[{k!r}] has {p.shape}",
                        _HINT_GRAD_SHAPE.format(key=k))


def _check_dicts(spec):
    layer = _layer(spec)
    if set(layer.params) != set(layer.grads):
        raise _Fail(f"params has keys {sorted(layer.params)} but grads has {sorted(layer.grads)}", _HINT_DICTS)
    for k, p in layer.params.items():
        if not isinstance(p, np.ndarray) or p.dtype.kind != "f":
            raise _Fail(f"params[{k!r}] is {type(p).__name__} ({getattr(p, 'dtype', 'no dtype')}), not a float "
                        "array", _HINT_NOT_ARRAY)
        if p.dtype != np.float64:
            raise _Fail(f"params[{k!r}] is {p.dtype} by default, expected float64", _HINT_FLOAT64)
        g = layer.grads[k]
        if not isinstance(g, np.ndarray) or g.shape != p.shape:
            shape = g.shape if isinstance(g, np.ndarray) else type(g).__name__
            raise _Fail(f"grads[{k!r}] has shape {shape}, params[{k!r}] has {p.shape}", _HINT_DICTS)


def _check_forward(spec):
    layer = _layer(spec)
    Y = _forward(layer, spec.X.copy())
    if Y.ndim != 2 or Y.shape[0] != N_ROWS:
        raise _Fail(f"forward returned shape {Y.shape} for X of shape {spec.X.shape}, expected (N, H) with N = "
                    f"{N_ROWS}", _HINT_FORWARD)
    if Y.dtype != np.float64:
        raise _Fail(f"forward returned dtype {Y.dtype} for float64 input", _HINT_FORWARD)
    if not np.all(np.isfinite(Y)):
        raise _Fail("forward returned nan or inf on ordinary inputs (standard normal)", _HINT_FORWARD)


def _check_inputs_unchanged(spec):
    layer = _layer(spec)
    X = spec.X.copy()
    Y = _forward(layer, X)
    if not np.array_equal(X, spec.X):
        raise _Fail("forward changed its input X in place", _HINT_INPLACE)
    G = spec.upstream(Y.shape)
    G_before = G.copy()
    layer.backward(G)
    if not np.array_equal(G, G_before):
        raise _Fail("backward changed its input dY in place", _HINT_INPLACE)
    if not np.array_equal(X, spec.X):
        raise _Fail("backward changed the cached input X in place", _HINT_INPLACE)


def _check_backward(spec):
    layer = _layer(spec)
    X = spec.X.copy()
    Y = _forward(layer, X)
    dX = _backward(layer, spec.upstream(Y.shape), X.shape)
    if dX.dtype != np.float64:
        raise _Fail(f"backward returned dtype {dX.dtype} for float64 input", _HINT_DX_SHAPE)
    if set(layer.grads) != set(layer.params):
        raise _Fail(f"after backward, grads has keys {sorted(layer.grads)} but params has {sorted(layer.params)}",
                    _HINT_DICTS)
    _check_grads(layer)


def _check_before_forward(spec):
    try:
        Y_shape = _forward(_layer(spec), spec.X.copy()).shape
    except Exception:  # a broken forward is reported by its own case; any dY shape will do here
        Y_shape = spec.X.shape
    layer = _layer(spec)
    try:
        out = layer.backward(spec.upstream(Y_shape))
    except RuntimeError:
        return
    except Exception as exc:  # the reader's backward may fail in any way; what matters is how
        raise _Fail(f"raised {type(exc).__name__} ({_short(exc)}) instead of a RuntimeError that says to run "
                    "forward first", _HINT_BEFORE_FORWARD) from None
    raise _Fail(f"backward ran before any forward without an error (it returned {type(out).__name__})",
                _HINT_BEFORE_FORWARD)


def _check_latest_forward(spec):
    fresh, used = _layer(spec), _layer(spec)
    _copy_params(fresh, used)
    X, X_other = spec.X.copy(), spec.X_other.copy()
    Y = _forward(fresh, X)
    G = spec.upstream(Y.shape)
    dX_fresh = np.array(_backward(fresh, G, X.shape))
    grads_fresh = {k: np.array(v) for k, v in fresh.grads.items()}
    # the layer has seen another batch (forward and backward) and then a forward on X alone
    _backward(used, spec.upstream(_forward(used, X_other).shape, offset=1), X.shape)
    _forward(used, X_other)
    _forward(used, X)
    dX_used = _backward(used, G, X.shape)
    stale = not np.allclose(dX_used, dX_fresh, rtol=1e-10, atol=1e-12)
    for k, g in grads_fresh.items():
        stale = stale or not np.allclose(np.asarray(used.grads[k]), g, rtol=1e-10, atol=1e-12)
    if stale:
        raise _Fail("after forward on another batch and then forward(X), backward did not give the gradients of a "
                    "fresh layer that saw only X: it used an older input", _HINT_STALE)


def _compare(name, analytic, numeric, key=None):
    """Raise _Fail with a diagnosis when ``analytic`` disagrees with the central differences ``numeric``."""
    if analytic.shape != numeric.shape:
        if key is None:
            raise _Fail(f"backward returned shape {analytic.shape}, expected {numeric.shape}", _HINT_DX_SHAPE)
        raise _Fail(f"grads[{key!r}] has shape {analytic.shape}, expected {numeric.shape}",
                    _HINT_GRAD_SHAPE.format(key=key))
    if not np.all(np.isfinite(analytic)):
        raise _Fail(f"the gradient of {name} contains nan or inf", _HINT_GRAD_X if key is None else
                    _HINT_GRAD_PARAM.format(key=key))
    err, idx = relative_error(analytic, numeric)
    if err <= TOL:
        return
    reason = (f"wrong at index {idx}: backward gives {analytic[idx]:.6g}, central differences give "
              f"{numeric[idx]:.6g} (relative error {err:.2g} > {TOL:g})")
    if not np.any(analytic) and np.any(numeric):
        hint = _HINT_ZERO_X if key is None else _HINT_ZERO_PARAM.format(key=key)
    elif key is not None and not np.any(numeric) and np.any(analytic):
        hint = _HINT_UNUSED_PARAM.format(key=key)
    elif relative_error(-analytic, numeric)[0] <= 1e-6:
        hint = _HINT_SIGN
    elif min(relative_error(analytic * N_ROWS, numeric)[0], relative_error(analytic / N_ROWS, numeric)[0]) <= 1e-6:
        hint = _HINT_FACTOR_N.format(n=N_ROWS)
    else:
        hint = _HINT_GRAD_X if key is None else _HINT_GRAD_PARAM.format(key=key)
    raise _Fail(reason, hint)


def _gradient_check(spec, key):
    """Compare backward with central differences of f = sum(forward(X) * G), for X (key None) or params[key]."""
    layer = _layer(spec)
    for k, p in layer.params.items():
        if not isinstance(p, np.ndarray) or p.dtype != np.float64:
            raise _Fail(f"params[{k!r}] is not a float64 array: central differences need float64", _HINT_FLOAT64)
    X = spec.X.copy()
    G = spec.upstream(_forward(layer, X).shape)
    dX = np.array(_backward(layer, G, X.shape), dtype=np.float64)
    if key is None:
        analytic, target = dX, X
    else:
        grad = layer.grads.get(key)
        if not isinstance(grad, np.ndarray):
            raise _Fail(f"grads[{key!r}] is {type(grad).__name__} after backward, not an array",
                        _HINT_ZERO_PARAM.format(key=key))
        analytic, target = np.array(grad, dtype=np.float64), layer.params[key]

    def f(_):
        return float(np.sum(layer.forward(X) * G))

    numeric = numerical_gradient(f, target)
    _compare("X" if key is None else f"params[{key!r}]", analytic, numeric, key)


def _check_float32(spec):
    layer = _layer(spec, np.float32)
    wrong = [k for k, p in layer.params.items() if getattr(p, "dtype", None) != np.float32]
    if wrong:
        how = f"{spec.name}(..., dtype=np.float32)" if spec.takes_dtype else f"{spec.name}(...)"
        raise _Fail(f"{how} has params {wrong} in {layer.params[wrong[0]].dtype}, not float32",
                    _HINT_FLOAT32 if spec.takes_dtype else _HINT_NO_DTYPE)
    X = spec.X.astype(np.float32)
    Y = _forward(layer, X)
    if Y.dtype != np.float32:
        raise _Fail(f"forward returned {Y.dtype} for float32 input", _HINT_FLOAT32)
    dX = _backward(layer, spec.upstream(Y.shape, np.float32), X.shape)
    if dX.dtype != np.float32:
        raise _Fail(f"backward returned {dX.dtype} for float32 input and dY", _HINT_FLOAT32)
    for k, g in layer.grads.items():
        if getattr(g, "dtype", None) != np.float32:
            raise _Fail(f"grads[{k!r}] is {getattr(g, 'dtype', type(g).__name__)} after a float32 backward",
                        _HINT_FLOAT32)


class _ContractCase(Case):
    """One clause of the layer contract: ``check(spec)`` returns None, or raises :class:`_Fail` with a reason."""

    def __init__(self, name, check, hint):
        super().__init__(name, (), None, hint)
        self.check, self.default_hint = check, hint

    def run(self, spec):
        self.hint = self.default_hint
        try:
            with np.errstate(all="ignore"):
                self.check(spec)
        except _Fail as failure:
            self.hint = failure.hint or self.default_hint
            return failure.reason
        except Exception as exc:  # the reader's code may fail in any way; report it as this case's failure
            return f"raised {type(exc).__name__}: {_short(exc)}"
        return None


def _cases(spec):
    cases = [
        _ContractCase(f"builds as {spec.name}(...) and is an nnlib.Layer", _layer, _HINT_BUILD),
        _ContractCase("params and grads: dicts with the same keys, float64 arrays of equal shapes", _check_dicts,
                      _HINT_DICTS),
        _ContractCase(f"forward returns a float64 array of shape (N, H), N = {N_ROWS}, D = {spec.D}",
                      _check_forward, _HINT_FORWARD),
        _ContractCase("forward and backward leave X and dY unchanged", _check_inputs_unchanged, _HINT_INPLACE),
        _ContractCase("backward returns dX of X's shape and fills grads in the parameters' shapes", _check_backward,
                      _HINT_DX_SHAPE),
        _ContractCase("backward before any forward raises RuntimeError", _check_before_forward,
                      _HINT_BEFORE_FORWARD),
        _ContractCase("backward uses the input of the latest forward", _check_latest_forward, _HINT_STALE),
        _ContractCase("gradient of X matches central differences (float64)", lambda s: _gradient_check(s, None),
                      _HINT_GRAD_X),
    ]
    try:
        keys = list(_layer(spec).params)
    except Exception as exc:  # reported by the first case; one placeholder stands for the parameters
        reason = f"raised {type(exc).__name__}: {_short(exc)}" if not isinstance(exc, _Fail) else exc.reason

        def unbuildable(_, reason=reason):
            raise _Fail(reason)

        cases.append(_ContractCase("gradient of every parameter matches central differences (float64)",
                                   unbuildable, _HINT_BUILD))
        keys = []
    for key in keys:
        cases.append(_ContractCase(f"gradient of params[{key!r}] matches central differences (float64)",
                                   lambda s, key=key: _gradient_check(s, key), _HINT_GRAD_PARAM.format(key=key)))
    cases.append(_ContractCase("float32 in, float32 out: Y, dX, params and grads", _check_float32, _HINT_FLOAT32))
    return cases


def layer(layer_class, *args, verbose=True, **kwargs):
    """Check a layer class against nnlib's layer contract, building it as ``layer_class(*args, **kwargs)``.

    The cases: it subclasses :class:`nnlib.Layer`; ``params`` and ``grads`` are dicts with the same keys and
    shapes (float64 by default); ``forward`` returns (N, H) in X's dtype; forward and backward leave their inputs
    unchanged; ``backward`` returns dX of X's shape and fills ``grads``; ``backward`` before ``forward`` raises
    ``RuntimeError``; ``backward`` uses the latest forward's input; the gradients of X and of every parameter
    match central differences (float64, relative error at most 1e-7, as :func:`nnlib.gradcheck`); and a float32
    input (with ``dtype=np.float32`` passed to the constructor when it takes a ``dtype``) gives float32 outputs,
    parameters and gradients. The layer must be deterministic (the same input gives the same output).

    Args:
        layer_class: the reader's class, e.g. ``Scale``.
        *args: the constructor's positional arguments: ``nnlib.check.layer(Scale, 5)`` builds ``Scale(5)``. The
            test batch has N = 4 rows and D columns, D taken from the layer's ``in_features``, else from the first
            positional argument if it is an int (see the module docstring).
        verbose: print the report (keyword only).
        **kwargs: the constructor's keyword arguments (every keyword except ``verbose``).

    Returns:
        A :class:`~nnlib.check.CheckReport`, true when every case passed.
    """
    if not callable(layer_class):
        raise TypeError(f"layer: pass your layer class itself (e.g. nnlib.check.layer(Scale, 5)), got "
                        f"{layer_class!r:.60}.")
    if isinstance(layer_class, Layer):
        raise TypeError(f"layer: pass the class, not an instance: nnlib.check.layer({type(layer_class).__name__}, "
                        "...) with the constructor's arguments after it; the checker builds fresh instances.")
    spec = _Spec(layer_class, args, kwargs)
    return run_cases(f"layer {spec.name}", spec, _cases(spec), verbose=verbose)
