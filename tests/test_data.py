"""nnlib.data: the IDX parser and its errors, where files are found and how they are verified, the download cache,
the loaders' API, the CLI, and the array utilities (standardize, batches, validation_split, load_digits).

Everything runs offline on small IDX files written here: the Debian directory, the pooch cache and the downloader
are redirected into tmp_path, and the expected hashes are pinned to the small files. One test loads the real
Fashion-MNIST when the Debian package is installed.
"""

import dataclasses
import gzip
import hashlib
import os
import re
import struct
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import requests

from nnlib import _idx, data
from nnlib.__main__ import main
from nnlib._idx import ChecksumError, DataNotFoundError, IDXFormatError, parse_idx, read_idx

FILES = _idx.FILES
FASHION_URL = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"


# ---------------------------------------------------------------------------------------------------------------
# Helpers: IDX files written independently of the parser under test (header packed with struct).

def idx_bytes(array, code=0x08):
    array = np.asarray(array, dtype=np.uint8)
    return bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def write_idx(path, array, gz=True, code=0x08):
    raw = idx_bytes(array, code)
    path.write_bytes(gzip.compress(raw, mtime=0) if gz else raw)
    return path


def make_arrays(seed, n_train=12, n_test=5):
    rng = np.random.default_rng(seed)
    arrays = {
        "train-images-idx3-ubyte": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train-labels-idx1-ubyte": rng.integers(0, 10, n_train, dtype=np.uint8),
        "t10k-images-idx3-ubyte": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "t10k-labels-idx1-ubyte": rng.integers(0, 10, n_test, dtype=np.uint8),
    }
    arrays["train-images-idx3-ubyte"][0, 0, :2] = (0, 255)  # the extremes of the [0, 1] scaling
    return arrays


def write_set(directory, arrays, gz=True):
    directory.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        write_idx(directory / (name + ".gz" if gz else name), array, gz=gz)
    return directory


def pin(monkeypatch, key, arrays, archives=None):
    """Make the expected hashes of data set ``key`` those of ``arrays`` (and of the .gz bytes ``archives``)."""
    ds = _idx._DATASETS[key]
    content = {name: hashlib.sha256(idx_bytes(a)).hexdigest() for name, a in arrays.items()}
    archive = ds.archive_hash if archives is None else {
        name: "sha256:" + hashlib.sha256(b).hexdigest() for name, b in archives.items()}
    monkeypatch.setitem(_idx._DATASETS, key, dataclasses.replace(ds, content_sha256=content, archive_hash=archive))


@pytest.fixture
def sandbox(tmp_path, monkeypatch):
    """No $NNLIB_DATA, an absent Debian directory, a cache in tmp_path, and a downloader that is offline."""
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    monkeypatch.setattr(_idx, "_cache_root", lambda: tmp_path / "cache")
    calls = []
    box = SimpleNamespace(root=tmp_path, cache=tmp_path / "cache", calls=calls, serve={})

    def downloader(url, output_file, pooch):
        calls.append(url)
        name = url.rsplit("/", 1)[1]
        if name not in box.serve:
            raise requests.exceptions.ConnectionError(f"offline test: cannot reach {url}")
        Path(output_file).write_bytes(box.serve[name])

    monkeypatch.setattr(_idx, "_downloader", lambda: downloader)
    for key, ds in list(_idx._DATASETS.items()):
        monkeypatch.setitem(_idx._DATASETS, key, dataclasses.replace(ds, debian_dir=str(tmp_path / "debian" / key)))
    _idx._read_verified.cache_clear()
    yield box
    _idx._read_verified.cache_clear()


def assert_loaded(result, arrays):
    (X_train, y_train), (X_test, y_test) = result
    np.testing.assert_array_equal(X_train, arrays["train-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_train, arrays["train-labels-idx1-ubyte"])
    np.testing.assert_array_equal(X_test, arrays["t10k-images-idx3-ubyte"])
    np.testing.assert_array_equal(y_test, arrays["t10k-labels-idx1-ubyte"])


# ---------------------------------------------------------------------------------------------------------------
# The IDX parser.

@pytest.mark.parametrize("gz", [True, False], ids=["gzipped", "plain"])
def test_read_idx_round_trips_images_and_labels(tmp_path, gz):
    images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    got_images = read_idx(write_idx(tmp_path / "img", images, gz=gz))
    got_labels = read_idx(write_idx(tmp_path / "lab", labels, gz=gz))
    assert got_images.dtype == np.uint8 and got_images.shape == (2, 3, 4)
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert not got_images.flags.writeable  # a view of the file's bytes, shared by the in-process cache


GOOD = idx_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3))


