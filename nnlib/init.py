"""Weight initialisation: Xavier/Glorot and He/Kaiming, uniform and normal, always from an explicit rng.

For a weight matrix of shape (D, H) (fan_in = D, fan_out = H):

- Xavier/Glorot (Glorot & Bengio, 2010) keeps the variance of activations and gradients equal across layers
  for tanh/sigmoid-like units: ``Var(W) = 2 / (fan_in + fan_out)``.
- He/Kaiming (He et al., 2015) compensates for ReLU zeroing half its inputs: ``Var(W) = 2 / fan_in``.

A uniform distribution on [-a, a] has variance a^2 / 3, hence the limits below.
"""

import numpy as np

from ._checks import check_rng

__all__ = ["xavier_uniform", "xavier_normal", "he_uniform", "he_normal", "zeros", "initialize", "INITS"]


def _fans(shape):
    if len(shape) != 2:
        raise ValueError(f"init: expected a weight shape (fan_in, fan_out), got {shape}.")
    return shape[0], shape[1]


def xavier_uniform(shape, rng, dtype=np.float64):
    """``W ~ U(-a, a)`` with ``a = sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    a = np.sqrt(6.0 / (fan_in + fan_out))
    return check_rng(rng, "xavier_uniform").uniform(-a, a, size=shape).astype(dtype)


def xavier_normal(shape, rng, dtype=np.float64):
    """``W ~ N(0, 2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    std = np.sqrt(2.0 / (fan_in + fan_out))
    return (check_rng(rng, "xavier_normal").standard_normal(size=shape) * std).astype(dtype)


def he_uniform(shape, rng, dtype=np.float64):
    """``W ~ U(-a, a)`` with ``a = sqrt(6 / fan_in)``."""
    fan_in, _ = _fans(shape)
    a = np.sqrt(6.0 / fan_in)
    return check_rng(rng, "he_uniform").uniform(-a, a, size=shape).astype(dtype)


def he_normal(shape, rng, dtype=np.float64):
    """``W ~ N(0, 2 / fan_in)``."""
    fan_in, _ = _fans(shape)
    std = np.sqrt(2.0 / fan_in)
    return (check_rng(rng, "he_normal").standard_normal(size=shape) * std).astype(dtype)


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros (breaks nothing for a single softmax-regression layer, symmetric for hidden layers)."""
    return np.zeros(shape, dtype=dtype)


#: The named initialisations ``Linear(..., init=name)`` accepts, mapped to their functions.
INITS = {
    "xavier": xavier_uniform,
    "xavier_uniform": xavier_uniform,
    "xavier_normal": xavier_normal,
    "he": he_normal,
    "he_normal": he_normal,
    "he_uniform": he_uniform,
    "zeros": zeros,
}


def initialize(init, shape, rng, dtype, where):
    """Draw a weight array of ``shape`` with ``init`` (a name from ``INITS`` or a callable)."""
    if init != "zeros":
        rng = check_rng(rng, where)
    if callable(init):
        W = np.asarray(init(shape, rng, dtype))
        if W.shape != tuple(shape):
            raise ValueError(f"{where}: init callable returned shape {W.shape}, expected {tuple(shape)}.")
        return W.astype(dtype, copy=True)
    if init not in INITS:
        raise ValueError(f"{where}: unknown init {init!r}; use one of {sorted(INITS)} or a callable.")
    return INITS[init](shape, rng, dtype)
