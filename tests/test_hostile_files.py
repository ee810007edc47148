"""Bad and hostile files (SPEC §12, §15): ``nt.load`` and ``nt.load_metadata`` never unpickle
or execute anything, and every malformed file raises ``nt.FormatError`` naming the file,
never another exception, never allocating what a hostile header claims.

Cases: every truncation of a small ``nt.save`` file, every bit of its header flipped
(exhaustively), hypothesis-generated bit flips and byte overwrites in header and data,
header lengths beyond the file, handcrafted headers (offsets, dtypes, shapes, names,
tree, version, digest, JSON), hypothesis-generated headers, non-files, and plain
safetensors files without names; a sample of them also through ``like=`` and
``nt.load_metadata``.

About 25,600 corrupt-file loads per run (each ``nt.load`` or ``nt.load_metadata`` of a
damaged file counts once; ``_TRIED`` counts them; 7,424 of them are the single-bit header
flips, each tried three ways), in about 7 s on 2 CPU cores.
"""

import functools
import json
import os
import signal
import time
import tracemalloc
from contextlib import contextmanager

import jax.numpy as jnp
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import namedtensor as nt
from _helpers import raises
from namedtensor import _io

_TRIED = [0]  # corrupt-file loads attempted by this module (read by whoever counts them)

FORMAT, NAMES, TREE, DIGEST = (f"namedtensor.{k}" for k in ("format", "names", "tree", "digest"))
FIXTURE = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]


# --- checks --------------------------------------------------------------------------
def refused(path, fn=None, exc=nt.FormatError):
    """``fn()`` (default: ``nt.load(path)``) raises ``exc`` whose message names ``path``."""
    _TRIED[0] += 1
    return raises(exc, fn or (lambda: nt.load(path)), str(path))


def refused_everywhere(path, like=None):
    """``nt.load``, ``nt.load(like=...)`` and ``nt.load_metadata`` all refuse ``path``."""
    refused(path)
    refused(path, lambda: nt.load(path, like=sample_tree() if like is None else like))
    refused(path, lambda: nt.load_metadata(path))


def loads_or_refused(path, exc=nt.FormatError, **kwargs):
    """``nt.load(path, **kwargs)`` either returns or raises ``exc`` naming ``path``; returns
    the loaded tree or ``None``."""
    _TRIED[0] += 1
    try:
        return nt.load(path, **kwargs)
    except exc as e:
        assert str(path) in str(e), str(e)
        return None


def metadata_or_refused(path):
    """``nt.load_metadata(path)`` either returns a dict of str or raises ``FormatError``
    naming ``path``."""
    _TRIED[0] += 1
    try:
        meta = nt.load_metadata(path)
    except nt.FormatError as e:
        assert str(path) in str(e), str(e)
        return None
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in meta.items())
    return meta


@contextmanager
def deadline(seconds):
    """Fail (instead of hanging) when the body blocks longer than ``seconds``."""
    def expire(*_):
        raise TimeoutError(f"blocked for more than {seconds} s")

    old = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