@pytest.mark.parametrize("raw, match", [
    (b"\x00\x00", "too short for an IDX header"),
    (b"\x01\x00" + GOOD[2:], "bad magic number.*got 01 00"),
    (gzip.compress(GOOD), "bad magic number.*looks gzipped"),
    (GOOD[:2] + b"\x0d" + GOOD[3:], r"wrong dtype code 0x0d \(float32\); expected 0x08"),
    (GOOD[:2] + b"\x07" + GOOD[3:], r"wrong dtype code 0x07 \(not an IDX type\)"),
    (b"\x00\x00\x08\x00", "declares 0 dimensions"),
    (b"\x00\x00\x08\x03" + struct.pack(">I", 2), "truncated header: 3 dimensions need 16 header bytes"),
    (GOOD[:-1], r"truncated data: the header declares shape \(2, 3\), that is 6 bytes, but only 5 follow"),
    (GOOD + b"\x00\x00", r"size mismatch.*but 8 follow \(2 extra\)"),
], ids=["short", "magic", "gzip-not-decompressed", "float32-code", "unknown-code", "no-dims", "header",
        "truncated", "extra-bytes"])
def test_parse_idx_rejects_malformed_bytes(raw, match):
    with pytest.raises(IDXFormatError, match=match):
        parse_idx(raw, "f.idx")


