"""Loading an exported program: ``load_exported`` validates the whole file before trusting it.

The header (format, version, signature, symbols, ``vjp_order``, the artifact's SHA-256 and
length, and a digest of the header itself) is read and checked completely, the artifact's
SHA-256 is verified before ``jax.export.deserialize`` sees a byte of it (one flipped byte in
a raw artifact was seen to crash the process), and the deserialized program's inputs and
outputs must agree with the header's signature. Every problem is a ``FormatError``.
"""

import functools
import hashlib
import json
import os
from collections.abc import Sequence
from typing import Any, NoReturn

import jax
import jax.export
import numpy as np

from . import _validate as V
from ._errors import FormatError, NamedTensorError
from ._export import (
    _KEYS,
    _LENGTH,
    _MAX_HEADER,
    FORMAT,
    MAGIC,
    MAX_VJP_ORDER,
    VERSION,
    Exported,
    _digest,
    _map,
    _walk,
)
from ._files import Fail, Json, decode_tree, regular_file, unique_keys
from ._names import name_problem

__all__ = ["load_exported"]


def _no_constant(text: str) -> NoReturn:
    raise ValueError(f"{text} is not JSON")


def _integer(value: object, what: str, fail: Fail, low: int = 0, high: int = 2**62) -> int:
    if type(value) is not int or not low <= value <= high:
        raise fail(f"{what} must be an int in [{low}, {high}], got "
                   f"{value if type(value) is int else type(value).__name__}")
    return value


def _header_fields(header: Json, size: int, start: int, fail: Fail) -> tuple[str, int]:
    """Check every field of the header but the signature; returns the artifact's
    (digest, length)."""
    if not isinstance(header, dict):
        raise fail(f"the header is a JSON {type(header).__name__}, not an object")
    if header.get("format") != FORMAT:
        raise fail(f"the header's format is {str(header.get('format'))[:40]!r}, not {FORMAT!r}: "
                   f"not a file written by nt.Exported.save")
    version = header.get("version")
    if version != VERSION or type(version) is not int:
        raise fail(f"format version {str(version)[:20]} is not supported (this namedtensor "
                   f"reads version {VERSION}); re-export with this version")
    if header.get("digest") != _digest(header):
        raise fail("the header's digest does not match its contents: the header is corrupted")
    if set(header) != _KEYS:
        raise fail(f"the header lacks {sorted(_KEYS - set(header))} and has extra "
                   f"{sorted(set(header) - _KEYS)[:5]} entries")
    for key in ("name", "jax"):
        if not isinstance(header[key], str) or len(header[key]) > 1000:
            raise fail(f"the header's {key!r} is not a short str")
    platforms = header["platforms"]
    if not isinstance(platforms, list) or not platforms or \
            not all(isinstance(p, str) and len(p) < 40 for p in platforms):
        raise fail("the header's 'platforms' is not a list of platform names")
    _integer(header["vjp_order"], "the header's vjp_order", fail, 0, MAX_VJP_ORDER)
    symbols = header["symbols"]
    if not isinstance(symbols, dict) or name_problem(list(symbols)) or \
            not all(isinstance(s, str) and s.isidentifier() for s in symbols.values()) or \
            len(set(symbols.values())) != len(symbols):
        raise fail("the header's 'symbols' is not a map of axis names to distinct symbols")
    signature = header["signature"]
    if not isinstance(signature, dict) or set(signature) != {"inputs", "outputs"} or \
            not isinstance(signature["inputs"], list):
        raise fail("the header's signature is not an object of 'inputs' (a list) and 'outputs'")
    artifact = header["artifact"]
    if not isinstance(artifact, dict) or set(artifact) != {"sha256", "length"}:
        raise fail("the header's 'artifact' is not an object of 'sha256' and 'length'")
    digest = artifact["sha256"]
    if not isinstance(digest, str) or len(digest) != 64 or \
            any(c not in "0123456789abcdef" for c in digest):
        raise fail("the header's artifact checksum is not a SHA-256 in hex")
    length = _integer(artifact["length"], "the artifact's length", fail)
    if start + length != size:
        problem = "truncated" if start + length > size else "followed by extra bytes"
        raise fail(f"the artifact is {problem}: the header says {length} bytes, the file has "
                   f"{size - start} after the header")
    return digest, length


