"""Every public object of nnlib has a docstring, and book/api.md documents every public module.

Public means: every name in ``nnlib.__all__`` and in the ``__all__`` of each public module (modules and packages
whose dotted name has no part starting with ``_``), plus the public methods and properties of every public
class. The API reference (book/api.md, Sphinx autodoc) shows exactly these, so a missing docstring is a hole in
the book. Data (constants such as ``FASHION_MNIST_CLASSES``) are documented with a ``#:`` comment before the
assignment or a string literal right after it, the forms autodoc reads.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import subprocess
import sys
from functools import lru_cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import gen_api  # noqa: E402  (tools/gen_api.py)
import nnlib  # noqa: E402


def public_module_names() -> list[str]:
    names = ["nnlib"]
    for info in pkgutil.walk_packages(nnlib.__path__, prefix="nnlib."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


MODULES = public_module_names()


@lru_cache(maxsize=None)
def attribute_docs(module_name: str) -> set[str]:
    """Names of module-level variables that carry a ``#:`` comment or a following docstring."""
    from sphinx.pycode import ModuleAnalyzer

    try:
        analyzer = ModuleAnalyzer.for_module(module_name)
        return {name for (scope, name) in analyzer.find_attr_docs() if scope == ""}
    except Exception:  # noqa: BLE001 - a module without source (never the case for nnlib) documents nothing
        return set()


def _is_data(obj) -> bool:
    return not (inspect.ismodule(obj) or inspect.isclass(obj) or callable(obj))


def _own_doc(obj) -> str:
    doc = obj.__dict__.get("__doc__") if inspect.isclass(obj) else getattr(obj, "__doc__", None)
    return (doc or "").strip()


def missing_docs(module_name: str) -> list[str]:
    module = importlib.import_module(module_name)
    problems = []
    if not (module.__doc__ or "").strip():
        problems.append(f"{module_name}: module docstring")
    exported = getattr(module, "__all__", None)
    if exported is None:
        return problems + [f"{module_name}: no __all__"]
    for name in exported:
        qualified = f"{module_name}.{name}"
        if not hasattr(module, name):
            problems.append(f"{qualified}: listed in __all__ but not defined")
            continue
        obj = getattr(module, name)
        if _is_data(obj):
            # documented where it is assigned: this module, or (for a re-export) one of nnlib's modules
            if not any(name in attribute_docs(m) for m in [module_name, *MODULES]):
                problems.append(f"{qualified}: data without a `#:` doc comment")
            continue
        if not _own_doc(obj):
            problems.append(f"{qualified}: docstring")
        if inspect.isclass(obj):
            problems += [f"{qualified}.{member}: docstring" for member in undocumented_members(obj)]
    return problems


def undocumented_members(cls) -> list[str]:
    """Public methods and properties of ``cls`` (its own and those inherited from nnlib) without a docstring."""
    missing = []
    for klass in cls.__mro__:
        if not klass.__module__.startswith("nnlib"):
            continue
        for member, value in vars(klass).items():
            if member.startswith("_") or member in missing:
                continue
            if isinstance(value, (staticmethod, classmethod)):
                value = value.__func__
            if not (inspect.isfunction(value) or isinstance(value, property)):
                continue
            if not (inspect.getdoc(getattr(cls, member)) or "").strip():
                missing.append(member)
    return missing


@pytest.mark.parametrize("module_name", MODULES)
def test_public_objects_have_docstrings(module_name):
    problems = missing_docs(module_name)
    assert not problems, "missing documentation:\n  " + "\n  ".join(problems)


def test_the_checker_finds_a_missing_docstring(tmp_path, monkeypatch):
    """The test above can fail: a module with an undocumented function, class, method and constant."""
    pkg = tmp_path / "nnlib_fake_pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text(
        '"""Fake."""\n__all__ = ["f", "C", "K", "D"]\n'
        "def f():\n    pass\n"
        'class C:\n    """Documented."""\n    def method(self):\n        pass\n'
        "K = 3\n"
        "#: documented constant\nD = 4\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    problems = missing_docs("nnlib_fake_pkg")
    assert any(p.endswith(".f: docstring") for p in problems), problems
    assert any(p.endswith(".C.method: docstring") for p in problems), problems
    assert not any(".C: docstring" in p for p in problems), problems
    assert any(".K: data" in p for p in problems), problems
    assert not any(".D: data" in p for p in problems), problems


def test_api_page_lists_every_public_module():
    """book/api.md is generated by tools/gen_api.py from the modules on disk (`make api` after adding one)."""
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "gen_api.py"), "--check"], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    text = (ROOT / "book" / "api.md").read_text(encoding="utf-8")
    for name in gen_api.public_modules():
        assert f".. automodule:: nnlib.{name}\n" in text
