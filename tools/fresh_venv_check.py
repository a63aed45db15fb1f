"""Run every chapter notebook the way a reader would: nnlib from a wheel, in a new venv, far from this repository.

    python tools/fresh_venv_check.py            # make test-fresh
    python tools/fresh_venv_check.py --keep     # leave the temporary directory for inspection

Steps, timed:
1. build a wheel of nnlib (``uv build --wheel``, or ``pip wheel . --no-deps``) into a temporary directory
   outside the repository;
2. create a venv there (a plain venv, no ``--system-site-packages``; with uv when it is installed, which links
   packages from its cache in seconds, else with ``venv`` and pip) and install the wheel plus what a reader
   needs to run the chapters: numpy, matplotlib, scikit-learn, pooch (nnlib's dependencies), myst-nb (``glue``),
   ipykernel, nbval and pytest. Versions are pinned to the ones in the project's .venv (``pip freeze``; they
   satisfy requirements.txt), so the outputs compare equal and the installer takes the wheels from its cache;
3. copy the chapter notebooks (the ``.ipynb`` files only) into an empty directory and run strict nbval there
   with that directory as the working directory, ``PYTHONNOUSERSITE=1`` and no ``PYTHONPATH``, after checking
   that ``import nnlib`` resolves inside the new venv. Fashion-MNIST comes from the same places as in the repo
   (``$NNLIB_DATA``, ``/usr/share/datasets/fashion-mnist``, nnlib's cache under the user's cache directory):
   none of them is inside the repository.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
# What a reader installs next to nnlib to run the chapters (nnlib's own dependencies come with the wheel).
READER_PACKAGES = ["numpy", "matplotlib", "scikit-learn", "pooch", "myst-nb", "ipykernel", "nbval", "pytest"]


def log(msg: str) -> None:
    print(f"[test-fresh] {msg}", flush=True)


def run(cmd: list[str], **kwargs) -> None:
    """Run quietly; on failure show what the command printed and stop."""
    result = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            **kwargs)
    if result.returncode != 0:
        print(result.stdout, file=sys.stderr)
        sys.exit(f"[test-fresh] failed ({result.returncode}): {' '.join(map(str, cmd))}")


def chapter_notebooks() -> list[Path]:
    return sorted(p for p in BOOK.rglob("*.ipynb") if ".ipynb_checkpoints" not in p.parts and "_build" not in p.parts)


def packages_missing_from(wheel: Path) -> list[str]:
    """Packages of nnlib/ (folders with an __init__.py) that the wheel does not contain."""
    with zipfile.ZipFile(wheel) as zf:
        in_wheel = {str(Path(name).parent) for name in zf.namelist() if name.endswith("/__init__.py")}
    in_repo = {p.parent.relative_to(ROOT).as_posix() for p in (ROOT / "nnlib").rglob("__init__.py")
               if "__pycache__" not in p.parts}
    return sorted(in_repo - in_wheel)


def pinned_versions(python: str) -> dict[str, str]:
    """name -> version of every package installed in the project's venv (editable installs left out)."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"], check=True, capture_output=True,
                         text=True).stdout
    pins = {}
    for line in out.splitlines():
        m = re.match(r"^([A-Za-z0-9_.\-]+)==([^\s;]+)", line)
        if m:
            pins[m.group(1).lower().replace("_", "-")] = m.group(2)
    return pins


