"""Pytree containers as JSON, and careful file access: shared by _io and _export.

``encode_tree``/``decode_tree`` turn a tree's containers (dicts, lists, tuples, None and
registered pytrees) into JSON and back, without ever naming a Python class; the leaves are
the caller's. ``regular_file`` refuses anything but an existing regular file (a FIFO would
block) and ``write_atomic`` writes next to the target and renames, so a crash never leaves
half a file.
"""

import os
import stat
import tempfile
from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

import jax

from ._errors import FormatError
from ._tensor import NamedTensor
from ._transforms import TensorSpec
from ._types import PyTree

__all__ = ["encode_tree", "decode_tree", "component", "path_arg", "regular_file",
           "write_atomic", "unique_keys", "BARE"]

MAX_DEPTH = 200  # containers nested deeper than this in a file's tree are refused
BARE = "tensor"  # the key of a tree that is a single leaf

# a decoded JSON value (dicts, lists, str, numbers, bools, None), not yet validated
Json: TypeAlias = Any
# the exception for a malformed file, given what is wrong: ``raise fail("...")``
Fail: TypeAlias = Callable[[str], Exception]


# --- pytree containers as JSON --------------------------------------------------------
def component(entry: object) -> str:
    """One key-path entry as it appears in a dotted path."""
    for attr in ("key", "name", "idx"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return str(entry)


def _children(node: Any) -> list[tuple[Any, Any]] | None:
    """``node``'s children with their key-path entries, or ``None`` if it is a leaf."""
    pairs, treedef = jax.tree_util.tree_flatten_with_path(node, is_leaf=lambda x: x is not node)
    if jax.tree_util.treedef_is_leaf(treedef) and pairs and pairs[0][1] is node:
        return None
    return [(path[0], child) for path, child in pairs]


def encode_tree(tree: PyTree, leaf: Callable[[str, Any], Json], op: str,
                _path: tuple[str, ...] = ()) -> dict[str, Json] | None:
    """The containers of ``tree`` as JSON; every leaf becomes ``{"leaf": leaf(key, value)}``
    with ``key`` its dotted path. Dicts need str keys; NamedTuples come back as tuples and
    other registered pytrees as dicts of their attributes (``like=`` restores classes)."""
    key = ".".join(_path) or BARE
    if tree is None:
        return None
    if isinstance(tree, (NamedTensor, TensorSpec)):
        return {"leaf": leaf(key, tree)}
    if isinstance(tree, dict):
        for k in tree:
            if not isinstance(k, str):
                raise TypeError(f"{op}: dict keys must be str to name a saved entry; "
                                f"{key!r} has a key of type {type(k).__name__}")
        return {"dict": [[k, encode_tree(v, leaf, op, _path + (k,))] for k, v in tree.items()]}
    if type(tree) in (list, tuple):
        kind = "list" if type(tree) is list else "tuple"
        return {kind: [encode_tree(v, leaf, op, _path + (str(i),)) for i, v in enumerate(tree)]}
    children = _children(tree)
    if children is None:
        return {"leaf": leaf(key, tree)}
    entries = [component(e) for e, _ in children]
    body = [encode_tree(c, leaf, op, _path + (e,)) for e, (_, c) in zip(entries, children)]
    named = jax.tree_util.GetAttrKey | jax.tree_util.DictKey
    if isinstance(tree, tuple) or not all(isinstance(e, named) for e, _ in children):
        return {"tuple": body}
    return {"dict": [list(pair) for pair in zip(entries, body)]}


def decode_tree(node: Json, leaf: Callable[[Json], Any], fail: Fail, _depth: int = 0) -> PyTree:
    """The tree that :func:`encode_tree` encoded, of dicts, lists and tuples; ``leaf(payload)``
    rebuilds each leaf and ``fail(message)`` is the exception for a malformed node."""
    if _depth > MAX_DEPTH:
        raise fail(f"the tree is nested more than {MAX_DEPTH} containers deep")
    if node is None:
        return None
    if not isinstance(node, dict) or len(node) != 1:
        raise fail("a tree node is not a one-key object")
    (kind, body), = node.items()
    if kind == "leaf":
        return leaf(body)
    if kind in ("list", "tuple"):
        if not isinstance(body, list):
            raise fail(f"a {kind} node does not hold a list")
        items = [decode_tree(c, leaf, fail, _depth + 1) for c in body]
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        if not isinstance(body, list) or not all(
                isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) for p in body):
            raise fail("a dict node is not a list of [str key, node] pairs")
        if len({k for k, _ in body}) != len(body):
            raise fail("a dict node repeats a key")
        return {k: decode_tree(c, leaf, fail, _depth + 1) for k, c in body}
    raise fail(f"unknown tree node kind {kind[:40]!r}")


# --- files ---------------------------------------------------------------------------
def path_arg(path: object, op: str) -> str:
    if isinstance(path, (str, os.PathLike)):
        path = os.fspath(path)
    if not isinstance(path, str):
        raise TypeError(f"{op}: path must be a str or os.PathLike, got {type(path).__name__}")
    if not path:
        raise FormatError(f"{op}: path is empty")
    if "\0" in path:
        raise FormatError(f"{op}: path {path!r} contains a NUL byte")
    return path


def regular_file(path: object, op: str) -> tuple[str, int]:
    """``(path, size)`` of an existing regular file, else ``FormatError`` naming it."""
    path = path_arg(path, op)
    try:
        info = os.stat(path)
    except OSError as e:
        problem = "does not exist" if isinstance(e, FileNotFoundError) else \
            f"cannot be read ({e.strerror})"
        raise FormatError(f"{op}: {path!r} {problem}") from None
    if stat.S_ISDIR(info.st_mode):
        raise FormatError(f"{op}: {path!r} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise FormatError(f"{op}: {path!r} is not a regular file")
    return path, info.st_size


def write_atomic(path: object, write: Callable[[str], object], op: str) -> None:
    """Call ``write(tmp)`` on a temporary file next to ``path``, then rename it to ``path``:
    a crash mid-write never leaves a truncated file at ``path``."""
    path = path_arg(path, op)
    folder = os.path.dirname(os.path.abspath(path))
    try:
        if os.path.isdir(path):
            raise IsADirectoryError(21, "Is a directory")
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{os.path.basename(path)}.", suffix=".tmp")
    except OSError as e:
        raise FormatError(f"{op}: cannot write {path!r} ({e.strerror})") from None
    os.close(fd)
    try:
        write(tmp)
        mode = os.stat(path).st_mode & 0o777 if os.path.exists(path) else 0o644
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException as e:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(e, OSError):
            raise FormatError(f"{op}: cannot write {path!r} ({e.strerror or e})") from None
        raise


def unique_keys(pairs: Sequence[tuple[str, Json]]) -> dict[str, Json]:
    """A JSON object as a dict (``json.loads``' ``object_pairs_hook``); a repeated key,
    which ``json`` would let the last one win, is refused with a ``ValueError``."""
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("an object repeats a key")
    return out