def _payload(payload: Json, symbols: dict[str, str], is_input: bool, fail: Fail
             ) -> tuple[tuple[str, ...] | None, tuple[int | str, ...], "np.dtype[Any]"]:
    """Check one leaf of the header's signature: ``(names, shape, dtype)``."""
    if not isinstance(payload, dict) or set(payload) != {"names", "shape", "dtype"}:
        raise fail("a signature leaf is not an object of 'names', 'shape' and 'dtype'")
    names, shape, dtype = payload["names"], payload["shape"], payload["dtype"]
    if names is not None:
        if not isinstance(names, list) or name_problem(names):
            raise fail("a signature leaf's names are not a list of unique valid axis names")
        names = tuple(names)
    if not isinstance(shape, list) or len(shape) > 64 or \
            (names is not None and len(shape) != len(names)):
        raise fail("a signature leaf's shape is not a list of one size per name")
    for i, s in enumerate(shape):
        if isinstance(s, str):
            if names is None:
                raise fail("an unnamed signature leaf has a symbolic size")
            if is_input and symbols.get(names[i]) != s:
                raise fail(f"axis {names[i]!r} has the symbolic size {s[:40]!r}, which is not "
                           f"its symbol in the header")
            if len(s) > 1000:
                raise fail("a symbolic size is too long")
        else:
            _integer(s, "a size in the signature", fail)
    if not isinstance(dtype, str):
        raise fail("a signature leaf's dtype is not a str")
    try:
        dtype = V.dtype(dtype, "nt.load_exported", allow_none=False)
    except (TypeError, NamedTensorError):
        raise fail(f"a signature leaf has the unknown dtype {dtype[:40]!r}") from None
    return names, tuple(shape), dtype


def _check_signature(header: dict[str, Json], fail: Fail) -> None:
    """Every leaf of the signature checked; the signature's trees decoded once (dicts,
    lists and tuples only), which also checks their containers."""
    symbols, signature = header["symbols"], header["signature"]
    nodes = list(signature["inputs"]) + [signature["outputs"]]
    for k, node in enumerate(nodes):
        is_input = k < len(nodes) - 1
        decode_tree(node, functools.partial(_payload, symbols=symbols, is_input=is_input,
                                            fail=fail), fail)
        if _map(node, lambda p: p, sort=True) != node:
            raise fail("a dict in the signature is not in sorted key order")
    used = {n for node in signature["inputs"] for _, p in _walk(node)
            for n, s in zip(p["names"] or (), p["shape"]) if isinstance(s, str)}
    if used != set(symbols):
        raise fail("the header's symbols do not match the symbolic sizes of the inputs")


def _check_avals(avals: Sequence[Any], nodes: Sequence[Json], what: str, fail: Fail) -> None:
    """The artifact's ``avals`` agree with the header's leaves (count, shapes, dtypes)."""
    payloads = [p for node in nodes for _, p in _walk(node)]
    if len(avals) != len(payloads):
        raise fail(f"the artifact has {len(avals)} {what} but the header's signature has "
                   f"{len(payloads)}")
    for i, (aval, p) in enumerate(zip(avals, payloads)):
        dims = tuple(str(d) if jax.export.is_symbolic_dim(d) else int(d) for d in aval.shape)
        if str(aval.dtype) != p["dtype"] or dims != tuple(p["shape"]):
            raise fail(f"the artifact's {what[:-1]} {i} is {aval.dtype}"
                       f"{list(dims)} but the header's signature has {p['dtype']}"
                       f"{list(p['shape'])}")


