"""Typed signatures: ``nt.T["batch seq d"]`` annotations and the ``@nt.typed`` decorator.

An annotation gives a tensor's names as a set (order is layout); ``...`` allows others. The
check binds each name to one size for the whole call and is cached on the call's names and
sizes (a repeated call costs a lookup, about a microsecond); under ``nt.jit`` it runs once
per trace. The hot path reads each tensor's ``(names, shape)`` with one ``attrgetter`` and
looks the tuple up; labels for messages are only built when something is wrong.
"""

import collections.abc
import functools
import inspect
import operator
import types
import typing
from collections.abc import Callable
from typing import Any, ParamSpec, TypeAlias, TypeVar

import numpy as np

from . import _validate
from ._caches import cached
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import IDENTIFIER, did_you_mean, fmt_sizes, name_problem, prime_hint
from ._tensor import NamedTensor
from ._transforms import _describe, _fn_name

__all__ = ["T", "typed"]

P = ParamSpec("P")
R = TypeVar("R")
Checker: TypeAlias = tuple[Any, ...]  # ("leaf", ann), ("optional", c), ("map", c), ...
Item: TypeAlias = tuple[str, "_Annotation", tuple[str, ...], tuple[Any, ...]]  # one tensor

_KINDS = {"float": "floating", "int": "integer", "complex": "complexfloating", "bool": "bool_"}
_SIG = operator.attrgetter("_names", "_data.shape")  # a tensor's (names, shape), in C
_SIG_DTYPE = operator.attrgetter("_names", "_data.shape", "_data.dtype")
_RESULTS = 64  # result keys remembered per argument key
_MAPS = (dict, collections.abc.Mapping, collections.abc.MutableMapping)
_SEQS: dict[Any, type] = {list: list, collections.abc.Sequence: collections.abc.Sequence,
                          collections.abc.MutableSequence: collections.abc.MutableSequence}


# --- annotations ---------------------------------------------------------------------------
class _Annotation(type):
    """The type of ``nt.T[...]``: a class, so that ``typing`` accepts it anywhere (``T[...] |
    None``, ``typing.Optional``), and ``isinstance(t, nt.T["a b"])`` checks the names."""

    names: tuple[str, ...]  # as written, without '...'
    set: frozenset[str]
    rest: bool  # '...': other names allowed
    dtype: "np.dtype[Any] | str | None"  # a dtype, a kind of _KINDS, or None
    text: str

    def __repr__(cls) -> str:
        return cls.text

    def __instancecheck__(cls, value: object) -> bool:
        return isinstance(value, NamedTensor) and _names_problem(cls, value.names) is None \
            and _dtype_ok(cls.dtype, value.dtype)


@cached(1024)
def _annotation(text: "str | types.EllipsisType", dtype: "np.dtype[Any] | str | None") \
        -> _Annotation:
    shown = f"T[{text!r}]" if dtype is None else f"T[{text!r}, {str(dtype)!r}]"
    if isinstance(text, str):
        words = text.split()
        rest = "..." in words
        names = tuple(w for w in words if w != "...")
        if words.count("...") > 1:
            raise AxisNameError(f"nt.{shown}: '...' appears {words.count('...')} times; "
                                f"write it once, it stands for any other axes")
        problem = name_problem(names)
        if problem and problem[0] == "invalid":
            raise AxisNameError(f"nt.{shown}: invalid axis name {problem[1]!r}; "
                                f"{IDENTIFIER} (and '...' for any other axes)")
        if problem:
            raise AxisNameError(f"nt.{shown}: duplicate axis name(s) {problem[1]}; an "
                                f"annotation names each axis once{prime_hint(problem[1][0])}")
    else:
        names, rest = (), True
        shown = shown.replace("Ellipsis", "...")
    return _Annotation(shown, (), {"names": names, "set": frozenset(names), "rest": rest,
                                   "dtype": dtype, "text": shown, "__module__": "namedtensor"})


