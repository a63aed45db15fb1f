"""Checkers for the book's coding exercises: ``nnlib.check.softmax(my_softmax)`` and friends.

Each checker runs the reader's function on the cases that matter (extreme logits, batches, float32, a single
row, ...), prints which passed, and for each failure a hint that names the case. It returns a
:class:`~nnlib.check._core.CheckReport`, which is true when every case passed.

The checkers live in one module per chapter in this package; every name in a module's ``__all__`` is
re-exported here.
"""

import importlib
import pkgutil

from ._core import CheckReport, Case, run_cases

__all__ = ["CheckReport", "Case", "run_cases"]



def _export_chapter_checkers():
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for name in module.__all__:
            globals()[name] = getattr(module, name)
            __all__.append(name)


_export_chapter_checkers()
