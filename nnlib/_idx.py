"""The IDX files of MNIST and Fashion-MNIST: nnlib's own parser, where the files are found, and their verification.

An IDX file is a small header followed by one C-order array::

    bytes 0-1    0x00 0x00                      (the magic number starts with two zero bytes)
    byte  2      dtype code                     (0x08: unsigned byte, the only one these data sets use)
    byte  3      k, the number of dimensions    (3 for images (N, 28, 28), 1 for labels (N,))
    4k bytes     the k sizes, big-endian 32-bit integers
    the rest     prod(sizes) values, row-major

A file may be gzipped; that is recognised by the gzip magic bytes ``1f 8b``, not by the file name. Parsing only
reads numbers: nothing is unpickled or executed, and every inconsistency raises :class:`IDXFormatError`.

The files are searched in ``$NNLIB_DATA``, the Debian package, the pooch cache, then downloaded; the order and
the checks are described in :mod:`nnlib.data`, the public face of this module.
"""

import collections
import dataclasses
import functools
import gzip
import hashlib
import math
import os
import struct
import warnings
import zlib
from pathlib import Path

import numpy as np

__all__ = [
    "IDXFormatError", "ChecksumError", "DataNotFoundError", "DataFile", "DATASETS", "FILES",
    "decompress", "parse_idx", "read_idx", "fetch_data", "load_all",
]

GZIP_MAGIC = b"\x1f\x8b"
UBYTE = 0x08
# The other codes of the IDX specification, named in error messages only: nnlib reads unsigned bytes.
_DTYPE_NAMES = {0x08: "unsigned byte", 0x09: "signed byte", 0x0B: "int16", 0x0C: "int32", 0x0D: "float32",
                0x0E: "float64"}
_FIX = "Delete the file and fetch it again (python -m nnlib fetch-data)."


class IDXFormatError(ValueError):
    """The bytes are not a well-formed uint8 IDX file, or its gzip stream is truncated or corrupt."""


class ChecksumError(ValueError):
    """A file's uncompressed content does not have the expected SHA-256.

    Attributes:
        path: the file.
        expected: the expected SHA-256 (hex) of the uncompressed content.
        actual: the SHA-256 (hex) computed from the file.
    """

    def __init__(self, message, path=None, expected=None, actual=None):
        super().__init__(message)
        self.path, self.expected, self.actual = path, expected, actual


def decompress(raw, name):
    """Return the IDX bytes of ``raw``: gunzipped if it starts with the gzip magic, unchanged otherwise.

    Raises:
        IDXFormatError: the gzip stream is truncated, corrupt or fails its CRC check.
    """
    if raw[:2] != GZIP_MAGIC:
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise IDXFormatError(f"{name}: the gzip stream is truncated or corrupt ({exc}). {_FIX}") from None


