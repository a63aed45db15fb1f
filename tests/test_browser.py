"""The built book as a reader's browser shows it: every page of _build/html in headless Chromium (Playwright).

For each page: no console error or uncaught exception, no failed request, no request to any host but the local
server (MathJax, fonts and scripts all come from the build), every image loaded, every formula typeset by MathJax
(no raw TeX left), no object-repr junk (``<Figure size ...>``, ``HBox(...)``, ``0x7f...``) in the text, no dead
internal link, and a sidebar that lists every file of _toc.yml. Each page gets a full-page screenshot in
_build/screenshots/. On each chapter notebook, the launch/download/repository buttons match repository.url in
_config.yml (Colab, Binder and repository buttons when it is set, none when it is empty; the .ipynb download
always). Then: search finds the softmax chapter.

Run after a build: ``make browser`` (``make test`` does). It skips, saying why, when Chromium, Playwright or the
built book is missing, unless BOOK_BROWSER_REQUIRED=1 (set by the Makefile), where that is a failure.
Environment: BOOK_HTML (default _build/html), CHROMIUM (default /usr/bin/chromium).
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import threading
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest
import yaml

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
BOOK_ROOT = HTML.parent.parent if (HTML.parent.parent / "_config.yml").is_file() else ROOT
SCREENSHOTS = HTML.parent / "screenshots"
REQUIRED = os.environ.get("BOOK_BROWSER_REQUIRED") == "1"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

# Text that must never reach a reader: reprs of objects that a cell displayed instead of the intended output.
JUNK = [
    (re.compile(r"<Figure size \d+x\d+"), "a matplotlib Figure repr (end the cell with plt.show())"),
    (re.compile(r"<(matplotlib|Axes|BarContainer|mpl_toolkits)[\w.]*[: ]"), "a matplotlib object repr"),
    (re.compile(r"\bText\(\d+(\.\d+)?, \d+(\.\d+)?, '"), "a matplotlib Text repr (bind it: _ = ax.set_title(...))"),
    (re.compile(r"\[<matplotlib\."), "a list of matplotlib artists"),
    (re.compile(r"\b(HBox|VBox|IntProgress|FloatProgress|Output|Layout)\(\w*"), "a raw ipywidgets repr"),
    (re.compile(r"\bobject at 0x[0-9a-fA-F]+"), "a default object repr with an address"),
    (re.compile(r"\b0x[0-9a-fA-F]{8,}\b"), "a memory address"),
]
# Raw TeX in the prose means MathJax (or dollarmath) did not typeset it.
RAW_TEX = [
    (re.compile(r"\$\$"), "$$"),
    (re.compile(r"\\\(|\\\)"), r"\( or \)"),
    (re.compile(r"\\\[|\\\]"), r"\[ or \]"),
    (re.compile(r"\\begin\{"), r"\begin{"),
    (re.compile(r"\$[^$\n]*[\\^_{}][^$\n]*\$"), "$...$ with TeX inside"),
]


def _skip_or_fail(reason: str):
    if REQUIRED:
        pytest.fail(reason)
    pytest.skip(reason)


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM") or "/usr/bin/chromium"
    if Path(candidate).is_file():
        return candidate
    return shutil.which("chromium") or shutil.which("chromium-browser")


def toc_files(config_root: Path = BOOK_ROOT) -> list[str]:
    """Every ``file`` of _toc.yml (root first), as paths without extension relative to the book root."""
    toc = yaml.safe_load((config_root / "_toc.yml").read_text(encoding="utf-8"))
    files = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                files.append(node["file"])
            for key in ("parts", "chapters", "sections"):
                for child in node.get(key, []) or []:
                    walk(child)
        elif isinstance(node, list):
            for child in node:
                walk(child)

    walk(toc)
    return [str(Path(f).with_suffix("")) if Path(f).suffix in (".md", ".ipynb") else f for f in files]


def repository_url(config_root: Path = BOOK_ROOT) -> str:
    config = yaml.safe_load((config_root / "_config.yml").read_text(encoding="utf-8")) or {}
    return str((config.get("repository") or {}).get("url") or "").strip()


def html_pages() -> list[str]:
    """Every HTML page of the build, relative to its root (assets under _static/_sources/_images excluded)."""
    if not (HTML / "index.html").is_file():
        return []
    skip = {"_static", "_sources", "_images", "_sphinx_design_static", "_panels_static"}
    return sorted(
        p.relative_to(HTML).as_posix()
        for p in HTML.rglob("*.html")
        if not (set(p.relative_to(HTML).parts[:-1]) & skip)
    )


PAGES = html_pages()


@pytest.fixture(scope="module")
def server():
    if not (HTML / "index.html").is_file():
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    handler = functools.partial(_QuietHandler, directory=str(HTML))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002 - the signature of the base class
        pass


@pytest.fixture(scope="module")
def browser():
    executable = chromium_path()
    if executable is None:
        _skip_or_fail("Chromium is not installed (Debian: apt-get install chromium chromium-driver; `make browser`)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _skip_or_fail("Playwright is not installed (it is in requirements.txt: `make venv`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


class PageVisit:
    """A page opened in a fresh context, with everything that went wrong while loading it."""

    def __init__(self, browser, base: str, path: str):
        self.base = base
        self.origin = urlsplit(base).netloc
        self.errors: list[str] = []
        self.failed: list[str] = []
        self.foreign: list[str] = []
        self.context = browser.new_context(viewport={"width": 1280, "height": 900},
                                           color_scheme="light", service_workers="block")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught exception: {exc}"))
        self.page.on("requestfailed", lambda req: self.failed.append(f"{req.url} ({req.failure})"))
        self.page.on("response", self._response)
        self.response = self.page.goto(urljoin(base, path), wait_until="load")

    def _route(self, route):
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == self.origin:
            route.continue_()
        else:
            self.foreign.append(url)
            route.abort()

    def _console(self, msg):
        if msg.type == "error":
            self.errors.append(f"console error: {msg.text} ({msg.location.get('url', '')})")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url} (HTTP {response.status})")

    def close(self):
        self.context.close()

    def wait_for_math(self) -> dict:
        """Wait until MathJax has typeset the page (if it has math); return counts for the assertions."""
        return self.page.evaluate(
            """async () => {
                const math = document.querySelectorAll('.math');
                const info = {math: math.length, loaded: false, typeset: 0, raw: []};
                if (math.length === 0) return info;
                const t0 = Date.now();
                while (!(window.MathJax && MathJax.startup && MathJax.startup.promise) && Date.now() - t0 < 20000) {
                    await new Promise(r => setTimeout(r, 50));
                }
                if (!(window.MathJax && MathJax.startup && MathJax.startup.promise)) return info;
                info.loaded = true;
                await MathJax.startup.promise;
                for (const el of math) {
                    if (el.querySelector('mjx-container')) info.typeset += 1;
                    else info.raw.push(el.textContent.slice(0, 80));
                }
                return info;
            }"""
        )

    def prose_text(self) -> str:
        """Visible text of the article without code blocks and outputs (where $ and backslashes are legitimate)."""
        return self.page.evaluate(
            """() => {
                const article = document.querySelector('article') || document.body;
                const copy = article.cloneNode(true);
                copy.querySelectorAll('pre, code, .highlight, .cell_output, .output, mjx-container, script, style')
                    .forEach(el => el.remove());
                return copy.innerText;
            }"""
        )

    def shown_text(self) -> str:
        """What the page shows besides code a reader typed: prose, outputs, signatures (no code cell inputs, no
        inline code literals, where a hex constant such as 0x60EA0000 is legitimate)."""
        return self.page.evaluate(
            """() => {
                const copy = document.body.cloneNode(true);
                copy.querySelectorAll('.cell_input, code.literal, script, style').forEach(el => el.remove());
                return copy.innerText;
            }"""
        )

    def images(self) -> list[dict]:
        return self.page.evaluate(
            """async () => {
                const imgs = Array.from(document.images);
                imgs.forEach(img => { img.loading = 'eager'; });
                await Promise.all(imgs.map(img => img.decode().catch(() => null)));
                return imgs.map(img => ({src: img.currentSrc || img.src, complete: img.complete,
                                         width: img.naturalWidth}));
            }"""
        )

    def links(self, selector: str = "a[href]") -> list[dict]:
        return self.page.eval_on_selector_all(
            selector, "els => els.map(a => ({href: a.href, raw: a.getAttribute('href'), text: a.innerText}))"
        )

    def local_path(self, url: str) -> str | None:
        """The build-relative file a same-origin URL points at (None for another origin)."""
        parts = urlsplit(url)
        if parts.netloc != self.origin:
            return None
        path = unquote(parts.path).lstrip("/")
        return path + "index.html" if path == "" or path.endswith("/") else path


def _problems(visit: PageVisit) -> list[str]:
    problems = [*visit.errors, *(f"failed request: {f}" for f in visit.failed)]
    problems += [f"request to another host: {u}" for u in visit.foreign]
    return problems


@pytest.mark.parametrize("path", PAGES or ["<no built book>"])
def test_page(browser, server, path):
    if not PAGES:
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    visit = PageVisit(browser, server, path)
    try:
        assert visit.response is not None and visit.response.ok, f"{path}: HTTP {visit.response and visit.response.status}"
        if path == "index.html":  # Jupyter Book's redirect to the root document
            visit.page.wait_for_url(re.compile(r"/book/intro\.html"), timeout=10000)
        math = visit.wait_for_math()
        visit.page.wait_for_load_state("networkidle")
        problems = _problems(visit)

        if math["math"]:
            if not math["loaded"]:
                problems.append(f"{math['math']} formulas but MathJax did not load")
            problems += [f"formula not typeset: {raw!r}" for raw in math["raw"]]
        text = visit.prose_text()
        for pattern, what in RAW_TEX:
            for m in pattern.finditer(text):
                problems.append(f"raw TeX ({what}) in the text: ...{text[max(0, m.start() - 40):m.end() + 40]!r}...")
        full_text = visit.shown_text()
        for pattern, what in JUNK:
            for m in pattern.finditer(full_text):
                problems.append(f"{what}: ...{full_text[max(0, m.start() - 40):m.end() + 40]!r}...")

        for img in visit.images():
            if not img["complete"] or img["width"] == 0:
                problems.append(f"image not loaded: {img['src']}")

        for link in visit.links():
            raw = (link["raw"] or "").strip()
            if raw == "" or raw.startswith("javascript:"):
                problems.append(f"link with no target: {link['text'].strip()!r} (href={raw!r})")
                continue
            if re.search(r"github\.com//|/None/|\{\{|%7B%7B|example\.com|OWNER/REPO", link["href"]):
                problems.append(f"placeholder link: {link['href']}")
            local = visit.local_path(link["href"])
            if local is not None and not (HTML / local).is_file():
                problems.append(f"dead internal link: {link['raw']} -> {local}")

        unfolded = visit.page.eval_on_selector_all(
            ".admonition.solution",
            # sphinx-togglebutton folds `.admonition.dropdown` on load and marks it `toggle-hidden`
            "els => els.filter(el => !el.classList.contains('toggle-hidden')).map(el => el.id)",
        )
        problems += [f"solution not folded (use :class: dropdown): {sol}" for sol in unfolded]

        doc = path.removesuffix(".html")
        if doc in _chapter_notebooks():
            problems += button_problems(visit, doc, repository_url())

        if visit.page.is_visible("#pst-header .search-button-field"):
            problems.append("a second search bar in a full-width header (pydata-sphinx-theme's navbar_persistent)")

        sidebar = visit.links("#pst-primary-sidebar a[href], .bd-sidebar-primary a[href]")
        in_sidebar = {visit.local_path(link["href"]) for link in sidebar}
        if path != "index.html":
            for doc in toc_files():
                if f"{doc}.html" not in in_sidebar:
                    problems.append(f"sidebar does not list {doc} (from _toc.yml)")

        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        shot = SCREENSHOTS / (path.removesuffix(".html").replace("/", "__") + ".png")
        visit.page.screenshot(path=str(shot), full_page=True)
        assert not problems, f"{path}:\n  " + "\n  ".join(problems)
    finally:
        visit.close()


def test_search_finds_the_softmax_chapter(browser, server):
    if "search.html" not in PAGES:
        _skip_or_fail(f"no search page in {HTML}: run `make book` first")
    visit = PageVisit(browser, server, "search.html?q=softmax")
    try:
        visit.page.wait_for_function(
            "() => document.querySelectorAll('#search-results ul.search li a').length > 0"
            " || /did not match/.test(document.querySelector('#search-results')?.innerText || '')",
            timeout=20000,
        )
        hits = {visit.local_path(link["href"]) for link in visit.links("#search-results ul.search li a")}
        assert "book/softmax.html" in hits, f"search for 'softmax' returned {sorted(h for h in hits if h)}"
        visit.page.screenshot(path=str(SCREENSHOTS / "search__q=softmax.png"), full_page=True)
        assert not _problems(visit), _problems(visit)
    finally:
        visit.close()


def _chapter_notebooks() -> list[str]:
    return [doc for doc in toc_files() if (BOOK_ROOT / f"{doc}.ipynb").is_file()]


def button_problems(visit: PageVisit, doc: str, url: str) -> list[str]:
    """A chapter notebook's header: .ipynb download always; Colab, Binder and repository buttons iff a URL."""
    problems = []
    downloads = [link for link in visit.links(".dropdown-download-buttons a[href]") if link["href"].endswith(".ipynb")]
    if not downloads:
        problems.append("no .ipynb download button")
    for link in downloads:
        local = visit.local_path(link["href"])
        if local is None or not (HTML / local).is_file():
            problems.append(f"the .ipynb download link is dead: {link['href']}")
    launch = [link["href"] for link in visit.links(".dropdown-launch-buttons a[href]")]
    repo = [link["href"] for link in visit.links("a.btn-source-repository-button")]
    header = [link["href"] for link in visit.links(".article-header-buttons a[href]")]
    if url:
        org_repo = "/".join(urlsplit(url).path.strip("/").split("/")[:2]).removesuffix(".git")
        if not any(h.startswith(f"https://colab.research.google.com/github/{org_repo}/blob/")
                   and h.endswith(f"/{doc}.ipynb") for h in launch):
            problems.append(f"no Colab button for {org_repo} (got {launch})")
        if not any(h.startswith(f"https://mybinder.org/v2/gh/{org_repo}/") and f"{doc}.ipynb" in h for h in launch):
            problems.append(f"no Binder button for {org_repo} (got {launch})")
        if url.rstrip("/") not in [h.rstrip("/") for h in repo]:
            problems.append(f"no repository button to {url} (got {repo})")
    else:
        if launch or visit.page.query_selector(".dropdown-launch-buttons"):
            problems.append(f"launch buttons without a repository.url: {launch}")
        if repo:
            problems.append(f"repository button without a repository.url: {repo}")
        hosts = ("colab.research.google.com", "mybinder.org", "github.com", "gitlab.com")
        problems += [f"header button to {h} without a repository.url" for h in header if urlsplit(h).netloc in hosts]
    return problems


def test_every_chapter_gets_the_buttons_check():
    """test_page checks the buttons of each chapter notebook; make sure there are chapters for it to check."""
    if not PAGES:
        _skip_or_fail(f"no built book in {HTML}: run `make book` first")
    chapters = _chapter_notebooks()
    if not chapters:
        pytest.skip("no chapter notebook in _toc.yml yet")
    assert all(f"{doc}.html" in PAGES for doc in chapters), f"chapters not built: {chapters}"