class _T:
    """Annotations of named tensors: ``nt.T["batch seq d"]``, ``nt.T["batch ..."]``,
    ``nt.T["batch d", "float32"]``.

    The names are a set: a tensor fits if it has exactly these names, in any order (``...``:
    and any others). The optional dtype is a NumPy dtype name or one of the kinds
    ``"float"``, ``"int"``, ``"complex"``, ``"bool"``. ``nt.T[...]`` is any NamedTensor.
    For static type checkers, which read ``nt.T["..."]``'s string as a type, write
    ``Annotated[nt.NamedTensor, nt.T["batch d"]]``: ``nt.typed`` reads it alike.

    >>> import namedtensor as nt
    >>> nt.T["batch d"]
    T['batch d']
    >>> isinstance(nt.ones({"d": 2, "batch": 3}), nt.T["batch d"])
    True
    >>> isinstance(nt.ones({"batch": 3}), nt.T["batch d"])
    False
    """

    __slots__ = ()

    def __getitem__(self, key: object) -> _Annotation:
        text, dtype = (key[0], key[1]) if isinstance(key, tuple) and len(key) == 2 else \
            (key[0], None) if isinstance(key, tuple) and len(key) == 1 else (key, None)
        if not isinstance(text, str) and text is not Ellipsis:
            raise TypeError(f"nt.T[...]: expected the names as one string such as "
                            f"nt.T['batch seq d'] (optionally with a dtype: nt.T['batch d', "
                            f"'float32']), got {_describe(key)}")
        if dtype is not None and not (isinstance(dtype, str) and dtype in _KINDS):
            dtype = _validate.dtype(dtype, "nt.T[...]", allow_none=False)
        return _annotation(text, dtype)

    def __repr__(self) -> str:
        return "nt.T"


T = _T()


def _names_problem(ann: _Annotation, names: tuple[str, ...]) \
        -> tuple[list[str], list[str]] | None:
    """``None`` if ``names`` fit the annotation, else ``(missing, extra)``."""
    have = set(names)
    missing = [n for n in ann.names if n not in have]
    extra = [] if ann.rest else [n for n in names if n not in ann.set]
    return (missing, extra) if missing or extra else None


@cached(256)
def _dtype_ok(want: "np.dtype[Any] | str | None", have: Any) -> bool:
    if want is None:
        return True
    if isinstance(want, str):
        import jax.numpy as jnp
        return bool(jnp.issubdtype(have, getattr(jnp, _KINDS[want])))
    return bool(np.dtype(have) == want)


# --- compiling an annotation into a checker ------------------------------------------------
def _checker(ann: object, op: str, where: str) -> Checker | None:
    """A nested tuple saying how to check a value against ``ann``, or ``None`` when ``ann``
    holds no ``nt.T``: ``("leaf", ann)``, ``("optional", c)``, ``("map", c)``, ``("seq", c,
    type)``, ``("tuple", cs)``."""
    if isinstance(ann, _Annotation):
        return ("leaf", ann)
    if isinstance(ann, _T):
        raise TypeError(f"{op}: the annotation of {where} is nt.T itself; give the names, "
                        f"e.g. nt.T['batch d'] (nt.T[...] for any NamedTensor)")
    origin, args = typing.get_origin(ann), typing.get_args(ann)
    if origin is typing.Annotated:  # Annotated[nt.NamedTensor, nt.T["a b"]]: for mypy
        marks = [m for m in args[1:] if isinstance(m, _Annotation)]  # args: (type, *metadata)
        return ("leaf", marks[0]) if marks else _checker(args[0], op, where)
    if origin in (typing.Union, types.UnionType):
        alts = [a for a in args if a is not type(None)]
        checked = [c for c in (_checker(a, op, where) for a in alts) if c is not None]
        if not checked:
            return None
        if len(alts) > 1:
            raise TypeError(f"{op}: the annotation of {where} is a Union of several "
                            f"alternatives with nt.T; only nt.T[...] | None is checked (use "
                            f"'...' in the names to allow other axes)")
        return ("optional", checked[0]) if len(alts) < len(args) else checked[0]
    if origin in _MAPS and len(args) == 2:
        sub = _checker(args[1], op, where)
        return None if sub is None else ("map", sub)
    if origin in _SEQS and len(args) == 1:
        sub = _checker(args[0], op, where)
        return None if sub is None else ("seq", sub, _SEQS[origin])
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        sub = _checker(args[0], op, where)
        return None if sub is None else ("seq", sub, tuple)
    if origin is tuple and args != ((),):
        subs = tuple(_checker(a, op, where) for a in args)
        return None if all(s is None for s in subs) else ("tuple", subs)
    return None