def parse_idx(data, name="<bytes>"):
    """Parse uncompressed IDX bytes into a read-only uint8 array (no copy: it views ``data``).

    Args:
        data: the bytes of an uncompressed IDX file.
        name: the file name, used in error messages.

    Returns:
        A read-only uint8 ndarray with the shape given by the header, e.g. (N, 28, 28) or (N,).

    Raises:
        IDXFormatError: bad magic, a dtype code other than 0x08, no dimensions, a truncated header or payload,
            or bytes left over after the declared array.
    """
    data = bytes(data)
    if len(data) < 4:
        raise IDXFormatError(f"{name}: {len(data)} bytes is too short for an IDX header (at least 4). {_FIX}")
    if data[:2] != b"\x00\x00":
        hint = " It looks gzipped but was not decompressed." if data[:2] == GZIP_MAGIC else ""
        raise IDXFormatError(
            f"{name}: bad magic number: an IDX file starts with bytes 00 00, got {data[:2].hex(' ')}. "
            f"This is not an IDX file (expected e.g. train-images-idx3-ubyte, gzipped or not).{hint}"
        )
    code, ndim = data[2], data[3]
    if code != UBYTE:
        kind = _DTYPE_NAMES.get(code, "not an IDX type")
        raise IDXFormatError(
            f"{name}: wrong dtype code 0x{code:02x} ({kind}); expected 0x08 (unsigned byte), as in every MNIST "
            "and Fashion-MNIST file."
        )
    if ndim == 0:
        raise IDXFormatError(f"{name}: the header declares 0 dimensions; expected 1 (labels) or 3 (images).")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise IDXFormatError(
            f"{name}: truncated header: {ndim} dimensions need {header} header bytes, the file has {len(data)}. "
            f"{_FIX}"
        )
    shape = struct.unpack(f">{ndim}I", data[4:header])
    expected = math.prod(shape)
    given = len(data) - header
    if given < expected:
        raise IDXFormatError(
            f"{name}: truncated data: the header declares shape {shape}, that is {expected} bytes, but only "
            f"{given} follow. {_FIX}"
        )
    if given > expected:
        raise IDXFormatError(
            f"{name}: size mismatch: the header declares shape {shape}, that is {expected} bytes, but {given} "
            f"follow ({given - expected} extra). The header or the file is corrupt. {_FIX}"
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(shape)


def read_idx(path, sha256=None, ndim=None):
    """Read an IDX file (gzipped or not), check its content hash and its number of dimensions, parse it.

    Args:
        path: the file.
        sha256: expected SHA-256 (hex) of the *uncompressed* IDX bytes, or None to skip the check. Hashing the
            content rather than the archive accepts any re-compression of the same data.
        ndim: expected number of dimensions (3 for images, 1 for labels), or None.

    Returns:
        A read-only uint8 ndarray (see :func:`parse_idx`).

    Raises:
        IDXFormatError: see :func:`parse_idx` and :func:`decompress`; also a wrong number of dimensions.
        ChecksumError: the content's SHA-256 differs from ``sha256``.
    """
    name = os.fspath(path)
    with open(path, "rb") as f:
        data = decompress(f.read(), name)
    if sha256 is not None:
        actual = hashlib.sha256(data).hexdigest()
        if actual != sha256:
            raise ChecksumError(
                f"{name}: SHA-256 of the uncompressed content is {actual}, expected {sha256}: the file is corrupt, "
                "truncated or not the expected file.", path=name, expected=sha256, actual=actual,
            )
    array = parse_idx(data, name)
    if ndim is not None and array.ndim != ndim:
        raise IDXFormatError(f"{name}: expected {ndim} dimensions, the header declares shape {array.shape}.")
    return array


FILES = ("train-images-idx3-ubyte", "train-labels-idx1-ubyte", "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")


@dataclasses.dataclass(frozen=True)
class _Dataset:
    key: str  # also the name of its subdirectory in $NNLIB_DATA and in the cache
    title: str
    url: str  # the published .gz files are url + name + ".gz"
    debian_dir: str | None
    debian_package: str | None
    archive_hash: dict  # name -> pooch known_hash of the published .gz, checked on download
    content_sha256: dict  # name -> SHA-256 of the uncompressed IDX bytes, checked on every load


# Fashion-MNIST. content_sha256: computed on the build machine from the Debian package dataset-fashion-mnist
# (0.0~git20200523.55506a9-1) with `zcat FILE | sha256sum`; independent projects that hash the official downloads
# list the same values. archive_hash: the MD5s of the .gz files published in the Fashion-MNIST README (also used by
# torchvision); the Debian archives are re-gzipped, so these are checked on download only.
# MNIST: both sets of SHA-256 are the widely published ones (the .gz and the uncompressed IDX content, agreeing
# across several independent projects; torchvision checks the same archives by MD5, f68b3c2d..., d53e105e...,
# 9fb629c4..., ec29112d...). No MNIST copy exists on the build machine, so they were not recomputed here; both
# the archive (on download) and the content (on every load) are verified all the same.
_DATASETS = {
    "fashion-mnist": _Dataset(
        "fashion-mnist", "Fashion-MNIST", "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
        "/usr/share/datasets/fashion-mnist", "dataset-fashion-mnist",
        {"train-images-idx3-ubyte": "md5:8d4fb7e6c68d591d4c3dfef9ec88bf0d",
         "train-labels-idx1-ubyte": "md5:25c81989df183df01b3e8a0aad5dffbe",
         "t10k-images-idx3-ubyte": "md5:bef4ecab320f06d8554ea6380940ec79",
         "t10k-labels-idx1-ubyte": "md5:bb300cfdad3c16e7a12a480ee83cd310"},
        {"train-images-idx3-ubyte": "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
         "train-labels-idx1-ubyte": "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
         "t10k-images-idx3-ubyte": "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
         "t10k-labels-idx1-ubyte": "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34"},
    ),
    "mnist": _Dataset(
        "mnist", "MNIST", "https://ossci-datasets.s3.amazonaws.com/mnist/", None, None,
        {"train-images-idx3-ubyte": "sha256:440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
         "train-labels-idx1-ubyte": "sha256:3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
         "t10k-images-idx3-ubyte": "sha256:8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
         "t10k-labels-idx1-ubyte": "sha256:f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"},
        {"train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
         "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
         "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
         "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2"},
    ),
}
#: Names of the data sets nnlib can load: ``("fashion-mnist", "mnist")``.
DATASETS = tuple(_DATASETS)


class DataNotFoundError(FileNotFoundError):
    """A data file is in none of the places searched and could not be downloaded; the message says how to get it."""


DataFile = collections.namedtuple("DataFile", ["name", "path", "source"])
DataFile.__doc__ = "One verified IDX file, as returned by :func:`fetch_data`."
DataFile.name.__doc__ = "The published name without ``.gz``, e.g. ``train-images-idx3-ubyte``."
DataFile.path.__doc__ = "The file read (a ``pathlib.Path``), gzipped or not."
DataFile.source.__doc__ = "Where it came from, e.g. ``Debian package dataset-fashion-mnist (/usr/share/...)``."


def _cache_root():
    import pooch  # imported lazily: only the cache and the download need it

    return Path(pooch.os_cache("nnlib"))


def _downloader():
    import pooch

    return pooch.HTTPDownloader(timeout=60, progressbar=False)


def _check_dir(d, what):
    """Raise a clear error unless ``d`` is a readable directory."""
    if not d.exists():
        raise FileNotFoundError(f"{what} {d} does not exist. Create it with the data files, or fix the path.")
    if not d.is_dir():
        raise NotADirectoryError(f"{what} {d} is a file, not a directory. Point it at the directory of the files.")
    try:
        os.listdir(d)
    except PermissionError as exc:
        raise PermissionError(
            f"{what} {d} cannot be read ({exc.strerror}). Fix its permissions (chmod a+rx {d}) or use another "
            "directory."
        ) from None


def _local_dirs(ds):
    """The (directory, source) pairs searched before the cache, in order."""
    dirs = []
    env = os.environ.get("NNLIB_DATA", "")
    if env:
        root = Path(env).expanduser()
        _check_dir(root, "NNLIB_DATA:")
        if (root / ds.key).is_dir():
            _check_dir(root / ds.key, "NNLIB_DATA:")
            dirs.append((root / ds.key, "$NNLIB_DATA"))
        dirs.append((root, "$NNLIB_DATA"))
    if ds.debian_dir and Path(ds.debian_dir).exists():
        _check_dir(Path(ds.debian_dir), f"The {ds.debian_package} directory")
        dirs.append((Path(ds.debian_dir), f"Debian package {ds.debian_package}"))
    return dirs


@functools.lru_cache(maxsize=8)
def _read_verified(path, size, mtime_ns, sha256, ndim):
    # Keyed by size and mtime too, so a replaced file is read again. The arrays are read-only: callers copy.
    return read_idx(path, sha256=sha256, ndim=ndim)


def _read(path, ds, name):
    st = os.stat(path)
    ndim = 3 if "images" in name else 1
    return _read_verified(os.fspath(path), st.st_size, st.st_mtime_ns, ds.content_sha256[name], ndim)


def _checksum_hint(exc, ds, name, source):
    for other in _DATASETS.values():
        if other is not ds and other.content_sha256.get(name) == exc.actual:
            return (f" It is the {other.title} file: put {ds.title} in $NNLIB_DATA/{ds.key}/ and {other.title} in "
                    f"$NNLIB_DATA/{other.key}/.")
    if source.startswith("Debian"):
        return f" Reinstall the package: sudo apt-get install --reinstall {ds.debian_package}"
    return f" Replace it with the official {ds.title} file ({ds.url}{name}.gz), or unset NNLIB_DATA."


def _not_found(ds, name, url, exc):
    looked = [f"$NNLIB_DATA ({os.environ.get('NNLIB_DATA') or 'not set'})"]
    ways = []
    if ds.debian_dir:
        looked.append(f"{ds.debian_dir} (package {ds.debian_package})")
        ways.append(f"install the Debian package: sudo apt-get install {ds.debian_package}")
    looked.append(f"the cache {_cache_root() / ds.key}")
    ways.append(f"download the four files from {ds.url} (e.g. {url}) into a directory and set "
                "NNLIB_DATA=/dir/with/files")
    ways.append("or, with internet access, run: python -m nnlib fetch-data --dataset " + ds.key)
    return (f"{ds.title} file {name} was not found and could not be downloaded ({type(exc).__name__}: {exc}). "
            f"Looked in: {'; '.join(looked)}. To get it: " + "; ".join(ways) + ".")


def _load_file(ds, name):
    """Find, verify and parse one file: returns (read-only array, DataFile)."""
    for d, source in _local_dirs(ds):
        for path in (d / f"{name}.gz", d / name):
            if path.is_file():
                try:
                    return _read(path, ds, name), DataFile(name, path, f"{source} ({d})")
                except ChecksumError as exc:
                    raise ChecksumError(str(exc) + _checksum_hint(exc, ds, name, source), exc.path, exc.expected,
                                        exc.actual) from None
    cache = _cache_root() / ds.key
    path = cache / f"{name}.gz"
    if path.is_file():
        try:
            return _read(path, ds, name), DataFile(name, path, f"the nnlib cache ({cache})")
        except (ChecksumError, IDXFormatError) as exc:
            warnings.warn(f"Corrupt file in the nnlib cache, downloading it again: {exc}", RuntimeWarning,
                          stacklevel=2)
            path.unlink(missing_ok=True)
    url = f"{ds.url}{name}.gz"
    try:
        import pooch

        pooch.retrieve(url, known_hash=ds.archive_hash[name], fname=path.name, path=cache, downloader=_downloader())
        array = _read(path, ds, name)
    except (OSError, ValueError) as exc:  # no network (requests errors are OSErrors), a hash mismatch, no space
        raise DataNotFoundError(_not_found(ds, name, url, exc)) from exc
    return array, DataFile(name, path, f"a download from {ds.url} into the nnlib cache ({cache})")


def fetch_data(dataset="fashion-mnist"):
    """Find (or download) and verify the four IDX files of ``dataset``, in the order given in :mod:`nnlib.data`.

    Args:
        dataset: ``"fashion-mnist"`` or ``"mnist"``.

    Returns:
        A list of four :class:`DataFile` (train images, train labels, test images, test labels).

    Raises:
        DataNotFoundError: a file is nowhere and cannot be downloaded; the message says how to get it.
        ChecksumError, IDXFormatError: a file is corrupt, or not the expected one.
        FileNotFoundError, NotADirectoryError, PermissionError: ``$NNLIB_DATA`` is not a readable directory.
    """
    return [f for _, f in load_all(dataset, "fetch_data").values()]


def load_all(dataset, where):
    """Find and verify the four files of ``dataset``: ``{name: (read-only array, DataFile)}``."""
    if dataset not in _DATASETS:
        raise ValueError(f"{where}: unknown data set {dataset!r}; expected one of {', '.join(DATASETS)}.")
    ds = _DATASETS[dataset]
    out = {name: _load_file(ds, name) for name in FILES}
    for split in ("train", "t10k"):
        (X, fx), (y, fy) = out[f"{split}-images-idx3-ubyte"], out[f"{split}-labels-idx1-ubyte"]
        if X.shape[0] != y.shape[0]:
            raise IDXFormatError(f"{where}: image and label counts disagree: {fx.path} holds {X.shape[0]} images "
                                 f"but {fy.path} holds {y.shape[0]} labels. The files come from different sets.")
    return out