def clean_env(venv: Path) -> dict[str, str]:
    # A reader's Jupyter: no PYTHONPATH, no other venv, and no MPLBACKEND (the kernel's inline backend must draw
    # the figures that the stored outputs contain; MPLBACKEND=Agg would leave plotting cells without output).
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PYTHON", "VIRTUAL_ENV", "JUPYTER", "CONDA", "MPLBACKEND"))}
    env.update({
        "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
        "VIRTUAL_ENV": str(venv),
        "PYTHONNOUSERSITE": "1",
        "PYTHONHASHSEED": "0",
        "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    })
    return env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--project-python", default=str(ROOT / ".venv" / "bin" / "python"),
                        help="python of the project's venv, whose versions are pinned (default: .venv)")
    parser.add_argument("--base-python", default=sys.executable,
                        help="interpreter that creates the fresh venv (default: the one running this script)")
    parser.add_argument("--installer", choices=("auto", "uv", "pip"), default="auto",
                        help="auto: uv when installed (seconds from its cache), else pip")
    args = parser.parse_args(argv)

    notebooks = chapter_notebooks()
    if not notebooks:
        log("no chapter notebook under book/: nothing to run")
        return 0
    base_python = args.base_python
    if Path(base_python).resolve().is_relative_to(ROOT):  # a venv of the repo: use the interpreter behind it
        base_python = subprocess.run([base_python, "-c", "import sys; print(sys._base_executable)"],
                                     check=True, capture_output=True, text=True).stdout.strip()
    uv = None
    if args.installer in ("auto", "uv"):
        uv = shutil.which("uv", path=str(Path(args.project_python).parent)) or shutil.which("uv")
        if uv is None and args.installer == "uv":
            sys.exit("uv is not installed (it is in requirements.txt: `make venv`)")
    tmp = Path(tempfile.mkdtemp(prefix="nnlib-fresh-"))
    if tmp.resolve().is_relative_to(ROOT):
        sys.exit(f"the temporary directory {tmp} is inside the repository; set TMPDIR elsewhere")
    times: dict[str, float] = {}
    try:
        t = time.perf_counter()
        wheels = tmp / "wheels"
        if uv:
            run([uv, "build", "--quiet", "--wheel", "--out-dir", wheels, ROOT])
        else:
            run([args.project_python, "-m", "pip", "wheel", "--quiet", "--no-deps", "--wheel-dir", wheels, ROOT])
        wheel = next(wheels.glob("nnlib-*.whl"))
        times["wheel"] = time.perf_counter() - t
        log(f"built {wheel.name} ({times['wheel']:.1f} s)")
        missing = packages_missing_from(wheel)
        if missing:
            sys.exit(f"[test-fresh] the wheel lacks the package(s) {', '.join(missing)}: list every package in "
                     "pyproject.toml, e.g. [tool.setuptools.packages.find] include = [\"nnlib*\"]")

        t = time.perf_counter()
        venv = tmp / "venv"
        python = venv / "bin" / "python"
        pins = pinned_versions(args.project_python)
        constraints = tmp / "constraints.txt"
        constraints.write_text("".join(f"{name}=={version}\n" for name, version in sorted(pins.items())))
        env = clean_env(venv)
        if uv:  # same venv layout and versions; uv links the packages from its cache instead of unpacking them
            run([uv, "venv", "--quiet", "--python", base_python, venv], cwd=tmp)
            run([uv, "pip", "install", "--quiet", "--python", python, "--constraint", constraints, wheel,
                 *READER_PACKAGES], env=env, cwd=tmp)
        else:
            run([base_python, "-m", "venv", venv])
            run([python, "-m", "pip", "install", "--quiet", "--no-compile", "--constraint", constraints, wheel,
                 *READER_PACKAGES], env=env, cwd=tmp)
        times["venv"] = time.perf_counter() - t
        log(f"venv ({'uv' if uv else 'pip'}) with the wheel and {', '.join(READER_PACKAGES)} "
            f"({times['venv']:.1f} s)")

        work = tmp / "notebooks"
        work.mkdir()
        copies = []
        for nb in notebooks:
            target = work / nb.relative_to(BOOK)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(nb, target)
            copies.append(target.relative_to(work))
        probe = subprocess.run([python, "-c", "import nnlib, nnlib.check; print(nnlib.__file__)"], env=env,
                               cwd=work, capture_output=True, text=True)
        if probe.returncode != 0:
            print(probe.stderr, file=sys.stderr)
            sys.exit("[test-fresh] `import nnlib` fails in the fresh venv")
        where = probe.stdout.strip()
        if not Path(where).resolve().is_relative_to(venv.resolve()):
            sys.exit(f"nnlib was imported from {where}, not from the fresh venv {venv}")
        log(f"nnlib imports from the wheel ({where})")

        t = time.perf_counter()
        result = subprocess.run(
            [python, "-m", "pytest", "--nbval", "--nbval-current-env", "-p", "no:cacheprovider", "-q",
             *map(str, copies)],
            env=env, cwd=work,
        )
        times["nbval"] = time.perf_counter() - t
        total = sum(times.values())
        log(f"nbval over {len(copies)} notebook(s): {'passed' if result.returncode == 0 else 'FAILED'} "
            f"({times['nbval']:.1f} s); total {total:.1f} s (wheel {times['wheel']:.1f}, venv {times['venv']:.1f},"
            f" nbval {times['nbval']:.1f})")
        return result.returncode
    finally:
        if args.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