def load_exported(path: str | os.PathLike[str]) -> Exported:
    """Load a program saved by ``nt.Exported.save``: a callable on NamedTensors.

    It needs neither ``f`` nor its source. Inputs may come in any axis order; names,
    sizes (symbolic ones consistently across the inputs) and dtypes are checked against
    the signature, and the outputs are NamedTensors in dicts, lists and tuples.

    >>> import os, tempfile
    >>> import namedtensor as nt
    >>> path = os.path.join(tempfile.mkdtemp(), "norm.ntexport")
    >>> spec = nt.TensorSpec({"batch": None, "feat": 2})
    >>> nt.export(lambda x: (x * x).sum("feat"), spec).save(path)
    >>> norm = nt.load_exported(path)
    >>> norm(nt.tensor([[3.0, 1.0], [4.0, 2.0]], "feat batch")).tolist()
    [25.0, 5.0]

    Args:
        path: a str or os.PathLike.

    Returns:
        An :class:`Exported`.

    Raises:
        FormatError: the file is missing, not a regular file, truncated, corrupted (its
            checksum disagrees), of another format version, or its header disagrees with the
            program it holds.
    """
    op = "nt.load_exported"
    path, size = regular_file(path, op)

    def fail(problem: str) -> FormatError:
        return FormatError(f"{op}: {path!r}: {problem}")

    prefix = len(MAGIC) + _LENGTH.size
    try:
        with open(path, "rb") as f:
            head = f.read(prefix)
            if len(head) < prefix or head[:len(MAGIC)] != MAGIC:
                raise fail("not an exported program (it does not start with "
                           f"{MAGIC.decode()!r}; empty or truncated?)" if len(head) < prefix
                           else f"not an exported program (it does not start with "
                           f"{MAGIC.decode()!r})")
            (length,) = _LENGTH.unpack(head[len(MAGIC):])
            if length > min(_MAX_HEADER, size - prefix):
                raise fail(f"the header claims {length} bytes, more than the file "
                           f"({size} bytes) or the limit ({_MAX_HEADER}) allows")
            text = f.read(length)
            try:
                header = json.loads(text.decode("utf-8"), object_pairs_hook=unique_keys,
                                    parse_constant=_no_constant)
            except (ValueError, RecursionError) as e:
                raise fail(f"the header is not valid JSON ({str(e)[:100]})") from None
            digest, length = _header_fields(header, size, prefix + len(text), fail)
            _check_signature(header, fail)
            artifact = f.read(length)
    except OSError as e:
        raise fail(f"cannot be read ({e.strerror or e})") from None
    if len(artifact) != length:
        raise fail("the artifact is truncated")
    if hashlib.sha256(artifact).hexdigest() != digest:
        raise fail("the artifact's SHA-256 does not match the header's: the file is corrupted")
    try:
        exported = jax.export.deserialize(bytearray(artifact))
    except Exception as e:  # noqa: BLE001 - any failure of foreign bytes is a format problem
        raise fail(f"the artifact does not deserialize with jax {jax.__version__} (written "
                   f"by jax {header['jax']}): {type(e).__name__}: {str(e)[:200]}") from None
    signature = header["signature"]
    _check_avals(exported.in_avals, signature["inputs"], "inputs", fail)
    _check_avals(exported.out_avals, [signature["outputs"]], "outputs", fail)
    n_in, n_out = len(exported.in_avals), len(exported.out_avals)
    # jax's PyTreeDef is an alias mypy cannot resolve: compare the trees as objects
    in_tree: object = exported.in_tree
    out_tree: object = exported.out_tree
    if in_tree != jax.tree_util.tree_structure((tuple(range(n_in)), {})) or \
            out_tree != jax.tree_util.tree_structure(list(range(n_out))):
        raise fail("the artifact does not take and return flat arrays as nt.export makes it")
    if list(exported.platforms) != header["platforms"]:
        raise fail(f"the artifact is compiled for {list(exported.platforms)} but the header "
                   f"says {header['platforms']}")
    if exported.has_vjp() != (header["vjp_order"] > 0):
        raise fail(f"the header says vjp_order={header['vjp_order']} but the artifact "
                   f"{'carries' if exported.has_vjp() else 'does not carry'} derivatives")
    del header["artifact"], header["digest"]
    return Exported._make(exported, header, artifact, f"nt.Exported({header['name']})", fail)