def test_read_idx_rejects_truncated_gzip(tmp_path):
    blob = gzip.compress(idx_bytes(np.random.default_rng(0).integers(0, 256, (8, 28, 28), dtype=np.uint8)))
    (tmp_path / "t.gz").write_bytes(blob[: len(blob) // 2])
    with pytest.raises(IDXFormatError, match="gzip stream is truncated or corrupt.*fetch it again"):
        read_idx(tmp_path / "t.gz")


def test_read_idx_rejects_corrupted_gzip(tmp_path):
    blob = bytearray(gzip.compress(idx_bytes(np.random.default_rng(1).integers(0, 256, (8, 28, 28),
                                                                                    dtype=np.uint8))))
    blob[len(blob) // 2] ^= 0xFF  # one flipped byte in the compressed payload: bad stream or bad CRC
    (tmp_path / "c.gz").write_bytes(bytes(blob))
    with pytest.raises(IDXFormatError, match="gzip stream is truncated or corrupt"):
        read_idx(tmp_path / "c.gz")


def test_read_idx_checks_content_hash_and_dimensions(tmp_path):
    path = write_idx(tmp_path / "l.gz", np.arange(5, dtype=np.uint8))
    good = hashlib.sha256(idx_bytes(np.arange(5, dtype=np.uint8))).hexdigest()
    assert read_idx(path, sha256=good, ndim=1).shape == (5,)
    with pytest.raises(ChecksumError, match=f"expected {'0' * 64}") as info:
        read_idx(path, sha256="0" * 64)
    assert info.value.actual == good  # the hash of the uncompressed bytes, not of the .gz
    with pytest.raises(IDXFormatError, match=r"expected 3 dimensions.*\(5,\)"):
        read_idx(path, ndim=3)


# ---------------------------------------------------------------------------------------------------------------
# Where the files come from, and their verification.

def test_nnlib_data_takes_precedence_over_debian(sandbox, monkeypatch):
    arrays = make_arrays(0)
    pin(monkeypatch, "fashion-mnist", arrays)
    write_set(sandbox.root / "debian" / "fashion-mnist", arrays)
    assert {f.source.split(" (")[0] for f in data.fetch_data()} == {"Debian package dataset-fashion-mnist"}
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", arrays)))
    files = data.fetch_data()
    assert [f.name for f in files] == list(FILES)
    assert all(f.source.startswith("$NNLIB_DATA") and f.path.parent == sandbox.root / "env" for f in files)
    assert sandbox.calls == []


def test_uncompressed_files_in_nnlib_data_load(sandbox, monkeypatch):
    arrays = make_arrays(1)
    pin(monkeypatch, "fashion-mnist", arrays)
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", arrays, gz=False)))
    assert_loaded(data.load_fashion_mnist(), arrays)


def test_mnist_loads_from_its_subdirectory_of_nnlib_data(sandbox, monkeypatch):
    fashion, mnist = make_arrays(2), make_arrays(3, n_train=7, n_test=4)
    pin(monkeypatch, "fashion-mnist", fashion)
    pin(monkeypatch, "mnist", mnist)
    env = write_set(sandbox.root / "env", fashion)
    write_set(env / "mnist", mnist)
    monkeypatch.setenv("NNLIB_DATA", str(env))
    (X_train, y_train), (X_test, y_test) = result = data.load_mnist()
    assert X_train.shape == (7, 28, 28) and X_test.shape == (4, 28, 28)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64 and y_test.shape == (4,)
    assert_loaded(result, mnist)
    assert_loaded(data.load_fashion_mnist(), fashion)


def test_content_hash_mismatch_in_nnlib_data_is_an_error(sandbox, monkeypatch):
    pin(monkeypatch, "fashion-mnist", make_arrays(4))
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", make_arrays(5))))
    expected = _idx._DATASETS["fashion-mnist"].content_sha256["train-images-idx3-ubyte"]
    with pytest.raises(ChecksumError, match=f"SHA-256 of the uncompressed content is .*expected {expected}.*"
                                            "Replace it with the official Fashion-MNIST file"):
        data.load_fashion_mnist()
    assert sandbox.calls == []  # an explicit directory is never silently bypassed


def test_other_data_set_in_nnlib_data_is_named(sandbox, monkeypatch):
    fashion, mnist = make_arrays(6), make_arrays(7)
    pin(monkeypatch, "fashion-mnist", fashion)
    pin(monkeypatch, "mnist", mnist)
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", fashion)))
    with pytest.raises(ChecksumError, match=r"It is the Fashion-MNIST file: put MNIST in \$NNLIB_DATA/mnist/"):
        data.load_mnist()


def test_image_and_label_counts_that_disagree_are_rejected(sandbox, monkeypatch):
    arrays = make_arrays(8)
    arrays["t10k-labels-idx1-ubyte"] = np.zeros(6, dtype=np.uint8)  # 5 test images, 6 labels
    pin(monkeypatch, "fashion-mnist", arrays)
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", arrays)))
    with pytest.raises(IDXFormatError, match="image and label counts disagree.*5 images.*6 labels"):
        data.load_fashion_mnist()


def test_not_found_offline_says_how_to_get_the_files(sandbox):
    with pytest.raises(DataNotFoundError) as info:
        data.load_fashion_mnist()
    message = str(info.value)
    assert "apt-get install dataset-fashion-mnist" in message
    assert "NNLIB_DATA=/dir/with/files" in message
    assert FASHION_URL + "train-images-idx3-ubyte.gz" in message
    assert "ConnectionError" in message
    assert sandbox.calls == [FASHION_URL + "train-images-idx3-ubyte.gz"]
    assert list((sandbox.cache / "fashion-mnist").iterdir()) == []  # the failed download left nothing behind


def test_nnlib_data_must_be_a_readable_directory(sandbox, monkeypatch):
    (sandbox.root / "afile").write_text("x")
    monkeypatch.setenv("NNLIB_DATA", str(sandbox.root / "afile"))
    with pytest.raises(NotADirectoryError, match="NNLIB_DATA: .*afile is a file, not a directory"):
        data.load_fashion_mnist()
    monkeypatch.setenv("NNLIB_DATA", str(sandbox.root / "missing"))
    with pytest.raises(FileNotFoundError, match="NNLIB_DATA: .*missing does not exist"):
        data.fetch_data()


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads directories despite chmod")
def test_unreadable_directory_is_a_clear_error(sandbox, monkeypatch):
    locked = sandbox.root / "locked"
    locked.mkdir()
    locked.chmod(0)
    monkeypatch.setenv("NNLIB_DATA", str(locked))
    try:
        with pytest.raises(PermissionError, match="NNLIB_DATA: .*locked cannot be read.*chmod"):
            data.load_fashion_mnist()
    finally:
        locked.chmod(0o755)


def serve_set(sandbox, monkeypatch, key, arrays):
    """Let the fake downloader serve ``arrays`` as .gz files, with hashes pinned to them."""
    archives = {name: gzip.compress(idx_bytes(a), mtime=0) for name, a in arrays.items()}
    sandbox.serve.update({name + ".gz": blob for name, blob in archives.items()})
    pin(monkeypatch, key, arrays, archives)
    return archives


def test_download_goes_to_the_cache_and_is_reused(sandbox, monkeypatch):
    arrays = make_arrays(9)
    serve_set(sandbox, monkeypatch, "mnist", arrays)
    files = data.fetch_data("mnist")
    assert all(f.source.startswith("a download from https://ossci-datasets") for f in files)
    assert len(sandbox.calls) == 4
    assert_loaded(data.load_mnist(), arrays)
    assert all(f.source.startswith("the nnlib cache") for f in data.fetch_data("mnist"))
    assert len(sandbox.calls) == 4  # no second download


def test_download_with_a_wrong_archive_hash_is_rejected(sandbox, monkeypatch):
    serve_set(sandbox, monkeypatch, "fashion-mnist", make_arrays(10))
    sandbox.serve["train-images-idx3-ubyte.gz"] = gzip.compress(idx_bytes(make_arrays(11)["train-images-idx3-ubyte"]))
    with pytest.raises(DataNotFoundError, match="could not be downloaded.*hash of downloaded file.*does not match"):
        data.load_fashion_mnist()
    assert list((sandbox.cache / "fashion-mnist").iterdir()) == []


@pytest.mark.parametrize("damage", ["truncated", "other-content"])
def test_corrupt_cache_file_is_reported_and_fetched_again(sandbox, monkeypatch, damage):
    arrays = make_arrays(12)
    archives = serve_set(sandbox, monkeypatch, "fashion-mnist", arrays)
    cache = sandbox.cache / "fashion-mnist"
    cache.mkdir(parents=True)
    for name, blob in archives.items():
        (cache / f"{name}.gz").write_bytes(blob)
    bad = cache / "train-images-idx3-ubyte.gz"
    if damage == "truncated":
        bad.write_bytes(archives["train-images-idx3-ubyte"][:100])
    else:
        write_idx(bad, make_arrays(13)["train-images-idx3-ubyte"])
    with pytest.warns(RuntimeWarning, match="Corrupt file in the nnlib cache, downloading it again.*train-images"):
        result = data.load_fashion_mnist()
    assert_loaded(result, arrays)
    assert sandbox.calls == [FASHION_URL + "train-images-idx3-ubyte.gz"]  # only the corrupt file
    assert bad.read_bytes() == archives["train-images-idx3-ubyte"]


# ---------------------------------------------------------------------------------------------------------------
# The loaders' API and the command line.

def test_flatten_and_dtype_options(sandbox, monkeypatch):
    arrays = make_arrays(14)
    pin(monkeypatch, "fashion-mnist", arrays)
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", arrays)))
    images = arrays["train-images-idx3-ubyte"]
    (X, y), (X_test, _) = data.load_fashion_mnist(flatten=True)
    assert X.shape == (12, 784) and X.dtype == np.float32 and X_test.shape == (5, 784)
    assert X.min() == 0.0 and X.max() == 1.0
    np.testing.assert_allclose(X, images.reshape(12, 784) / 255.0, rtol=1e-6)
    (X64, _), _ = data.load_fashion_mnist(dtype=np.float64)
    assert X64.shape == (12, 28, 28) and X64.dtype == np.float64
    np.testing.assert_array_equal(X64, images / 255.0)
    (Xu, yu), _ = data.load_fashion_mnist(flatten=True, dtype=np.uint8)
    assert Xu.dtype == np.uint8 and Xu.shape == (12, 784) and yu.dtype == np.int64
    with pytest.raises(TypeError, match="dtype must be a floating dtype.*got int32"):
        data.load_fashion_mnist(dtype=np.int32)


def test_loaded_arrays_are_private_copies(sandbox, monkeypatch):
    arrays = make_arrays(15)
    pin(monkeypatch, "fashion-mnist", arrays)
    monkeypatch.setenv("NNLIB_DATA", str(write_set(sandbox.root / "env", arrays)))
    (X, y), _ = data.load_fashion_mnist()
    X[:] = 0
    y[:] = 0
    assert_loaded(data.load_fashion_mnist(), arrays)  # the in-process cache was not touched


def test_fetch_data_rejects_an_unknown_data_set():
    with pytest.raises(ValueError, match="unknown data set 'cifar'; expected one of fashion-mnist, mnist"):
        data.fetch_data("cifar")


def test_cli_fetch_data_reports_the_source(sandbox, monkeypatch, capsys):
    arrays = make_arrays(16)
    pin(monkeypatch, "fashion-mnist", arrays)
    env = write_set(sandbox.root / "env", arrays)
    monkeypatch.setenv("NNLIB_DATA", str(env))
    assert main(["fetch-data"]) == 0
    out = capsys.readouterr().out
    assert out == (f"Fashion-MNIST: 4 files from $NNLIB_DATA ({env}); SHA-256 of the uncompressed content matched "
                   "the official files.\n")


def test_cli_fetch_data_fails_with_the_instructions(sandbox, capsys):
    assert main(["fetch-data", "--dataset", "fashion-mnist"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert re.search(r"fetch-data: Fashion-MNIST file train-images-idx3-ubyte was not found.*"
                     r"apt-get install dataset-fashion-mnist", captured.err)


# ---------------------------------------------------------------------------------------------------------------
# Array utilities.

def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = rng.normal(3.0, 2.0, size=(200, 4))
    test = rng.normal(5.0, 0.5, size=(50, 4))
    train_std, test_std = data.standardize(train, test)
    np.testing.assert_allclose(train_std.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_std.std(axis=0), 1, rtol=1e-12)
    np.testing.assert_allclose(test_std, (test - train.mean(axis=0)) / train.std(axis=0), rtol=1e-12)
    assert np.all(np.abs(test_std.mean(axis=0)) > 0.5)  # test statistics differ: not re-centred on its own mean


def test_standardize_keeps_constant_features_finite_and_exposes_statistics():
    train = np.array([[0, 1.0], [0, 3.0]], dtype=np.float32)
    test = np.array([[5, 2.0]], dtype=np.float32)
    _, test_std = data.standardize(train, test)
    assert test_std.dtype == np.float32
    np.testing.assert_allclose(test_std, [[5.0, 0.0]])  # feature 0 (std 0 in train) only centred
    st = data.Standardizer().fit(np.array([[0, 1], [0, 3]], dtype=np.uint8))
    np.testing.assert_array_equal(st.mean, [0, 2])
    np.testing.assert_array_equal(st.std, [0, 1])
    assert repr(st) == "Standardizer(D=2, eps=1e-08)"
    with pytest.raises(ValueError, match=r"rows of shape \(3,\), but the statistics were fitted on rows of shape"):
        st.transform(np.zeros((2, 3)))
    with pytest.raises(RuntimeError, match="before fit"):
        data.Standardizer().transform(train)


def test_batches_cover_every_row_once_per_epoch_and_are_seeded():
    X = np.arange(23 * 2).reshape(23, 2).astype(np.float64)
    y = np.arange(23)
    got = list(data.batches(X, y, 5, rng=np.random.default_rng(0)))
    assert [len(yb) for _, yb in got] == [5, 5, 5, 5, 3]  # the last partial batch is kept
    seen = np.concatenate([yb for _, yb in got])
    assert sorted(seen) == list(range(23)) and not np.array_equal(seen, np.arange(23))
    for Xb, yb in got:
        np.testing.assert_array_equal(Xb, X[yb])  # rows and labels stay paired
    again = np.concatenate([yb for _, yb in data.batches(X, y, 5, rng=0)])
    np.testing.assert_array_equal(seen, again)  # the same seed gives the same epoch (an int seeds default_rng)
    other = np.concatenate([yb for _, yb in data.batches(X, y, 5, rng=1)])
    assert not np.array_equal(seen, other)
    in_order = list(data.batches(X, y, 10))
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in in_order]), y)
    assert np.shares_memory(in_order[0][0], X)  # in order: slices, no copy


def test_batches_with_drop_last_give_only_full_batches_of_distinct_rows():
    X = np.arange(23 * 2).reshape(23, 2).astype(np.float64)
    y = np.arange(23)
    shuffled = list(data.batches(X, y, 5, rng=0, drop_last=True))
    assert [len(yb) for _, yb in shuffled] == [5, 5, 5, 5]
    used = np.concatenate([yb for _, yb in shuffled])
    assert len(np.unique(used)) == 20
    full = np.concatenate([yb for _, yb in data.batches(X, y, 5, rng=0)])
    np.testing.assert_array_equal(used, full[:20])   # the same permutation, without its last 3 rows
    in_order = list(data.batches(X, y, 5, drop_last=True))
    np.testing.assert_array_equal(np.concatenate([yb for _, yb in in_order]), y[:20])
    assert [len(yb) for _, yb in data.batches(X, y, 23, drop_last=True)] == [23]
    with pytest.raises(ValueError, match=r"drop_last=True with batch_size=24 > N=23"):
        data.batches(X, y, 24, drop_last=True)
    with pytest.raises(TypeError, match="drop_last must be True or False"):
        data.batches(X, y, 5, drop_last=None)


def test_batches_check_their_arguments_at_the_call():
    with pytest.raises(ValueError, match="X and y disagree on N"):
        data.batches(np.zeros((4, 2)), np.zeros(3), 2)
    with pytest.raises(ValueError, match="batch_size must be >= 1"):
        data.batches(np.zeros((4, 2)), np.zeros(4), 0)
    with pytest.raises(TypeError, match="rng must be a np.random.Generator"):
        data.batches(np.zeros((4, 2)), np.zeros(4), 2, rng="seed")


def test_validation_split_partitions_the_rows_reproducibly():
    X = np.arange(40).reshape(20, 2)
    y = np.arange(20)
    (X_tr, y_tr), (X_val, y_val) = data.validation_split(X, y, 0.25, rng=np.random.default_rng(1))
    assert len(y_val) == 5 and len(y_tr) == 15
    assert sorted(np.concatenate([y_tr, y_val])) == list(range(20))
    np.testing.assert_array_equal(X_val, X[y_val])
    (_, y_tr2), (_, y_val2) = data.validation_split(X, y, 0.25, rng=1)
    np.testing.assert_array_equal(y_val, y_val2)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        data.validation_split(X, y, 1.0, rng=0)
    with pytest.raises(ValueError, match="leaves 0 for validation"):
        data.validation_split(X, y, 0.01, rng=0)


def test_load_digits_shapes_dtypes_split_and_determinism():
    (X_train, y_train), (X_test, y_test) = data.load_digits(rng=np.random.default_rng(0))
    assert X_train.shape[1] == 64 and X_train.shape[0] + X_test.shape[0] == 1797
    assert X_train.dtype == np.float64 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    assert X_train.min() == 0.0 and X_train.max() == 1.0  # pixels 0..16 divided by 16
    train_counts, test_counts = np.bincount(y_train, minlength=10), np.bincount(y_test, minlength=10)
    np.testing.assert_allclose(test_counts / (train_counts + test_counts), 0.25, atol=0.01)  # stratified
    (X2, y2), (X3, y3) = data.load_digits(rng=0)
    np.testing.assert_array_equal(X2, X_train)
    np.testing.assert_array_equal(y3, y_test)
    (_, y_other), _ = data.load_digits(rng=1)
    assert not np.array_equal(y_other, y_train)
    (X32, _), (X32_test, _) = data.load_digits(rng=0, test_size=0.5, dtype=np.float32)
    assert X32.dtype == np.float32 and abs(len(X32_test) - 1797 / 2) <= 5
    with pytest.raises(ValueError, match="test_size must be a number strictly between 0 and 1"):
        data.load_digits(rng=0, test_size=0)


# ---------------------------------------------------------------------------------------------------------------
# The real Fashion-MNIST, when the Debian package is installed.

DEBIAN = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(not all((DEBIAN / f"{name}.gz").is_file() for name in FILES),
                    reason="Debian package dataset-fashion-mnist not installed")
def test_real_fashion_mnist_from_the_debian_package(monkeypatch):
    monkeypatch.delenv("NNLIB_DATA", raising=False)
    (X_train, y_train), (X_test, y_test) = data.load_fashion_mnist()
    assert X_train.shape == (60000, 28, 28) and X_test.shape == (10000, 28, 28)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64 and y_test.dtype == np.int64
    np.testing.assert_array_equal(np.bincount(y_train, minlength=10), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(y_test, minlength=10), [1000] * 10)
    assert len(data.FASHION_MNIST_CLASSES) == 10 and data.FASHION_MNIST_CLASSES[9] == "Ankle boot"
    assert {f.source.split(" (")[0] for f in data.fetch_data()} == {"Debian package dataset-fashion-mnist"}
