"""Local Sphinx extension of the book (loaded through ``sphinx.local_extensions`` in ``_config.yml``).

It does what ``_config.yml`` cannot express:

1. Repository-dependent buttons. The Colab/Binder launch buttons and the repository button need
   ``repository.url``; with an empty URL sphinx-book-theme would fail on notebook pages (its launch-button code
   unpacks repository parts that do not exist) and Jupyter Book refuses ``use_repository_button``. So
   ``_config.yml`` lists the launch services once and :func:`repository_theme_options` keeps them only when a URL
   is set (and then also turns the repository button on). The download button needs no URL and stays.
2. Inline ``<script>`` tags written once. Sphinx < 8.2.2 writes every inline script that an extension adds
   after ``Builder.init()`` twice (the builder gets ``filename=None`` from ``Sphinx.add_js_file`` and ``''``
   again from ``prepare_writing``, and ``None != ''`` defeats its de-duplication). Fixed upstream in Sphinx
   8.2.2 (sphinx-doc/sphinx#13402), which Jupyter Book 1 cannot use (it pins ``sphinx~=7.0``); this backports
   the same normalisation. It is what turned sphinx-thebe's ``const THEBE_JS_URL`` into a console error (the
   book does not load sphinx-thebe at all any more, see ``_config.yml``); sphinx-togglebutton's inline script
   was duplicated the same way.
3. A clear error when the local MathJax copy is missing (run ``make mathjax``), instead of a book whose
   formulas silently stay raw TeX.
4. No second search bar: pydata-sphinx-theme 0.17 adds a full-width header holding only a search field when
   ``navbar_persistent`` is unset, above sphinx-book-theme's own layout (whose sidebar already has the search
   field). ``navbar_persistent = []`` restores sphinx-book-theme's intended look.
5. API reference (book/api.md, nitpicky): a reference to a name that nnlib re-exports (``nnlib.softmax``,
   ``nnlib.Softmax``) resolves to where autodoc documents the object (``nnlib.functional.softmax``), and a
   private base class (``_Loss``) is shown as its first public ancestor. Any other unresolved reference still
   warns, so ``-n -W`` keeps catching broken ones.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import sphinx
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError

# Launch services that need repository.url (keys of html_theme_options["launch_buttons"]).
LAUNCH_SERVICES = ("binderhub_url", "colab_url", "jupyterhub_url", "deepnote_url", "jupyterlite_url")
REPOSITORY_BUTTONS = ("use_repository_button", "use_issues_button", "use_edit_page_button", "use_source_button")


def repository_theme_options(theme_options: dict) -> dict:
    """Return a copy of ``html_theme_options`` with the buttons that depend on the repository URL resolved.

    With ``repository_url`` set: the launch buttons configured in ``launch_buttons`` are kept and the repository
    button is turned on. With it empty (or only blanks): every launch service and every repository button is
    turned off, so no page carries a link to a missing repository.
    """
    options = dict(theme_options)
    launch = dict(options.get("launch_buttons") or {})
    url = str(options.get("repository_url") or "").strip()
    options["repository_url"] = url
    if url:
        options["use_repository_button"] = True
    else:
        for key in LAUNCH_SERVICES:
            if key in launch:
                launch[key] = ""
        for key in REPOSITORY_BUTTONS:
            options[key] = False
    launch["thebe"] = False  # sphinx-thebe is not loaded (it would fetch thebe from a CDN)
    options["launch_buttons"] = launch
    return options


def _config_inited(app: Sphinx, config: Config) -> None:
    options = repository_theme_options(config.html_theme_options)
    options.setdefault("navbar_persistent", [])
    config.html_theme_options = options


def _check_mathjax(app: Sphinx) -> None:
    if app.builder.format != "html" or "://" in app.config.mathjax_path:
        return
    roots = [Path(app.confdir, p) for p in app.config.html_static_path]
    if not any((root / app.config.mathjax_path).is_file() for root in roots):
        raise ConfigError(
            f"mathjax_path {app.config.mathjax_path!r} is not in any html_static_path folder "
            f"({', '.join(map(str, app.config.html_static_path))}): run `make mathjax` first."
        )


def _write_inline_scripts_once() -> None:
    """Backport of sphinx-doc/sphinx#13402 (Sphinx 8.2.2): pass inline scripts to the builder as ``''``."""
    from sphinx.builders.html import StandaloneHTMLBuilder

    original = StandaloneHTMLBuilder.add_js_file
    if getattr(original, "_book_inline_once", False):
        return

    def add_js_file(self, filename, **kwargs):
        return original(self, filename or "", **kwargs)

    add_js_file._book_inline_once = True
    add_js_file.__doc__ = original.__doc__
    StandaloneHTMLBuilder.add_js_file = add_js_file


def _import_dotted(name: str):
    """Import ``a.b.c`` as a module or an attribute chain; None if that fails."""
    parts = name.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        try:
            for attr in parts[i:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def _documented_nnlib_objects(env) -> dict[int, str]:
    """id(object) -> the name under which autodoc documented it (classes, functions, methods only)."""
    cache = getattr(env, "_book_nnlib_objects", None)
    if cache is None:
        cache = {}
        for name, entry in sorted(env.get_domain("py").objects.items()):
            if not name.startswith("nnlib.") or entry.objtype not in ("class", "function", "method", "exception"):
                continue
            obj = _import_dotted(name)
            if obj is not None and callable(obj):
                cache.setdefault(id(obj), name)
        env._book_nnlib_objects = cache
    return cache


def _resolve_reexport(app: Sphinx, env, node, contnode):
    """Resolve ``nnlib.X`` (a re-export) to the documented ``nnlib.module.X``; leave the rest unresolved."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    if not target.startswith("nnlib."):
        return None
    obj = _import_dotted(target)
    if obj is None or not callable(obj):
        return None
    documented = _documented_nnlib_objects(env).get(id(obj))
    if documented is None or documented == target:
        return None
    return env.get_domain("py").resolve_xref(
        env, node["refdoc"], app.builder, node["reftype"], documented, node, contnode
    )


def _public_bases(app: Sphinx, name: str, obj, options, bases: list) -> None:
    """Show a private base class (``_Loss``) as its nearest public ancestors."""

    def public(cls):
        if not cls.__name__.startswith("_"):
            return [cls]
        found = []
        for base in cls.__bases__:
            found += [b for b in public(base) if b not in found]
        return found

    resolved = []
    for base in bases:
        for b in public(base) if isinstance(base, type) else [base]:
            if b not in resolved:
                resolved.append(b)
    bases[:] = resolved


def _reset_object_cache(app: Sphinx, env, *args) -> None:
    env._book_nnlib_objects = None


def setup(app: Sphinx) -> dict:
    if sphinx.version_info[:3] < (8, 2, 2):
        _write_inline_scripts_once()
    app.connect("config-inited", _config_inited, priority=100)
    app.connect("builder-inited", _check_mathjax)
    app.connect("env-updated", _reset_object_cache)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("missing-reference", _resolve_reexport)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