def _resolve(ann: object, f: Callable[..., Any], op: str, where: str) -> object:
    """A string annotation (``from __future__ import annotations``) evaluated in ``f``'s
    module; one that cannot be evaluated is left alone unless it mentions ``T[``."""
    if not isinstance(ann, str):
        return ann
    try:
        return eval(ann, getattr(f, "__globals__", {}))  # what typing.get_type_hints does
    except (NameError, AttributeError, SyntaxError) as e:
        if "T[" in ann:
            raise TypeError(f"{op}: cannot evaluate the annotation {ann!r} of {where} "
                            f"({type(e).__name__}: {e}); define the names it uses at module "
                            f"level") from None
        return None


def _shown(k: object) -> str:
    """A mapping key as a message shows it (never a value that may hold array data)."""
    return repr(k) if isinstance(k, (str, int)) and len(repr(k)) <= 40 else type(k).__name__


class _Slow(Exception):
    """A value is not what its annotation says: ``_key`` again, with labels, says how."""


_ABSENT = ("<absent>",)  # the key of a parameter left to its default (not checked)
_MAPPING = collections.abc.Mapping


def _wrong(label: str, op: str, what: str, value: object) -> None:
    if not label:  # the fast pass: labels cost a string each, so they come on a second pass
        raise _Slow
    raise TypeError(f"{op}: {label} must be {what}, got {_describe(value)}")


def _key(checker: Checker, value: Any, sig_of: Callable[[Any], Any], label: str = "",
         op: str = "") -> Any:
    """What the check of ``value`` depends on, as a hashable key: per tensor its names and
    shape (and dtype when one is annotated), per container its keys or length. A value that
    is not as annotated raises ``_Slow`` (with a ``label``: the error that names it)."""
    kind = checker[0]
    if kind == "leaf":
        if label and not isinstance(value, NamedTensor):
            ann = checker[1]
            wrap = f"; wrap an array with nt.tensor(x, {' '.join(ann.names)!r})" \
                if hasattr(value, "shape") and ann.names else ""
            _wrong(label, op, f"a NamedTensor {ann!r}{wrap}", value)
        return sig_of(value)  # AttributeError if not a tensor; AxisNameError if stale
    if kind == "optional":
        return None if value is None else _key(checker[1], value, sig_of, label, op)
    sub = checker[1]
    if kind == "map":
        if type(value) is not dict and not isinstance(value, _MAPPING):
            _wrong(label, op, "a mapping (a dict)", value)
        if sub[0] == "leaf" and not label:  # dict[str, nt.T[...]]: no recursion
            return tuple([(k, sig_of(v)) for k, v in value.items()])
        return tuple([(k, _key(sub, v, sig_of, label and f"{label}[{_shown(k)}]", op))
                      for k, v in value.items()])
    want = tuple if kind == "tuple" else checker[2]
    if not isinstance(value, want) or isinstance(value, str):
        _wrong(label, op, f"a {want.__name__}", value)
    if kind == "seq":
        if sub[0] == "leaf" and not label:  # list[nt.T[...]]: no recursion
            return tuple(map(sig_of, value))
        return tuple([_key(sub, v, sig_of, label and f"{label}[{i}]", op)
                      for i, v in enumerate(value)])
    if len(value) != len(checker[1]):
        _wrong(label, op, f"a tuple of {len(checker[1])} elements", value)
    return tuple([None if c is None else _key(c, v, sig_of, label and f"{label}[{i}]", op)
                  for i, (c, v) in enumerate(zip(checker[1], value, strict=True))])


