"""Notebook hygiene: strict nbval only proves what is stored, so every chapter must be stored fully executed.

A code cell without an execution count or output passes nbval trivially, an error output would be compared as
text, and an ignored-output cell must be followed by a cell that asserts on its results.
"""

import ast
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted(p for p in (ROOT / "book").rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts)


def _source(cell):
    return "".join(cell["source"])


def _asserts(src):
    """True if the code contains an assert statement or calls an assert_* / gradcheck function."""
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, ast.Assert):
            return True
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name.startswith("assert_") or name == "gradcheck":
                return True
    return False


def notebook_problems(path):
    """Every hygiene problem of the notebook at ``path``, as readable strings (empty when it is clean)."""
    nb = json.loads(pathlib.Path(path).read_text(encoding="utf-8"))
    name = pathlib.Path(path).name
    cells = [c for c in nb["cells"] if c["cell_type"] == "code" and _source(c).strip()]
    problems = []
    if not cells:
        return [f"{name}: no code cells"]
    counts = [c.get("execution_count") for c in cells]
    if any(n is None for n in counts):
        problems.append(f"{name}: code cells {[i for i, n in enumerate(counts) if n is None]} are not executed "
                        "(run `make execute`)")
    elif counts != list(range(1, len(cells) + 1)):
        problems.append(f"{name}: execution counts {counts} are not 1..{len(cells)} (re-run from a fresh kernel)")
    if 'find_spec("nnlib") is None' not in _source(cells[0]):
        problems.append(f"{name}: the first code cell must be the install cell (CONTRIBUTING.md)")
    if nb.get("metadata", {}).get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{name}: kernelspec must be python3")
    for i, cell in enumerate(cells):
        src = _source(cell)
        where = f"{name} code cell {i}"
        if "NBVAL_SKIP" in src:
            problems.append(f"{where}: NBVAL_SKIP is not allowed; assert instead")
        if "NBVAL_IGNORE_OUTPUT" in src and not (i + 1 < len(cells) and _asserts(_source(cells[i + 1]))):
            problems.append(f"{where}: ignores its output but the next code cell does not assert on its results")
        if "plt." in src and src.rstrip().endswith(";"):
            problems.append(f"{where}: ends with ';' (does not hide output): end plotting cells with plt.show()")
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"{where}: stored error output {out.get('ename')}")
            if "NBVAL_IGNORE_OUTPUT" in src:
                continue
            text = "".join(out.get("text", [])) + "".join(out.get("data", {}).get("text/plain", []))
            if re.search(r"0x[0-9a-f]{6,}", text):
                problems.append(f"{where}: memory address in output")
            if re.search(r"(/work/|/home/|/root/|/tmp/|site-packages)", text):
                problems.append(f"{where}: absolute path in output")
    return problems


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found under book/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_is_stored_executed_and_reproducible(path):
    problems = notebook_problems(path)
    assert not problems, "\n".join(problems)


def test_every_chapter_is_in_the_table_of_contents():
    listed = set(re.findall(r"file:\s*(\S+)", (ROOT / "_toc.yml").read_text()))
    on_disk = {str(p.relative_to(ROOT).with_suffix("")) for p in NOTEBOOKS}
    assert on_disk <= listed, f"notebooks missing from _toc.yml: {sorted(on_disk - listed)}"
    for entry in listed:
        assert any((ROOT / f"{entry}{ext}").exists() for ext in (".ipynb", ".md")), f"_toc.yml lists missing {entry}"


# The checker itself must be able to fail.

def _write(tmp_path, cells):
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3"}}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps(nb))
    return path


def _code(src, count, outputs=()):
    return {"cell_type": "code", "source": src, "execution_count": count, "outputs": list(outputs), "metadata": {}}


INSTALL = 'import importlib.util\nif importlib.util.find_spec("nnlib") is None: pass'


def test_a_clean_notebook_has_no_problems(tmp_path):
    path = _write(tmp_path, [_code(INSTALL, 1), _code("# NBVAL_IGNORE_OUTPUT\nt = 1", 2),
                             _code("assert t == 1", 3)])
    assert notebook_problems(path) == []


@pytest.mark.parametrize("cells, expected", [
    ([_code(INSTALL, 1), _code("x = 1", None)], "not executed"),
    ([_code(INSTALL, 2), _code("x = 1", 1)], "not 1..2"),
    ([_code("import nnlib", 1)], "install cell"),
    ([_code(INSTALL, 1), _code("1/0", 2, [{"output_type": "error", "ename": "ZeroDivisionError"}])], "error"),
    ([_code(INSTALL, 1), _code("# NBVAL_SKIP\nx = 1", 2)], "NBVAL_SKIP"),
    ([_code(INSTALL, 1), _code("# NBVAL_IGNORE_OUTPUT\nt = 1", 2), _code("print(t)", 3)], "does not assert"),
    ([_code(INSTALL, 1), _code("plt.plot([1]);", 2)], "plt.show()"),
    ([_code(INSTALL, 1), _code("f", 2, [{"output_type": "execute_result",
                                        "data": {"text/plain": "<function f at 0x7f3a2b1c9d30>"}}])], "address"),
])
def test_each_problem_is_detected(tmp_path, cells, expected):
    assert any(expected in p for p in notebook_problems(_write(tmp_path, cells)))
