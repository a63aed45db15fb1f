"""Saving and loading parameters as ``.npz`` files (plain arrays, never pickle)."""

import numpy as np

__all__ = ["save", "load"]


def _arch(model):
    return np.array(repr(model).split("  #")[0])


def save(model, path):
    """Write every parameter of ``model`` to ``path`` (a ``.npz`` file) with its key (``"0.W"``, ...).

    The model's layer structure is stored too, so loading into a different architecture fails clearly.
    """
    arrays = {f"param:{k}": v for k, v in model.params.items()}
    np.savez(path, __architecture__=_arch(model), **arrays)


def load(model, path):
    """Copy the parameters saved by :func:`save` into ``model`` in place.

    Raises:
        ValueError: the file was saved from another architecture (different layers, keys or shapes).
    """
    with np.load(path, allow_pickle=False) as data:
        saved_arch = str(data["__architecture__"]) if "__architecture__" in data else "(unknown)"
        saved = {k[len("param:"):]: data[k] for k in data.files if k.startswith("param:")}
    params = model.params
    if set(saved) != set(params) or any(saved[k].shape != params[k].shape for k in params):
        diffs = [
            f"{k}: file {saved[k].shape if k in saved else 'missing'} vs model "
            f"{params[k].shape if k in params else 'missing'}"
            for k in sorted(set(saved) | set(params))
            if k not in saved or k not in params or saved[k].shape != params[k].shape
        ]
        raise ValueError(
            f"load: {path} holds parameters of another architecture.\nSaved model:\n{saved_arch}\n"
            f"This model:\n{_arch(model)}\nDifferences: " + "; ".join(diffs[:5])
        )
    for k, v in params.items():
        v[...] = saved[k]