def _expand(checker: Checker, key: Any, label: str, op: str, seen: list[Item]) -> None:
    """Append ``(label, annotation, names, shape)`` for each tensor of ``key`` (checking the
    dtypes of those annotated with one)."""
    kind = checker[0]
    if kind == "leaf":
        ann = checker[1]
        if ann.dtype is not None and not _dtype_ok(ann.dtype, key[2]):
            raise NamedTensorError(f"{op}: {label} has dtype {np.dtype(key[2])} but the "
                                   f"annotation {ann!r} asks for {ann.dtype}")
        seen.append((label, ann, key[0], key[1]))
    elif kind == "optional":
        if key is not None:
            _expand(checker[1], key, label, op, seen)
    elif kind == "map":
        for k, sub in key:
            _expand(checker[1], sub, f"{label}[{_shown(k)}]", op, seen)
    else:
        subs = checker[1] if kind == "tuple" else (checker[1],) * len(key)
        for i, (c, sub) in enumerate(zip(subs, key, strict=True)):
            if c is not None:
                _expand(c, sub, f"{label}[{i}]", op, seen)


# --- binding names to sizes ------------------------------------------------------------
def _bind(op: str, seen: collections.abc.Sequence[Item]) -> None:
    """Check every ``(label, annotation, names, shape)`` of ``seen`` and bind each annotated
    name to one size for the whole call."""
    bound = {}
    for label, ann, names, shape in seen:
        problem = _names_problem(ann, names)
        if problem:
            missing, extra = problem
            hint = did_you_mean(missing[0], names) if missing else ""
            if missing and missing[0].rstrip("'") in names and missing[0].endswith("'"):
                base = missing[0].rstrip("'")
                hint = f" (t.prime({base!r}) renames the tensor's {base!r} to {missing[0]!r})"
            parts = [f"lacks {'axis' if len(missing) == 1 else 'axes'} "
                     f"{', '.join(map(repr, missing))}{hint}"] if missing else []
            parts += [f"has unexpected {'axis' if len(extra) == 1 else 'axes'} "
                      f"{', '.join(map(repr, extra))}"] if extra else []
            fix = "; add '...' to the annotation to allow other axes" if extra and not missing \
                else ""
            raise AxisNameError(f"{op}: {label} {' and '.join(parts)}: it has "
                                f"{fmt_sizes(names, shape)}, the annotation is {ann!r}{fix}")
        for n, s in zip(names, shape, strict=True):
            if n not in ann.set:
                continue  # an axis allowed by '...' binds nothing
            if n not in bound:
                bound[n] = (s, label)
            elif not bound[n][0] == s:  # == also compares jax.export's symbolic sizes
                size, where = bound[n]
                raise AxisSizeError(f"{op}: {label}: axis {n!r} has size {s} but {where} bound "
                                    f"{n!r} to {size} ({label} has {fmt_sizes(names, shape)})")


@cached(8192)
def _verdict(sig: "_Signature", key: tuple[Any, ...]) -> set[Any]:
    """Check the arguments summarised by ``key`` (errors are raised, so not cached). Returns
    the set of result keys found good with these arguments, which the caller fills."""
    _bind(sig.op, sig.expand(key))
    return set()


_P = inspect.Parameter


