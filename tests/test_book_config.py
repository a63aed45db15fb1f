"""The book's configuration, checked without building: what the build, the browser test and readers rely on.

- Jupyter Book's final Sphinx configuration (jupyter_book.config.get_final_config on _config.yml): no
  sphinx-thebe, no intersphinx, MathJax from the build itself, no widget scripts from a CDN, the API and
  bibliography extensions, title/logo/favicon/description.
- The repository-dependent buttons in both states: repository.url empty (no launch or repository button) and
  set (Colab, Binder and repository buttons).
- Every chapter notebook's first code cell is the install cell of CONTRIBUTING.md with NNLIB_REPOSITORY equal
  to repository.url (`make sync` fixes it).
- The two fixes in tools/book_sphinx.py that are not configuration: inline scripts written once, public bases.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import book_sphinx  # noqa: E402  (tools/book_sphinx.py)
import sync_install_cell  # noqa: E402
import vendor_mathjax  # noqa: E402

jb_config = pytest.importorskip("jupyter_book.config")

CONFIG = ROOT / "_config.yml"
GITHUB_URL = "https://github.com/example-org/softmax-from-scratch"


def user_yaml() -> dict:
    return yaml.safe_load(CONFIG.read_text(encoding="utf-8"))


def final_config(yaml_dict: dict | None = None) -> dict:
    """The Sphinx configuration Jupyter Book derives from _config.yml (or from a modified copy of it)."""
    config, _ = jb_config.get_final_config(
        user_yaml=copy.deepcopy(yaml_dict) if yaml_dict is not None else CONFIG,
        cli_config={"latex_individualpages": False},  # what `jupyter-book build` passes for HTML
        sourcedir=ROOT, validate=True, raise_on_invalid=True,
    )
    return config


def theme_options_after_extension(yaml_dict: dict) -> dict:
    return book_sphinx.repository_theme_options(final_config(yaml_dict)["html_theme_options"])


def toc_documents() -> list[str]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    docs = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                docs.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key) or []:
                    walk(child)

    walk(toc)
    return docs


# --- the final Sphinx configuration ---------------------------------------------------------------------------

def test_extensions_without_thebe_or_intersphinx():
    extensions = final_config()["extensions"]
    assert "sphinx_thebe" not in extensions, "sphinx-thebe declares THEBE_JS_URL twice and points at a CDN"
    assert "sphinx.ext.intersphinx" not in extensions, "intersphinx needs the network"
    needed = {"sphinx_exercise", "sphinxcontrib.bibtex", "sphinx.ext.autodoc", "sphinx.ext.napoleon", "book_sphinx"}
    assert needed <= set(extensions)
    defaults = set(jb_config.get_default_sphinx_config()["extensions"]) - {"sphinx_thebe", "sphinx.ext.intersphinx"}
    assert defaults <= set(extensions), f"Jupyter Book defaults dropped: {sorted(defaults - set(extensions))}"
    assert not (user_yaml().get("sphinx") or {}).get("extra_extensions"), (
        "sphinx.extra_extensions is overridden by sphinx.config.extensions: add extensions there"
    )


def test_mathjax_is_served_by_the_build():
    config = final_config()
    path = config["mathjax_path"]
    assert "://" not in path and not path.startswith("//"), f"mathjax_path {path!r} is a URL"
    static = [ROOT / p for p in config["html_static_path"]]
    assert vendor_mathjax.DEST.parent in static, "html_static_path must serve .vendor/static"
    assert path == f"{vendor_mathjax.DEST.name}/{vendor_mathjax.ENTRY}"
    assert re.fullmatch(r"[0-9a-f]{64}", vendor_mathjax.SHA256)
    assert vendor_mathjax.NPM_INTEGRITY.startswith("sha512-")
    assert config["nb_ipywidgets_js"] == {}, "myst-nb would load require.js and the widget manager from a CDN"


def test_no_network_services_configured():
    config = final_config()
    options = config["html_theme_options"]
    analytics = options.get("analytics") or {}
    assert not analytics.get("google_analytics_id") and not analytics.get("plausible_analytics_domain"), (
        "analytics scripts load from other hosts"
    )
    assert not any((config.get("comments_config") or {}).values()), "hypothesis/utterances load from other hosts"
    assert (options.get("launch_buttons") or {}).get("thebe") in (False, None)


def test_book_metadata_and_assets():
    config = final_config()
    yml = user_yaml()
    assert config["html_title"] == "Softmax from scratch"
    assert yml["author"].strip()
    for key in ("html_logo", "html_favicon"):
        path = ROOT / config[key]
        assert path.is_file() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", f"{key}: {path} is not a PNG"
    description = config["myst_html_meta"]["description"]
    assert description == yml["description"] and len(description) > 50
    assert (ROOT / "book" / "_static" / "book.css").is_file()
    assert config["html_css_files"] == ["book.css"]
    assert config["html_context"]["default_mode"] in ("auto", "light", "dark")


def test_build_settings():
    config = final_config()
    yml = user_yaml()
    assert yml["execute"]["execute_notebooks"] == "off"
    assert config["nb_execution_mode"] == "off"
    assert yml["only_build_toc_files"] is True
    excluded = set(config["exclude_patterns"])
    assert {".venv", ".vendor", "_build", "tests", "tools", "nnlib", "README.md", "CONTRIBUTING.md"} <= excluded
    assert config["bibtex_bibfiles"] == ["book/references.bib"]
    assert (ROOT / "book" / "references.bib").is_file()
    assert "```{bibliography}" in (ROOT / "book" / "references.md").read_text(encoding="utf-8")
    assert config["hide_solutions"] is False
    docs = toc_documents()
    assert docs[-2:] == ["book/api", "book/references"], "API reference and references close the book"
    assert not set(config["nitpick_ignore_regex"][0][1].split("|")) & {"nnlib", "nnlib.*"}


# --- buttons that depend on repository.url ---------------------------------------------------------------------

def test_no_launch_or_repository_button_without_a_url():
    yml = user_yaml()
    yml["repository"]["url"] = ""
    options = theme_options_after_extension(yml)
    launch = options["launch_buttons"]
    assert not any(launch.get(k) for k in book_sphinx.LAUNCH_SERVICES), launch
    assert not any(options.get(k) for k in book_sphinx.REPOSITORY_BUTTONS), options
    assert options.get("use_download_button", True), "the .ipynb download button needs no URL"


def test_launch_and_repository_buttons_with_a_url():
    yml = user_yaml()
    yml["repository"]["url"] = GITHUB_URL
    options = theme_options_after_extension(yml)
    assert options["repository_url"] == GITHUB_URL
    assert options["launch_buttons"]["colab_url"] == "https://colab.research.google.com"
    assert options["launch_buttons"]["binderhub_url"] == "https://mybinder.org"
    assert options["use_repository_button"] is True
    assert options.get("use_download_button", True)


def test_blank_url_counts_as_empty():
    options = book_sphinx.repository_theme_options(
        {"repository_url": "  ", "launch_buttons": {"colab_url": "https://colab.research.google.com"},
         "use_repository_button": True}
    )
    assert options["launch_buttons"]["colab_url"] == "" and options["use_repository_button"] is False


# --- install cells ---------------------------------------------------------------------------------------------

def test_contributing_shows_the_install_cell_template():
    text = (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    template = sync_install_cell.install_cell_source("")
    assert any(block.rstrip("\n") == template for block in blocks), (
        "the install cell in CONTRIBUTING.md and the template in tools/sync_install_cell.py differ"
    )


def chapter_notebooks() -> list[Path]:
    return sync_install_cell.chapter_notebooks()


@pytest.mark.parametrize("notebook", chapter_notebooks() or [None], ids=lambda p: p.name if p else "none")
def test_install_cell_matches_repository_url(notebook):
    if notebook is None:
        pytest.skip("no chapter notebook yet")
    url = sync_install_cell.repository_url()
    problem = sync_install_cell.install_cell_problem(sync_install_cell.read(notebook), url)
    assert problem is None, f"{notebook.relative_to(ROOT)}: {problem} (repository.url = {url!r}): run `make sync`"


def test_every_notebook_chapter_in_the_toc_exists():
    missing = [doc for doc in toc_documents()
               if not any((ROOT / f"{doc}{ext}").is_file() for ext in ("", ".md", ".ipynb"))]
    assert not missing, f"_toc.yml lists files that do not exist: {missing}"


def test_sync_rewrites_only_the_install_cell(tmp_path):
    nb = {"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "id": "a", "metadata": {}, "source": ["# Title"]},
        {"cell_type": "code", "id": "b", "metadata": {"tags": ["hide-cell"]}, "execution_count": 1, "outputs": [],
         "source": sync_install_cell.install_cell_source("").splitlines(keepends=True)},
        {"cell_type": "code", "id": "c", "metadata": {}, "execution_count": 2,
         "outputs": [{"output_type": "stream", "name": "stdout", "text": ["x\n"]}], "source": ["print('x')"]},
    ]}
    before = copy.deepcopy(nb)
    assert sync_install_cell.install_cell_problem(nb, GITHUB_URL) is not None
    assert sync_install_cell.sync(nb, GITHUB_URL)
    assert sync_install_cell.install_cell_problem(nb, GITHUB_URL) is None
    assert json.dumps(GITHUB_URL) in "".join(nb["cells"][1]["source"])
    assert nb["cells"][0] == before["cells"][0] and nb["cells"][2] == before["cells"][2]
    assert not sync_install_cell.sync(nb, GITHUB_URL), "a second sync changes nothing"

    missing = copy.deepcopy(before)
    del missing["cells"][1]
    assert "not the install cell" in sync_install_cell.install_cell_problem(missing, "")
    sync_install_cell.sync(missing, "")
    assert sync_install_cell.install_cell_problem(missing, "") is None
    assert missing["cells"][2] == before["cells"][2], "the install cell goes before the first code cell"


# --- tools/book_sphinx.py ----------------------------------------------------------------------------------------

def test_inline_scripts_are_written_once():
    """Sphinx < 8.2.2 added an inline script twice (as None and as ''); the backport makes them one."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    book_sphinx._write_inline_scripts_once()

    class Fake:
        _js_files: list = []

    fake = Fake()
    fake._js_files = []
    StandaloneHTMLBuilder.add_js_file(fake, None, body="const THEBE_JS_URL = 1")  # Sphinx.add_js_file
    StandaloneHTMLBuilder.add_js_file(fake, "", body="const THEBE_JS_URL = 1")  # prepare_writing
    assert len(fake._js_files) == 1


def test_private_bases_are_shown_as_public_ancestors():
    class Public:
        pass

    class _Private(Public):
        pass

    class Child(_Private):
        pass

    bases = list(Child.__bases__)
    book_sphinx._public_bases(None, "Child", Child, {}, bases)
    assert bases == [Public]
