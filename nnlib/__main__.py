"""Command line of nnlib: ``python -m nnlib fetch-data [--dataset fashion-mnist|mnist]``.

``fetch-data`` finds (or downloads) a data set's four IDX files as :mod:`nnlib.data` does, checks the SHA-256 of
their uncompressed content against the official files, and prints one line saying where they came from. It exits
with status 1 and the reason (and how to get the files) on stderr when that fails.
"""

import argparse
import sys

from . import data

__all__ = ["main"]


def _fetch_data(dataset):
    try:
        files = data.fetch_data(dataset)
    except (OSError, ValueError) as exc:  # DataNotFoundError, ChecksumError, IDXFormatError, unreadable directory
        print(f"python -m nnlib fetch-data: {exc}", file=sys.stderr)
        return 1
    sources = {}
    for f in files:
        sources.setdefault(f.source, []).append(f.name)
    where = "; ".join(
        src if len(names) == len(files) else f"{', '.join(names)} from {src}" for src, names in sources.items()
    )
    title = {"fashion-mnist": "Fashion-MNIST", "mnist": "MNIST"}[dataset]
    print(f"{title}: {len(files)} files from {where}; SHA-256 of the uncompressed content matched the official files.")
    return 0


def main(argv=None):
    """Run the command line with ``argv`` (default ``sys.argv[1:]``); returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m nnlib", description="Tools of nnlib, the library of the book.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    fetch = commands.add_parser(
        "fetch-data", help="find, verify (or download) a data set's IDX files",
        description="Find the IDX files in $NNLIB_DATA, the Debian package, the nnlib cache, or download them; "
                    "verify their SHA-256; print where they came from.",
    )
    fetch.add_argument("--dataset", choices=data.DATASETS, default="fashion-mnist",
                       help="the data set (default: fashion-mnist)")
    args = parser.parse_args(argv)
    return _fetch_data(args.dataset)


if __name__ == "__main__":
    sys.exit(main())