class _Signature:
    """What ``@nt.typed`` precomputes for one function (hashed by identity in the cache)."""

    def __init__(self, f: Callable[..., Any], op: str) -> None:
        self.op, self.signature = op, inspect.signature(f)
        where = f"nt.typed({op})"
        self.params = []  # (name, kind, position, checker) of every annotated parameter
        positions = [p.name for p in self.signature.parameters.values()
                     if p.kind in (_P.POSITIONAL_ONLY, _P.POSITIONAL_OR_KEYWORD)]
        for p in self.signature.parameters.values():
            ann = _resolve(p.annotation, f, where, f"parameter {p.name}")
            c = None if ann is _P.empty else _checker(ann, where, f"parameter {p.name}")
            if c is not None:
                position = positions.index(p.name) if p.name in positions else None
                self.params.append((p.name, p.kind, position, c))
        ann = _resolve(self.signature.return_annotation, f, where, "the result")
        self.result = None if ann is _P.empty else _checker(ann, where, "the result")
        self.count = len(positions)
        self.keywords = frozenset(p.name for p in self.signature.parameters.values()
                                  if p.kind in (_P.POSITIONAL_OR_KEYWORD, _P.KEYWORD_ONLY))
        leaves: list[_Annotation] = []
        _leaves([c for *_, c in self.params] + [self.result], leaves)
        self.sig_of = _SIG_DTYPE if any(a.dtype is not None for a in leaves) else _SIG
        # the fast path: every annotated parameter a tensor at a fixed position
        simple = all(c[0] == "leaf" and position is not None
                     for _, _, position, c in self.params)
        slots = [position for _, _, position, _ in self.params if position is not None]
        self.need = (max(slots) + 1 if slots else 0) if simple else None
        self.get = (lambda args: (args[slots[0]],)) if len(slots) == 1 else \
            operator.itemgetter(*slots) if slots else (lambda args: ())
        self.names = frozenset(name for name, *_ in self.params)
        # (keyword or None if positional-only, position): read by the fast path only, where
        # every annotated parameter has a position
        self.slots = [(name if kind is not _P.POSITIONAL_ONLY else None, position)
                      for name, kind, position, _ in self.params if position is not None]

    def key_by_name(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """The key of a call of tensors at fixed positions, some given by keyword."""
        try:
            # a None name (positional-only) is no key: KeyError, the slow path
            return tuple([self.sig_of(args[i] if i < len(args) else
                                      kwargs[name])  # type: ignore[index]
                          for name, i in self.slots])
        except KeyError:  # left to its default, or positional-only (**kwargs holds the name)
            return self.key(args, kwargs)

    def key(self, args: tuple[Any, ...], kwargs: dict[str, Any], labelled: bool = False) \
            -> tuple[Any, ...]:
        """The cache key of a call's arguments. ``_Slow``, ``AttributeError`` or an error of a
        stale tensor when a value is not as annotated; ``labelled``, the error naming it."""
        if labelled:
            try:
                self.signature.bind(*args, **kwargs)
            except TypeError as e:
                raise TypeError(f"{self.op}: {e}") from None
        out = []
        for name, kind, position, c in self.params:
            label = f"argument {name}" if labelled else ""
            if kind is _P.VAR_POSITIONAL:
                out.append(tuple([_key(c, v, self.sig_of, label and f"{label}[{i}]", self.op)
                                  for i, v in enumerate(args[self.count:])]))
            elif kind is _P.VAR_KEYWORD:
                out.append(tuple([(k, _key(c, v, self.sig_of, f"argument {k}" * labelled,
                                           self.op))
                                  for k, v in kwargs.items() if k not in self.keywords]))
            elif position is not None and position < len(args):
                if name in kwargs and kind is not _P.POSITIONAL_ONLY:
                    raise _Slow  # given twice: the binding error says so
                out.append(_key(c, args[position], self.sig_of, label, self.op))
            elif name in kwargs and kind is not _P.POSITIONAL_ONLY:
                out.append(_key(c, kwargs[name], self.sig_of, label, self.op))
            else:
                out.append(_ABSENT)  # left to its default: the function's own business
        return tuple(out)

    def expand(self, key: tuple[Any, ...], result: Any = _ABSENT) -> tuple[Item, ...]:
        seen: list[Item] = []
        for (name, kind, _, c), k in zip(self.params, key, strict=True):
            if kind is _P.VAR_POSITIONAL:
                for i, sub in enumerate(k):
                    _expand(c, sub, f"argument {name}[{i}]", self.op, seen)
            elif kind is _P.VAR_KEYWORD:
                for kw, sub in k:
                    _expand(c, sub, f"argument {kw}", self.op, seen)
            elif k is not _ABSENT:
                _expand(c, k, f"argument {name}", self.op, seen)
        if result is not _ABSENT and self.result is not None:
            _expand(self.result, result, "result", self.op, seen)
        return tuple(seen)


def _leaves(checkers: Any, out: list[_Annotation]) -> None:
    for c in checkers:
        if c is None:
            continue
        if c[0] == "leaf":
            out.append(c[1])
        else:
            _leaves(c[1] if c[0] == "tuple" else (c[1],), out)


def typed(f: Callable[P, R]) -> Callable[P, R]:
    """Check ``f``'s ``nt.T`` annotations at every call: names as sets, one size per name.

    Each annotated argument must be a NamedTensor with the annotation's names (in any
    order; ``...`` allows others); a name bound to a size by one argument must have that
    size in every other argument and in the result. Pytrees are checked inside: ``dict[str,
    nt.T["a b"]]``, ``list[...]``, ``tuple[nt.T["a"], nt.T["b"]]``, ``tuple[nt.T["a"],
    ...]``, ``nt.T["a"] | None``. The check is cached on the call's names and sizes, and
    under ``nt.jit`` it runs once per trace.

    >>> import namedtensor as nt
    >>> @nt.typed
    ... def mix(x: nt.T["batch d"], w: nt.T["d d'"]) -> nt.T["batch d'"]:
    ...     return nt.einsum("batch d, d d' -> batch d'", x, w)
    >>> mix(nt.ones({"batch": 2, "d": 3}), nt.ones({"d'": 4, "d": 3})).sizes
    {'batch': 2, "d'": 4}
    >>> mix(nt.ones({"batch": 2, "e": 3}), nt.ones({"d": 3, "d'": 4}))
    Traceback (most recent call last):
    namedtensor._errors.AxisNameError: mix: argument x lacks axis 'd' and has unexpected ...

    Args:
        f: the function; parameters and a result without ``nt.T`` annotations are not
            checked (a function without any is returned as it is).

    Returns:
        A function with ``f``'s signature (``functools.wraps``) that checks, then calls ``f``.

    Raises:
        AxisNameError: missing or extra axes (or, at decoration, invalid names).
        AxisSizeError: a name bound to two sizes in one call.
        TypeError: a value that is not a NamedTensor (or the annotated container).
    """
    if isinstance(f, (staticmethod, classmethod)):
        kind = type(f).__name__
        raise TypeError(f"nt.typed: put @nt.typed below @{kind}, not above it (it checks the "
                        f"function that @{kind} wraps)")
    f = _validate.function(f, "nt.typed")
    if isinstance(f, type):  # wrapping it would make it a function (no isinstance, no methods)
        raise TypeError(f"nt.typed: decorate a function or a method, got the class "
                        f"{f.__name__}; decorate the method that takes the tensors instead")
    op = getattr(f, "__qualname__", None)
    op = op.replace("<locals>.", "") if isinstance(op, str) else _fn_name(f)
    try:
        sig = _Signature(f, op)
    except ValueError:  # a builtin without a signature has no annotations to check
        return f
    if not sig.params and sig.result is None:
        return f
    if sig.result is not None and (inspect.iscoroutinefunction(f) or inspect.isgeneratorfunction(f)
                                   or inspect.isasyncgenfunction(f)):
        raise TypeError(f"nt.typed: {op} is a coroutine or generator function, so its result "
                        f"is not the annotated tensor; annotate its arguments only")
    result, need, get, names, sig_of = sig.result, sig.need, sig.get, sig.names, sig.sig_of
    leaf_result = result is not None and result[0] == "leaf"

    @functools.wraps(f)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            if need is None:
                key = sig.key(args, kwargs)
            elif len(args) >= need and (not kwargs or names.isdisjoint(kwargs)):
                key = tuple(map(sig_of, get(args)))  # all in C: the common case
            else:
                key = sig.key_by_name(args, kwargs)
        except (_Slow, AttributeError, NamedTensorError):
            sig.key(args, kwargs, labelled=True)  # raises the error that names the argument
            raise
        good = _verdict(sig, key)
        out = f(*args, **kwargs)
        if result is None:
            return out
        try:
            out_key = sig_of(out) if leaf_result else _key(result, out, sig_of)
        except (_Slow, AttributeError, NamedTensorError):
            _key(result, out, sig_of, "result", op)
            raise
        if out_key not in good:
            _bind(op, sig.expand(key, out_key))
            if len(good) >= _RESULTS:
                good.clear()
            good.add(out_key)
        return out

    return checked
