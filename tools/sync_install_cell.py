"""Keep every chapter's install cell equal to the template, with NNLIB_REPOSITORY = repository.url of _config.yml.

    python tools/sync_install_cell.py           # rewrite the install cells that differ (make sync)
    python tools/sync_install_cell.py --check   # list the notebooks whose install cell differs; exit 1 if any

The install cell is a notebook's first code cell (CONTRIBUTING.md, "Install cell"). Only that cell is touched:
its source is replaced by the template and it gets the ``hide-cell`` tag; its outputs and every other cell stay
as they are. A notebook whose first code cell is not an install cell (no ``NNLIB_REPOSITORY =`` line) gets
the template inserted before it, with no outputs. Notebooks are written back in nbformat 4 with one-space
indentation, as Jupyter writes them, so the diff is the install cell alone.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "_config.yml"
BOOK = ROOT / "book"
TAG = "hide-cell"
MARKER = "NNLIB_REPOSITORY ="

TEMPLATE = '''\
# Colab or a fresh Jupyter: install nnlib from the book's repository if it is missing (a no-op otherwise).
import importlib.util, subprocess, sys

NNLIB_REPOSITORY = {url}  # kept equal to repository.url in _config.yml by tools/sync_install_cell.py
if importlib.util.find_spec("nnlib") is None:
    if not NNLIB_REPOSITORY:
        raise RuntimeError("nnlib is not installed: run `pip install -e .` in a clone of the book's repository.")
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", f"git+{{NNLIB_REPOSITORY}}"], check=True)'''


def repository_url(config: Path = CONFIG) -> str:
    """``repository.url`` of _config.yml, stripped ('' when unset)."""
    data = yaml.safe_load(config.read_text(encoding="utf-8")) or {}
    return str((data.get("repository") or {}).get("url") or "").strip()


def install_cell_source(url: str) -> str:
    """The install cell's source for this repository URL (a Python string literal, so any URL is safe)."""
    return TEMPLATE.format(url=json.dumps(url))


def chapter_notebooks(book: Path = BOOK) -> list[Path]:
    return sorted(p for p in book.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)


def first_code_cell(nb: dict) -> tuple[int, dict | None]:
    for i, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") == "code":
            return i, cell
    return -1, None


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def install_cell_problem(nb: dict, url: str) -> str | None:
    """Why the notebook's install cell is not the template for ``url`` (None when it is)."""
    _, cell = first_code_cell(nb)
    if cell is None:
        return "has no code cell (the install cell must be the first code cell)"
    if MARKER not in _source(cell):
        return "first code cell is not the install cell"
    if _source(cell) != install_cell_source(url):
        return "install cell differs from the template in CONTRIBUTING.md with the configured URL"
    if TAG not in cell.get("metadata", {}).get("tags", []):
        return f"install cell lacks the {TAG!r} tag"
    return None


def _as_lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def sync(nb: dict, url: str) -> bool:
    """Make the notebook's install cell the template for ``url``; return whether anything changed."""
    if install_cell_problem(nb, url) is None:
        return False
    index, cell = first_code_cell(nb)
    if cell is None or MARKER not in _source(cell):
        new = {"cell_type": "code", "execution_count": None, "metadata": {"tags": [TAG]}, "outputs": [],
               "source": _as_lines(install_cell_source(url))}
        if nb.get("nbformat", 4) >= 4 and nb.get("nbformat_minor", 0) >= 5:
            new["id"] = "install-nnlib"
        cells = nb.setdefault("cells", [])
        at = index if index >= 0 else next((i + 1 for i, c in enumerate(cells) if c.get("cell_type") == "markdown"), 0)
        cells.insert(at, new)
        return True
    cell["source"] = _as_lines(install_cell_source(url))
    tags = cell.setdefault("metadata", {}).setdefault("tags", [])
    if TAG not in tags:
        tags.insert(0, TAG)
    return True


def read(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def write(path: Path, nb: dict) -> None:
    path.write_text(json.dumps(nb, sort_keys=True, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report; exit 1 if a notebook needs syncing")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook under book/")
    args = parser.parse_args(argv)
    url = repository_url()
    notebooks = args.notebooks or chapter_notebooks()
    bad = 0
    for path in notebooks:
        nb = read(path)
        problem = install_cell_problem(nb, url)
        if problem is None:
            continue
        bad += 1
        if args.check:
            print(f"{path}: {problem}")
        else:
            sync(nb, url)
            write(path, nb)
            print(f"{path}: install cell set (NNLIB_REPOSITORY = {url!r})")
    if args.check and bad:
        print(f"{bad} notebook(s) out of sync with repository.url = {url!r}: run `make sync`.", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
