"""Put a pinned copy of MathJax 3 into .vendor/static/mathjax so the book renders math with no network.

Run by ``make mathjax`` (a dependency of ``make book``). Idempotent: when the copy for the pinned version is
already there it does nothing. Otherwise it asks the npm registry for the tarball with ``npm pack`` (npm checks
the registry's sha512 integrity), checks the tarball against the sha256 recorded below, and extracts the parts
of the ``es5`` build that the book uses. ``_config.yml`` serves the folder through ``html_static_path`` and
points ``mathjax_path`` at ``mathjax/tex-mml-chtml.js``.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "3.2.2"
# `npm view mathjax@3.2.2 dist.integrity` and the sha256 of the tarball `npm pack mathjax@3.2.2` writes.
NPM_INTEGRITY = "sha512-Bt+SSVU8eBG27zChVewOicYs7Xsdt40qm4+UpHyX7k0/O9NliPc+x77k1/FEsPsjKPZGJvtRZM1vO+geW0OhGw=="
SHA256 = "1b9c0a1c44df864e915690558e72adb9cc5203360daefd385084ced3b6c64c09"

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / ".vendor"
DEST = VENDOR / "static" / "mathjax"  # -> _build/html/_static/mathjax/
STAMP = DEST / f".mathjax-{VERSION}.sha256"
ENTRY = "tex-mml-chtml.js"  # the component Sphinx uses by default (TeX and MathML input, CommonHTML output)

# Parts of package/es5 to keep: the entry point, what it loads on demand (TeX extensions, the CommonHTML fonts),
# and what the MathJax context menu can switch on (accessibility: a11y, sre, ui). About 8 MB of the 24 MB.
KEEP = (
    f"es5/{ENTRY}",
    "es5/input/",
    "es5/output/chtml.js",
    "es5/output/chtml/",
    "es5/a11y/",
    "es5/sre/",
    "es5/ui/",
    "LICENSE",
)


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def up_to_date() -> bool:
    return STAMP.is_file() and STAMP.read_text().strip() == SHA256 and (DEST / ENTRY).is_file()


def npm_pack(workdir: Path) -> Path:
    """Download the pinned tarball with npm (from its cache when it has it); return its path."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch MathJax (Debian: apt-get install npm); `make mathjax` installs it as root.")
    tarball = VENDOR / f"mathjax-{VERSION}.tgz"
    if tarball.is_file() and sha256(tarball) == SHA256:
        return tarball
    subprocess.run(
        [npm, "pack", f"mathjax@{VERSION}", "--pack-destination", str(workdir), "--silent"],
        check=True, stdout=subprocess.DEVNULL,
    )
    got = workdir / f"mathjax-{VERSION}.tgz"
    if not got.is_file():
        sys.exit(f"npm pack did not write {got.name}")
    digest = sha256(got)
    if digest != SHA256:
        sys.exit(f"mathjax-{VERSION}.tgz: sha256 {digest} differs from the pinned {SHA256}; refusing to use it.")
    shutil.move(got, tarball)
    return tarball


def extract(tarball: Path) -> None:
    tmp = DEST.with_name(DEST.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    with tarfile.open(tarball, "r:gz") as tar:
        for member in tar.getmembers():
            name = member.name.removeprefix("package/")
            if not member.isfile() or not name.startswith(KEEP):
                continue
            rel = Path(name.removeprefix("es5/"))
            if rel.is_absolute() or ".." in rel.parts:
                sys.exit(f"unexpected path in the tarball: {member.name}")
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            with tar.extractfile(member) as src, target.open("wb") as dst:
                shutil.copyfileobj(src, dst)
    if not (tmp / ENTRY).is_file():
        sys.exit(f"{ENTRY} missing from mathjax-{VERSION}.tgz")
    (tmp / STAMP.name).write_text(SHA256 + "\n")
    shutil.rmtree(DEST, ignore_errors=True)
    tmp.rename(DEST)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="fetch and extract again")
    args = parser.parse_args(argv)
    if up_to_date() and not args.force:
        return 0
    VENDOR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=VENDOR) as workdir:
        tarball = npm_pack(Path(workdir))
        extract(tarball)
    files = sum(1 for p in DEST.rglob("*") if p.is_file())
    print(f"MathJax {VERSION} (sha256 {SHA256[:12]}...) in {DEST.relative_to(ROOT)}: {files} files")
    return 0


if __name__ == "__main__":
    sys.exit(main())