@contextmanager
def frugal(seconds=0.5, megabytes=4):
    """The body finishes in ``seconds`` and allocates under ``megabytes`` (tracemalloc
    sees NumPy's buffers): a hostile size was refused before any allocation."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        yield
    finally:
        elapsed = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert elapsed < seconds, elapsed
    assert peak < megabytes * 2**20, peak


# --- files ---------------------------------------------------------------------------
@functools.lru_cache(maxsize=1)
def sample_tree():
    """A small tree: named tensors of several dtypes (bool, bfloat16), a 0-d array, nested
    dict / list / tuple."""
    return {
        "w": nt.tensor(np.arange(6, dtype=np.float32).reshape(2, 3), "d h"),
        "layers": [
            {"mask": nt.tensor(np.array([True, False, True]), "h"),
             "b": nt.tensor(jnp.arange(4, dtype=jnp.bfloat16), "k")},
            (np.asarray(7, np.int32), nt.tensor(np.array([1, -2], np.int8), "k")),
        ],
        "step": np.asarray(3, np.int32),
    }


def sample_file(tmp_path):
    """``(path, bytes, header length N)`` of ``sample_tree()`` saved with user metadata."""
    path = tmp_path / "sample.safetensors"
    if not _SAMPLE:
        nt.save(path, sample_tree(), metadata={"step": "100", "note": "hostile"})
        _SAMPLE.append(path.read_bytes())
    blob = _SAMPLE[0]
    path.write_bytes(blob)
    return path, blob, int.from_bytes(blob[:8], "little")


_SAMPLE = []  # the bytes nt.save wrote for sample_tree(), written once per run


def write_st(path, header, blob=b"", length=None):
    """A safetensors file: an 8-byte little-endian header length (``length`` overrides the
    true one), the header (a JSON value, or raw bytes), then ``blob``."""
    raw = header if isinstance(header, bytes) else json.dumps(header).encode()
    n = len(raw) if length is None else length
    path.write_bytes(n.to_bytes(8, "little") + raw + blob)
    return path


def digest_of(entries, meta):
    """The digest ``nt.save`` would write, or a placeholder where the entries are too
    malformed to digest (they are refused before the digest is checked)."""
    try:
        return _io._digest({k: (e["dtype"], e["shape"]) for k, e in entries.items()}, meta)
    except Exception:
        return "0" * 64


def nt_header(entries, *, names=None, tree=None, meta=None, fmt="1", digest=True,
              drop=(), extra=None):
    """A header as ``nt.save`` writes it for ``entries`` (key -> entry dict), with the
    digest recomputed so that a case gets past it; ``names``/``tree`` are JSON values or
    raw str; ``drop`` removes namedtensor keys, ``extra`` adds metadata after the digest."""
    m = dict(meta or {})
    m[FORMAT] = fmt
    m[NAMES] = names if isinstance(names, str) else json.dumps({} if names is None else names)
    if tree is None:
        tree = {"dict": [[k, {"leaf": k}] for k in entries]}
    m[TREE] = tree if isinstance(tree, str) else json.dumps(tree)
    for k in drop:
        m.pop(k, None)
    m[DIGEST] = digest_of(entries, m) if digest is True else digest
    if DIGEST in drop:
        del m[DIGEST]
    m.update(extra or {})
    return {"__metadata__": m, **entries}


# Two valid tensors: a float32 [2, 3] and a bool [3], 27 bytes of data.
A = {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}
B = {"dtype": "BOOL", "shape": [3], "data_offsets": [24, 27]}
BLOB = np.arange(6, dtype=np.float32).tobytes() + b"\x01\x00\x01"
NAMES_AB = {"a": ["d", "h"], "b": ["h"]}
PLAIN_NAMES = {"a": "d h", "b": "h"}


def entry(base, **changes):
    return {**base, **changes}


def test_handcrafted_baseline_loads(tmp_path):
    """The building blocks are valid: the cases below differ from these in one thing."""
    path = write_st(tmp_path / "ok.safetensors", nt_header({"a": A, "b": B}, names=NAMES_AB),
                    BLOB)
    out = nt.load(path, backend="numpy")
    assert out["a"].names == ("d", "h") and out["b"].data.tolist() == [True, False, True]
    assert nt.load_metadata(path) == {}
    plain = write_st(tmp_path / "plain.safetensors", {"a": A, "b": B}, BLOB)
    assert nt.load(plain, names=PLAIN_NAMES)["a"].sizes == {"d": 2, "h": 3}


# --- truncation and bit flips of a file nt.save wrote --------------------------------
def test_truncated_at_every_offset(tmp_path):
    path, blob, _ = sample_file(tmp_path)
    assert nt.load(path, backend="numpy")["w"].names == ("d", "h")
    for k in range(len(blob)):
        path.write_bytes(blob[:k])
        refused(path)
        if k % 5 == 0:
            refused(path, lambda: nt.load_metadata(path))
        if k % 11 == 0:
            refused(path, lambda: nt.load(path, like=sample_tree()))


def test_every_header_bit_flip_is_refused(tmp_path):
    """The length, the JSON and everything in it: offsets must tile the data exactly and the
    digest covers the rest, so no single flipped bit loads."""
    path, blob, n = sample_file(tmp_path)
    like = sample_tree()
    fd = os.open(path, os.O_RDWR)
    try:
        for i in range(8 + n):
            for bit in range(8):
                os.pwrite(fd, bytes([blob[i] ^ (1 << bit)]), i)
                refused(path)
                refused(path, lambda: nt.load_metadata(path))
                refused(path, lambda: nt.load(path, like=like))
            os.pwrite(fd, blob[i:i + 1], i)
    finally:
        os.close(fd)
    assert path.read_bytes() == blob
    assert nt.load(path, like=like)["w"].names == ("d", "h")


def _flipped(data, blob, low, high, most):
    """``blob`` with 1 to ``most`` drawn bits flipped at offsets in [low, high]."""
    buf = bytearray(blob)
    for _ in range(data.draw(st.integers(1, most), label="flips")):
        i = data.draw(st.integers(low, high), label="offset")
        buf[i] ^= 1 << data.draw(st.integers(0, 7), label="bit")
    return buf


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.data())
def test_header_bit_flips_hypothesis(tmp_path, data):
    path, blob, n = sample_file(tmp_path)
    buf = _flipped(data, blob, 0, 8 + n - 1, most=3)
    if buf == blob:  # two flips of the same bit cancel
        return
    path.write_bytes(buf)
    refused_everywhere(path)


def _bool_span(blob, n, key="layers.0.mask"):
    begin, end = json.loads(blob[8:8 + n])[key]["data_offsets"]
    return 8 + n + begin, 8 + n + end


def test_every_data_bit_flip_loads_or_is_refused(tmp_path):
    """Data has no checksum: a flip loads (values may change) except in a bool tensor,
    whose bytes must be 0 or 1 (flipping bit 0 keeps it a bool)."""
    path, blob, n = sample_file(tmp_path)
    bools = range(*_bool_span(blob, n))
    fd = os.open(path, os.O_RDWR)
    try:
        for i in range(8 + n, len(blob)):
            for bit in range(8):
                os.pwrite(fd, bytes([blob[i] ^ (1 << bit)]), i)
                if i in bools and bit:
                    refused(path, lambda: nt.load(path, backend="numpy"))
                else:
                    _TRIED[0] += 1
                    out = nt.load(path, backend="numpy")
                    assert out["w"].names == ("d", "h") and out["layers"][1][1].names == ("k",)
            os.pwrite(fd, blob[i:i + 1], i)
    finally:
        os.close(fd)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.data())
def test_data_bit_flips_hypothesis(tmp_path, data):
    path, blob, n = sample_file(tmp_path)
    buf = _flipped(data, blob, 8 + n, len(blob) - 1, most=4)
    path.write_bytes(buf)
    out = loads_or_refused(path)
    if out is not None:
        assert out["layers"][0]["b"].dtype == jnp.bfloat16
    loads_or_refused(path, like=sample_tree())
    assert nt.load_metadata(path) == {"step": "100", "note": "hostile"}


@settings(max_examples=60, deadline=None, suppress_health_check=FIXTURE)
@given(data=st.data())
def test_random_byte_overwrites_hypothesis(tmp_path, data):
    path, blob, _ = sample_file(tmp_path)
    buf = bytearray(blob)
    for _ in range(data.draw(st.integers(1, 8), label="writes")):
        i = data.draw(st.integers(0, len(blob) - 1), label="offset")
        buf[i] = data.draw(st.integers(0, 255), label="byte")
    path.write_bytes(buf)
    loads_or_refused(path, backend="numpy")
    loads_or_refused(path, like=sample_tree())
    metadata_or_refused(path)


@settings(max_examples=30, deadline=None, suppress_health_check=FIXTURE)
@given(cut=st.integers(0, 2000), tail=st.binary(max_size=64))
def test_truncated_then_garbage_hypothesis(tmp_path, cut, tail):
    """A prefix of the file followed by random bytes: refused unless it has the file's
    length (then only the data may differ, or the header is damaged)."""
    path, blob, _ = sample_file(tmp_path)
    damaged = blob[:cut] + tail
    path.write_bytes(damaged)
    if damaged == blob:
        return
    if len(damaged) != len(blob):  # the digest fixes the shapes, so the data size
        refused(path)
    else:
        loads_or_refused(path, backend="numpy")


# --- header lengths ------------------------------------------------------------------
@pytest.mark.parametrize("length", [
    1000, 2**32, 2**63, 2**64 - 1, 100 * 2**20 + 1, 0, 1,
], ids=lambda v: f"n={v}")
def test_header_length_beyond_the_file(tmp_path, length):
    path = write_st(tmp_path / "len.safetensors", {"a": A}, BLOB[:24], length=length)
    with frugal():
        refused_everywhere(path, like={"a": np.zeros((2, 3), np.float32)})


def test_header_length_over_the_limit_in_a_large_file(tmp_path):
    """A header claiming more than 100 MB in a (sparse) file that does hold that many bytes:
    refused by its length, without reading or allocating it."""
    path = tmp_path / "huge.safetensors"
    claim = 100 * 2**20 + 8
    with open(path, "wb") as f:
        f.write(claim.to_bytes(8, "little") + b'{"a":')
        f.truncate(8 + claim + 64)
    with frugal():
        refused_everywhere(path, like={"a": np.zeros((2, 3), np.float32)})


def test_header_length_slightly_off(tmp_path):
    """The true length +-1..16: a header cut inside the JSON, or one that eats data bytes."""
    path, blob, n = sample_file(tmp_path)
    for delta in [d for d in range(-16, 17) if d]:
        path.write_bytes((n + delta).to_bytes(8, "little") + blob[8:])
        refused(path)


# --- handcrafted headers --------------------------------------------------------------
ENTRY_CASES = {  # one malformed entry (or pair of entries) each -> refused
    "overlap": ({"a": A, "b": entry(B, data_offsets=[20, 23])}, BLOB[:23]),
    "overlap-same": ({"a": entry(A, dtype="I32"), "b": entry(A)}, BLOB[:24]),
    "out-of-range": ({"a": A, "b": entry(B, data_offsets=[24, 27 + 10**6])}, BLOB),
    "end-beyond-data": ({"a": entry(A, data_offsets=[0, 24]), "b": entry(B, data_offsets=[24, 27])},
                        BLOB[:26]),
    "gap": ({"a": A, "b": entry(B, data_offsets=[25, 28])}, BLOB + b"\0"),
    "gap-at-start": ({"a": entry(A, data_offsets=[3, 27])}, BLOB),
    "begin>end": ({"a": entry(A, data_offsets=[24, 0]), "b": B}, BLOB),
    "negative-offsets": ({"a": entry(A, data_offsets=[-24, 0]), "b": B}, BLOB),
    "negative-begin": ({"a": A, "b": entry(B, data_offsets=[-3, 27])}, BLOB),
    "float-offsets": ({"a": entry(A, data_offsets=[0.0, 24.0]), "b": B}, BLOB),
    "str-offsets": ({"a": entry(A, data_offsets=["0", "24"]), "b": B}, BLOB),
    "bool-offsets": ({"a": entry(B, data_offsets=[False, True])}, b"\x01"),
    "bool-offsets-shape1": ({"a": entry(B, shape=[1], data_offsets=[False, True])}, b"\x01"),
    "one-offset": ({"a": entry(A, data_offsets=[24]), "b": B}, BLOB),
    "three-offsets": ({"a": entry(A, data_offsets=[0, 12, 24]), "b": B}, BLOB),
    "no-offsets": ({"a": entry(A, data_offsets=[]), "b": B}, BLOB),
    "offsets-str": ({"a": entry(A, data_offsets="0,24"), "b": B}, BLOB),
    "offsets-null": ({"a": entry(A, data_offsets=None), "b": B}, BLOB),
    "offsets-object": ({"a": entry(A, data_offsets={"0": 24}), "b": B}, BLOB),
    "offsets-huge": ({"a": entry(A, data_offsets=[0, 2**64]), "b": B}, BLOB),
    "offsets-nan": ({"a": entry(A, data_offsets=[0, float("nan")]), "b": B}, BLOB),
    "dtype-F33": ({"a": entry(A, dtype="F33"), "b": B}, BLOB),
    "dtype-empty": ({"a": entry(A, dtype=""), "b": B}, BLOB),
    "dtype-int": ({"a": entry(A, dtype=5), "b": B}, BLOB),
    "dtype-int4": ({"a": entry(A, dtype="int4"), "b": B}, BLOB),
    "dtype-I4": ({"a": entry(A, dtype="I4"), "b": B}, BLOB),
    "dtype-lower": ({"a": entry(A, dtype="f32"), "b": B}, BLOB),
    "dtype-numpy": ({"a": entry(A, dtype="float32"), "b": B}, BLOB),
    "dtype-object": ({"a": entry(A, dtype="O"), "b": B}, BLOB),
    "dtype-null": ({"a": entry(A, dtype=None), "b": B}, BLOB),
    "dtype-list": ({"a": entry(A, dtype=["F32"]), "b": B}, BLOB),
    "dtype-long": ({"a": entry(A, dtype="F" * 10_000), "b": B}, BLOB),
    "dtype-size-mismatch": ({"a": entry(A, dtype="F64"), "b": B}, BLOB),
    "shape-bytes-too-few": ({"a": entry(A, shape=[2, 2]), "b": B}, BLOB),
    "shape-bytes-too-many": ({"a": entry(A, shape=[2, 4]), "b": B}, BLOB),
    "shape-1e12-offsets-match": ({"a": entry(A, shape=[10**6, 10**6],
                                             data_offsets=[0, 4 * 10**12])}, BLOB[:24]),
    "shape-1e12-offsets-small": ({"a": entry(A, shape=[10**12]), "b": B}, BLOB),
    "shape-2**64": ({"a": entry(A, shape=[2**64], data_offsets=[0, 2**66])}, BLOB[:24]),
    "shape-10**300": ({"a": entry(A, shape=[10**300], data_offsets=[0, 4 * 10**300])},
                      BLOB[:24]),
    "shape-product-of-8000-digits": (b'{"a":{"dtype":"F32","shape":[' + b"9" * 4000 + b","
                                     + b"9" * 4000 + b'],"data_offsets":[0,24]}}', BLOB[:24]),
    "offsets-4299-digits": (b'{"a":{"dtype":"F32","shape":[2,3],"data_offsets":[0,'
                            + b"9" * 4299 + b']}}', BLOB[:24]),
    "shape-5000-digits": (b'{"a":{"dtype":"F32","shape":[' + b"9" * 5000
                          + b'],"data_offsets":[0,24]}}', BLOB[:24]),
    "shape-negative": ({"a": entry(A, shape=[-1]), "b": B}, BLOB),
    "shape-negative-pair": ({"a": entry(A, shape=[-2, -3]), "b": B}, BLOB),
    "shape-float": ({"a": entry(A, shape=[2.0, 3.0]), "b": B}, BLOB),
    "shape-bool": ({"a": entry(B, shape=[True], data_offsets=[0, 1])}, b"\x01"),
    "shape-str": ({"a": entry(A, shape=["2", "3"]), "b": B}, BLOB),
    "shape-null": ({"a": entry(A, shape=None), "b": B}, BLOB),
    "shape-int": ({"a": entry(A, shape=6), "b": B}, BLOB),
    "shape-object": ({"a": entry(A, shape={"d": 2, "h": 3}), "b": B}, BLOB),
    "shape-nested": ({"a": entry(A, shape=[[2, 3]]), "b": B}, BLOB),
    "rank-1000": ({"a": entry(A, shape=[1] * 1000, data_offsets=[0, 4])}, BLOB[:4]),
    "rank-65": ({"a": entry(A, shape=[1] * 65, data_offsets=[0, 4])}, BLOB[:4]),
    "entry-int": ({"a": 5, "b": B}, BLOB),
    "entry-list": ({"a": ["F32", [2, 3], [0, 24]], "b": B}, BLOB),
    "entry-null": ({"a": None, "b": B}, BLOB),
    "entry-missing-dtype": ({"a": {"shape": [2, 3], "data_offsets": [0, 24]}, "b": B}, BLOB),
    "entry-missing-shape": ({"a": {"dtype": "F32", "data_offsets": [0, 24]}, "b": B}, BLOB),
    "entry-extra-key": ({"a": entry(A, extra=1), "b": B}, BLOB),
    "trailing-garbage": ({"a": A, "b": B}, BLOB + b"garbage"),
    "trailing-one-byte": ({"a": A, "b": B}, BLOB + b"\0"),
    "no-tensors-with-data": ({}, BLOB),
}


def _case_file(tmp_path, case, with_names):
    entries, blob = ENTRY_CASES[case]
    path = tmp_path / f"{case}{'' if with_names else '-plain'}.safetensors"
    if isinstance(entries, bytes) or not with_names:
        return write_st(path, entries, blob)
    names = {k: NAMES_AB[k] for k in entries if k in NAMES_AB and isinstance(entries[k], dict)
             and entries[k].get("shape") == ([2, 3] if k == "a" else [3])}
    return write_st(path, nt_header(entries, names=names), blob)


@pytest.mark.parametrize("case", sorted(ENTRY_CASES))
def test_malformed_entries(tmp_path, case):
    """With the namedtensor metadata (digest recomputed) and as a plain safetensors file."""
    with frugal(seconds=1.0):
        path = _case_file(tmp_path, case, with_names=True)
        refused_everywhere(path, like={"a": nt.TensorSpec({"d": 2, "h": 3}),
                                       "b": nt.TensorSpec({"h": 3}, dtype="bool")})
        refused(path, lambda: nt.load(path, backend="numpy"))
        plain = _case_file(tmp_path, case, with_names=False)
        refused(plain, lambda: nt.load(plain, names=PLAIN_NAMES, backend="numpy"))
        refused(plain, lambda: nt.load_metadata(plain))


def test_1e12_element_shape_refused_quickly_without_allocating(tmp_path):
    for shape, offsets in [([10**12], [0, 4 * 10**12]), ([10**12], [0, 24]),
                           ([10**6, 10**6], [0, 24]), ([2**40, 2**40], [0, 2**82])]:
        path = write_st(tmp_path / "big.safetensors",
                        nt_header({"a": entry(A, shape=shape, data_offsets=offsets)}), BLOB[:24])
        with frugal(seconds=0.5, megabytes=2):
            refused(path)
            refused(path, lambda path=path: nt.load(path, backend="numpy"))
            refused(path, lambda path=path: nt.load_metadata(path))


@pytest.mark.parametrize("shape", [[2**63, 0], [2**62, 0], [0, 2**62, 2], [2**64, 0],
                                   [10**30, 0]], ids=str)
def test_zero_size_shape_with_huge_dims(tmp_path, shape, backend):
    """A 0-byte tensor whose other dims are astronomically large: no data to allocate, but
    no array of that shape can exist either; refused, never a raw NumPy error."""
    names = {"a": [f"x{i}" for i in range(len(shape))]}
    path = write_st(tmp_path / "zero.safetensors",
                    nt_header({"a": entry(A, shape=shape, data_offsets=[0, 0])}, names=names))
    with frugal():
        refused(path, lambda: nt.load(path, backend=backend))


NAMES_CASES = {  # the namedtensor.names value -> refused
    "count-short": {"a": ["d"], "b": ["h"]},
    "count-long": {"a": ["d", "h", "k"], "b": ["h"]},
    "count-zero": {"a": [], "b": ["h"]},
    "duplicate": {"a": ["d", "d"], "b": ["h"]},
    "invalid-1a": {"a": ["1a", "h"], "b": ["h"]},
    "invalid-space": {"a": ["a b", "h"], "b": ["h"]},
    "invalid-empty": {"a": ["", "h"], "b": ["h"]},
    "invalid-dot": {"a": ["d.x", "h"], "b": ["h"]},
    "non-str-name": {"a": [1, 2], "b": ["h"]},
    "null-name": {"a": [None, "h"], "b": ["h"]},
    "names-str": {"a": "d h", "b": ["h"]},
    "names-int": {"a": 5, "b": ["h"]},
    "names-null": {"a": None, "b": ["h"]},
    "names-object": {"a": {"d": 2, "h": 3}, "b": ["h"]},
    "list-not-dict": [["d", "h"], ["h"]],
    "dict-of-ints": {"a": 1, "b": 2},
    "str-json": "d h",
    "number-json": 5,
    "unknown-key": {"a": ["d", "h"], "b": ["h"], "c": ["k"]},
    "not-json": "{'a': ['d', 'h']}",
    "not-json-truncated": '{"a": ["d", "h"',
    "not-json-empty": "",
    "not-json-nan-key": "{NaN: 1}",
    "deep-json": "[" * 100_000 + "]" * 100_000,
    "duplicate-key": '{"a": ["d", "h"], "a": ["d", "h"], "b": ["h"]}',
}


@pytest.mark.parametrize("case", sorted(NAMES_CASES))
def test_malformed_names(tmp_path, case):
    value = NAMES_CASES[case]
    if case.startswith(("not-json", "deep-json", "duplicate-key")) or case == "str-json":
        raw = value
    else:
        raw = json.dumps(value)
    path = write_st(tmp_path / "names.safetensors", nt_header({"a": A, "b": B}, names=raw), BLOB)
    refused_everywhere(path, like={"a": nt.TensorSpec({"d": 2, "h": 3}),
                                   "b": nt.TensorSpec({"h": 3}, dtype="bool")})


def _nested(kind, depth):
    node = {"leaf": "a"}
    for _ in range(depth):
        node = {"list": [node]} if kind == "list" else {"dict": [["x", node]]}
    return node


TREE_CASES = {  # the namedtensor.tree value (a JSON value, or raw text) -> refused
    "not-json": "{dict: []}",
    "not-json-empty": "",
    "truncated": '{"dict": [["a", {"leaf": "a"}]',
    "a-list": [{"leaf": "a"}, {"leaf": "b"}],
    "a-string": "a",
    "a-number": 5,
    "null": None,
    "two-kinds": {"leaf": "a", "dict": [["b", {"leaf": "b"}]]},
    "empty-node": {},
    "dict-not-list": {"dict": {"a": {"leaf": "a"}, "b": {"leaf": "b"}}},
    "dict-bad-pair": {"dict": [["a"], ["b", {"leaf": "b"}]]},
    "dict-int-key": {"dict": [[1, {"leaf": "a"}], ["b", {"leaf": "b"}]]},
    "dict-repeated-key": {"dict": [["a", {"leaf": "a"}], ["a", {"leaf": "b"}]]},
    "list-not-list": {"list": {"leaf": "a"}},
    "tuple-not-list": {"tuple": "ab"},
    "leaf-int": {"list": [{"leaf": 0}, {"leaf": "b"}]},
    "leaf-list": {"list": [{"leaf": ["a"]}, {"leaf": "b"}]},
    "leaf-null": {"list": [{"leaf": None}, {"leaf": "b"}]},
    "missing-key": {"dict": [["a", {"leaf": "a"}], ["b", {"leaf": "zz"}]]},
    "key-twice": {"list": [{"leaf": "a"}, {"leaf": "a"}, {"leaf": "b"}]},
    "key-twice-only": {"list": [{"leaf": "a"}, {"leaf": "a"}]},
    "lacks-a-key": {"dict": [["a", {"leaf": "a"}]]},
    "lacks-every-key": {"dict": []},
    "unknown-kind": {"set": [{"leaf": "a"}, {"leaf": "b"}]},
    "class-kind": {"__class__": "os.system", "args": ["echo hacked"]},
    "pickle-kind": {"pickle": "gASVAAAAAAAAAAA="},
    "nested-300": {"list": [_nested("list", 300), {"leaf": "b"}]},
    "nested-300-dict": {"list": [_nested("dict", 300), {"leaf": "b"}]},
    "nested-10000": {"list": [_nested("list", 10_000), {"leaf": "b"}]},
    "nested-10000-dict": {"list": [_nested("dict", 10_000), {"leaf": "b"}]},
    "duplicate-json-key": '{"dict": [["a", {"leaf": "a", "leaf": "b"}]]}',
}


def _dump(value):
    """JSON text of ``value``, even nested deeper than ``json.dumps`` recurses."""
    if isinstance(value, dict) and "list" in value and len(value["list"]) == 2 \
            and isinstance(value["list"][0], dict):
        inner, depth = value["list"][0], 0
        while isinstance(inner, dict) and ("list" in inner or "dict" in inner):
            inner = inner["list"][0] if "list" in inner else inner["dict"][0][1]
            depth += 1
        if depth > 500:
            kind = "list" if "list" in value["list"][0] else "dict"
            head = '{"list": [' if kind == "list" else '{"dict": [["x", '
            tail = "]}" if kind == "list" else "]]}"
            return ('{"list": [' + head * depth + '{"leaf": "a"}' + tail * depth
                    + ', {"leaf": "b"}]}')
    return json.dumps(value)


@pytest.mark.parametrize("case", sorted(TREE_CASES))
def test_malformed_tree(tmp_path, case):
    value = TREE_CASES[case]
    raw = value if isinstance(value, str) and case != "a-string" else _dump(value)
    path = write_st(tmp_path / "tree.safetensors",
                    nt_header({"a": A, "b": B}, names=NAMES_AB, tree=raw), BLOB)
    refused_everywhere(path, like={"a": nt.TensorSpec({"d": 2, "h": 3}),
                                   "b": nt.TensorSpec({"h": 3}, dtype="bool")})


def test_tree_nested_within_the_limit_loads(tmp_path):
    """The depth limit refuses hostile nesting, not real trees: 150 levels load."""
    path = write_st(tmp_path / "deep.safetensors",
                    nt_header({"a": A, "b": B}, names=NAMES_AB,
                              tree={"list": [_nested("list", 150), {"leaf": "b"}]}), BLOB)
    out = nt.load(path, backend="numpy")
    assert isinstance(out, list) and len(out) == 2 and out[1].names == ("h",)
    for _ in range(151):
        out = out[0]
    assert out.names == ("d", "h")


METADATA_CASES = {  # (header built from these arguments) -> refused
    "version-2": dict(fmt="2"),
    "version-empty": dict(fmt=""),
    "version-1.0": dict(fmt="1.0"),
    "version-missing": dict(drop=(FORMAT,)),
    "names-missing": dict(drop=(NAMES,)),
    "tree-missing": dict(drop=(TREE,)),
    "digest-missing": dict(drop=(DIGEST,)),
    "unknown-namedtensor-key": dict(extra={"namedtensor.classes": "os.system"}),
    "digest-wrong": dict(digest="0" * 64),
    "digest-empty": dict(digest=""),
    "digest-upper": dict(digest=None),  # filled in below: the right digest in upper case
    "digest-of-other-metadata": dict(digest=None),
    "user-metadata-edited": dict(extra={"step": "999"}),
}


@pytest.mark.parametrize("case", sorted(METADATA_CASES))
def test_version_and_digest(tmp_path, case):
    kwargs = dict(METADATA_CASES[case])
    entries = {"a": A, "b": B}
    if case == "digest-upper":
        kwargs["digest"] = nt_header(entries, names=NAMES_AB)["__metadata__"][DIGEST].upper()
    if case == "digest-of-other-metadata":
        kwargs["digest"] = nt_header(entries, names=NAMES_AB,
                                     meta={"step": "1"})["__metadata__"][DIGEST]
    if case == "user-metadata-edited":
        header = nt_header(entries, names=NAMES_AB, meta={"step": "100"})
        header["__metadata__"]["step"] = "999"
    else:
        header = nt_header(entries, names=NAMES_AB, **kwargs)
    path = write_st(tmp_path / "meta.safetensors", header, BLOB)
    refused_everywhere(path, like={"a": nt.TensorSpec({"d": 2, "h": 3}),
                                   "b": nt.TensorSpec({"h": 3}, dtype="bool")})


def _raw_header(case):
    """Raw header bytes for the JSON-level cases (the entries are valid)."""
    good = {"a": A, "b": B}
    body = json.dumps(good)[1:-1]
    return {
        "json-list": json.dumps([good]).encode(),
        "json-string": b'"hello"',
        "json-number": b"42",
        "json-null": b"null",
        "json-true": b"true",
        "empty": b"",
        "spaces": b"        ",
        "not-json": b"{a: 1}",
        "truncated-json": json.dumps(good).encode()[:-1],
        "json-then-garbage": json.dumps(good).encode() + b"x",
        "two-objects": json.dumps(good).encode() + json.dumps(good).encode(),
        "duplicate-tensor-key": (f'{{"a": {json.dumps(A)}, "a": {json.dumps(A)}, '
                                 f'"b": {json.dumps(B)}}}').encode(),
        "duplicate-entry-field": ('{"a": {"dtype": "F32", "dtype": "F32", "shape": [2, 3], '
                                  f'"data_offsets": [0, 24]}}, "b": {json.dumps(B)}}}').encode(),
        "duplicate-metadata": f'{{"__metadata__": {{}}, "__metadata__": {{}}, {body}}}'.encode(),
        "duplicate-metadata-key": f'{{"__metadata__": {{"x": "1", "x": "2"}}, {body}}}'.encode(),
        "not-utf8": b'{"a\xff": ' + json.dumps(A).encode() + b', "b": '
                    + json.dumps(B).encode() + b"}",
        "latin1": '{"é": {}}'.encode("latin-1"),
        "utf16": json.dumps(good).encode("utf-16"),
        "bom": b"\xef\xbb\xbf" + json.dumps(good).encode(),
        "nul-bytes": b"\0" * 64,
        "deep-json": b"[" * 100_000 + b"]" * 100_000,
        "deep-object": b'{"a":' * 50_000 + b"1" + b"}" * 50_000,
        "nan": json.dumps({"a": entry(A, shape=[float("nan")]), "b": B}).encode(),
        "infinity": json.dumps({"a": entry(A, data_offsets=[0, float("inf")]),
                                "b": B}).encode(),
        "huge-float": b'{"a": {"dtype": "F32", "shape": [1e400], "data_offsets": [0, 24]}}',
        "metadata-list": json.dumps({"__metadata__": [["x", "y"]], **good}).encode(),
        "metadata-string": json.dumps({"__metadata__": "x", **good}).encode(),
        "metadata-number": json.dumps({"__metadata__": 5, **good}).encode(),
        "metadata-empty-list": json.dumps({"__metadata__": [], **good}).encode(),
        "metadata-zero": json.dumps({"__metadata__": 0, **good}).encode(),
        "metadata-false": json.dumps({"__metadata__": False, **good}).encode(),
        "metadata-empty-string": json.dumps({"__metadata__": "", **good}).encode(),
        "metadata-int-value": json.dumps({"__metadata__": {"x": 5}, **good}).encode(),
        "metadata-null-value": json.dumps({"__metadata__": {"x": None}, **good}).encode(),
        "metadata-list-value": json.dumps({"__metadata__": {"x": ["y"]}, **good}).encode(),
        "metadata-object-value": json.dumps({"__metadata__": {"x": {}}, **good}).encode(),
        "nt-metadata-int-value": json.dumps(
            {"__metadata__": {**nt_header(good, names=NAMES_AB)["__metadata__"],
                              FORMAT: 1}, **good}).encode(),
    }[case]


RAW_CASES = ["json-list", "json-string", "json-number", "json-null", "json-true", "empty",
             "spaces", "not-json", "truncated-json", "json-then-garbage", "two-objects",
             "duplicate-tensor-key", "duplicate-entry-field", "duplicate-metadata",
             "duplicate-metadata-key", "not-utf8", "latin1", "utf16", "bom", "nul-bytes",
             "deep-json", "deep-object", "nan", "infinity", "huge-float",
             "metadata-list", "metadata-string", "metadata-number", "metadata-empty-list",
             "metadata-zero", "metadata-false", "metadata-empty-string", "metadata-int-value",
             "metadata-null-value", "metadata-list-value", "metadata-object-value",
             "nt-metadata-int-value"]


@pytest.mark.parametrize("case", RAW_CASES)
def test_malformed_json_header(tmp_path, case):
    path = write_st(tmp_path / "raw.safetensors", _raw_header(case), BLOB)
    refused_everywhere(path, like={"a": nt.TensorSpec({"d": 2, "h": 3}),
                                   "b": nt.TensorSpec({"h": 3}, dtype="bool")})
    refused(path, lambda: nt.load(path, names=PLAIN_NAMES))


def test_lone_surrogate_key(tmp_path):
    """A key that is no Unicode text (JSON allows the escape, UTF-8 cannot hold it): never
    a raw UnicodeError, even in a message."""
    raw = f'{{"\\ud800": {json.dumps(A)}, "b": {json.dumps(B)}}}'.encode()
    path = write_st(tmp_path / "surrogate.safetensors", raw, BLOB)
    str(refused(path)).encode("utf-8")
    metadata_or_refused(path)
    loads_or_refused(path, exc=nt.NamedTensorError, names={"\ud800": "d h", "b": "h"})


def test_bool_bytes_other_than_0_and_1(tmp_path):
    like = {"a": nt.TensorSpec({"h": 3, "d": 2}), "b": nt.TensorSpec({"h": 3}, dtype="bool")}
    for byte in (2, 0x80, 0xFF):
        path = write_st(tmp_path / "bool.safetensors", nt_header({"a": A, "b": B},
                        names=NAMES_AB), BLOB[:24] + bytes([1, byte, 0]))
        refused(path)
        refused(path, lambda path=path: nt.load(path, backend="numpy"))
        refused(path, lambda path=path: nt.load(path, like=like))
        assert nt.load_metadata(path) == {}  # the header itself is sound


# --- hypothesis-generated headers -----------------------------------------------------
_dims = st.one_of(st.integers(0, 3), st.sampled_from([-1, 2**31, 10**12, 2**63]),
                  st.booleans(), st.floats(allow_nan=False, width=32), st.none(),
                  st.text(max_size=2))
_codes = st.one_of(st.sampled_from(sorted(_io._DTYPES) + ["F33", "", "int4", "f32", "O"]),
                   st.integers(), st.none())
_names = st.lists(st.sampled_from(["d", "h", "k", "1a", "", "a b", 5]), max_size=4)


def _rarely(draw, good, bad, odds=8):
    """``good`` drawn ``odds`` times out of ``odds + 1``, else ``bad``: most headers are
    valid but for one or two fields, so the deeper checks are reached. (Bad on 3, not 0:
    hypothesis favours the bounds of a range.)"""
    return draw(bad if draw(st.integers(0, odds)) == 3 else good)


@st.composite
def _headers(draw):
    """A header of 1-3 entries, each field usually valid and sometimes hostile; offsets
    usually tile the data (so the deeper checks are reached); names and tree usually fit."""
    keys = draw(st.lists(st.sampled_from(["a", "b", "c.0", "__x"]), min_size=1, max_size=3,
                         unique=True))
    entries, end = {}, 0
    for key in keys:
        code = _rarely(draw, st.sampled_from(sorted(_io._DTYPES)), _codes)
        shape = _rarely(draw, st.lists(st.integers(0, 3), max_size=3),
                        st.one_of(st.lists(_dims, max_size=4), st.none()))
        try:
            nbytes = int(np.prod(shape, dtype=object)) * _io._DTYPES[code].itemsize
            if nbytes < 0 or nbytes > 4096:
                raise ValueError
        except Exception:
            nbytes = draw(st.integers(0, 8))
        offsets = _rarely(draw, st.just([end, end + nbytes]),
                          st.lists(st.one_of(st.integers(-4, 64), st.floats()), max_size=3))
        end = end + nbytes if offsets == [end, end + nbytes] else end
        entries[key] = {"dtype": code, "shape": shape, "data_offsets": offsets}
        if draw(st.integers(0, 19)) == 7:
            del entries[key][draw(st.sampled_from(["dtype", "shape", "data_offsets"]))]
    names = {}
    for key, e in entries.items():
        shape = e.get("shape")
        if isinstance(shape, list) and draw(st.integers(0, 3)):
            good = ["d", "h", "k", "m"][:len(shape)]
            names[key] = _rarely(draw, st.just(good), _names)
    if draw(st.integers(0, 9)) == 0:
        names[draw(st.sampled_from(["a", "zz"]))] = draw(_names)
    tree = _rarely(draw, st.sampled_from([
        {"dict": [[k, {"leaf": k}] for k in entries]},
        {"tuple": [{"leaf": k} for k in entries]},
        {"list": [{"dict": [[k.replace(".", "_"), {"leaf": k}]]} for k in entries]}]),
        st.one_of(st.just({"list": [{"leaf": k} for k in entries] + [{"leaf": keys[0]}]}),
                  st.recursive(st.one_of(st.none(), st.builds(lambda k: {"leaf": k},
                                                              st.sampled_from(keys + ["zz", 0]))),
                               lambda c: st.one_of(
                                   st.builds(lambda v: {"list": v}, st.lists(c, max_size=3)),
                                   st.builds(lambda v: {"tuple": v}, st.lists(c, max_size=3)),
                                   st.builds(lambda v: {"dict": [[str(i), x] for i, x in
                                                                 enumerate(v)]},
                                             st.lists(c, max_size=3))),
                               max_leaves=6)), odds=4)
    digest = _rarely(draw, st.just(True), st.just("0" * 64), odds=10)
    plain = draw(st.integers(0, 4)) == 0
    header = entries if plain else nt_header(entries, names=names, tree=tree, digest=digest)
    data = bytes(draw(st.lists(st.sampled_from([0, 1, 1, 2, 0x7F, 0xFF]), min_size=end,
                               max_size=end)))
    data += _rarely(draw, st.just(b""), st.sampled_from([b"\0", b"xy"]))
    return header, data


@settings(max_examples=120, deadline=None, suppress_health_check=FIXTURE)
@given(case=_headers())
def test_generated_headers_load_or_are_refused(tmp_path, case):
    header, data = case
    path = write_st(tmp_path / "gen.safetensors", header, data)
    if loads_or_refused(path, backend="numpy") is not None:
        loads_or_refused(path)  # and on jax (64-bit dtypes refused without x64)
    if "__metadata__" not in header:  # a plain file: names= may also be wrong for it
        loads_or_refused(path, names={"a": "d", "b": "d h", "c.0": "k", "__x": "m"},
                         backend="numpy", exc=nt.NamedTensorError)
    metadata_or_refused(path)


@settings(max_examples=40, deadline=None, suppress_health_check=FIXTURE)
@given(raw=st.one_of(st.binary(max_size=200), st.text(max_size=100).map(str.encode)),
       data=st.binary(max_size=40))
def test_random_header_bytes_are_refused(tmp_path, raw, data):
    """Random bytes as the header: none of them is a valid namedtensor header."""
    path = write_st(tmp_path / "rnd.safetensors", raw, data)
    refused(path)  # no names: either malformed, or a plain file that needs names=
    metadata_or_refused(path)


# --- paths that are not safetensors files ----------------------------------------------
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe.safetensors"
    os.mkfifo(fifo)
    with deadline(5):
        refused(fifo)
        refused(fifo, lambda: nt.load_metadata(fifo))
        refused(fifo, lambda: nt.load(fifo, like=sample_tree()))


def test_not_files(tmp_path):
    directory = tmp_path / "dir.safetensors"
    directory.mkdir()
    missing = tmp_path / "missing.safetensors"
    empty = tmp_path / "empty.safetensors"
    empty.write_bytes(b"")
    three = tmp_path / "three.safetensors"
    three.write_bytes(b"abc")
    seven = tmp_path / "seven.safetensors"
    seven.write_bytes(b"\x02\0\0\0\0\0\0")
    only_length = tmp_path / "length.safetensors"
    only_length.write_bytes((2).to_bytes(8, "little"))
    loop = tmp_path / "loop.safetensors"
    loop.symlink_to(loop)
    dangling = tmp_path / "dangling.safetensors"
    dangling.symlink_to(tmp_path / "nowhere")
    in_missing_dir = tmp_path / "nodir" / "x.safetensors"
    through_file = three / "x.safetensors"
    for path in (directory, missing, empty, three, seven, only_length, loop, dangling,
                 in_missing_dir, through_file):
        refused(path)
        refused(path, lambda path=path: nt.load_metadata(path))
        refused(path, lambda path=path: nt.load(path, like=sample_tree()))
        refused(path, lambda path=path: nt.load(str(path), backend="numpy"))
    if os.path.exists("/dev/null"):
        refused("/dev/null")
        refused("/dev/null", lambda: nt.load_metadata("/dev/null"))


def test_unreadable_file(tmp_path):
    if os.geteuid() == 0:
        pytest.skip("root reads any file")
    path, _, _ = sample_file(tmp_path)
    path.chmod(0)
    try:
        refused(path)
        refused(path, lambda: nt.load_metadata(path))
    finally:
        path.chmod(0o644)


def test_path_with_a_nul_byte(tmp_path):
    """A path no file can have is refused like a missing file, not with a raw ValueError
    from ``os.stat``."""
    path = str(tmp_path / "a\0b.safetensors")
    for fn in (lambda: nt.load(path), lambda: nt.load_metadata(path)):
        _TRIED[0] += 1
        with pytest.raises(nt.FormatError):
            fn()


# --- plain safetensors files from another tool ------------------------------------------
def _plain_file(tmp_path):
    from safetensors.numpy import save_file

    path = tmp_path / "plain.safetensors"
    save_file({"x": np.arange(6, dtype=np.float32).reshape(2, 3),
               "y": np.array([1, 2, 3, 4], np.int8)}, str(path), metadata={"by": "other"})
    return path


def test_plain_file_needs_names(tmp_path):
    path = _plain_file(tmp_path)
    assert "names=" in refused(path)
    assert "names=" in refused(path, lambda: nt.load(path, backend="numpy"))
    refused(path, lambda: nt.load(path, like={"x": nt.TensorSpec({"a": 2, "b": 3}),
                                              "y": nt.TensorSpec({"c": 4}, dtype="int8")}))
    out = nt.load(path, names={"x": "a b", "y": "c"})
    assert out["x"].names == ("a", "b") and out["x"].sizes == {"a": 2, "b": 3}
    assert out["y"].names == ("c",) and out["y"].dtype == np.int8
    assert nt.load_metadata(path) == {"by": "other"}


@pytest.mark.parametrize("names, exc", [
    ({"x": "a b", "y": "c", "z": "q"}, nt.NamedTensorError),  # a key the file lacks
    ({"x": "a b"}, nt.NamedTensorError),  # missing a key
    ({}, nt.NamedTensorError),
    ({"x": "a", "y": "c"}, nt.AxisNameError),  # too few names
    ({"x": "a b c", "y": "c"}, nt.AxisNameError),  # too many
    ({"x": "a b", "y": ""}, nt.AxisNameError),
    ({"x": "a a", "y": "c"}, nt.AxisNameError),  # duplicate
    ({"x": "1a b", "y": "c"}, nt.AxisNameError),  # invalid
], ids=["extra-key", "missing-key", "empty", "too-few", "too-many", "none-for-1d",
        "duplicate", "invalid"])
def test_plain_file_with_wrong_names(tmp_path, names, exc):
    path = _plain_file(tmp_path)
    _TRIED[0] += 1
    with pytest.raises(exc):
        nt.load(path, names=names)


def test_names_argument_on_a_namedtensor_file(tmp_path):
    path, _, _ = sample_file(tmp_path)
    _TRIED[0] += 1
    with pytest.raises(nt.NamedTensorError):
        nt.load(path, names={"w": "d h"})
