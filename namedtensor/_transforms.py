"""Transforms with name bookkeeping over JAX: jit, vmap, scan, callback, benchmark.

Names are static (pytree aux data), so they cost nothing once compiled. JAX's own
vmap and scan know nothing of names: inside ``jax.vmap`` a tensor would keep a
stale name for the mapped axis, and outside it would gain an unnamed one. These
wrappers move between named tensors and positional leaves themselves.
"""

import functools
import inspect
import numbers
import statistics
import time
from collections.abc import Callable, Mapping, Sequence
from typing import (
    TYPE_CHECKING,
    Any,
    Generic,
    NamedTuple,
    ParamSpec,
    Protocol,
    Self,
    TypeAlias,
    TypeGuard,
    TypeVar,
    TypeVarTuple,
    overload,
)

import jax
import numpy as np
from jax.sharding import Mesh
from jax.tree_util import PyTreeDef

from . import _validate
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import fmt_sizes
from ._tensor import NamedTensor, _Stale
from ._types import Array, DTypeLike, PyTree, SymbolicSizes
from .backends import Backend, get_backend

if TYPE_CHECKING:
    from ._sharding import Rules, RulesLike

__all__ = ["jit", "vmap", "scan", "callback", "TensorSpec", "benchmark", "BenchmarkResult"]

P = ParamSpec("P")
R = TypeVar("R")
R_co = TypeVar("R_co", covariant=True)
S = TypeVar("S")
Carry = TypeVar("Carry")
X = TypeVar("X")
Y = TypeVar("Y")
Ts = TypeVarTuple("Ts")
# what vmap and scan record of an output, for the way back: its structure and each leaf's
# names (None: an unnamed array, which gains no name)
Record: TypeAlias = list[tuple[PyTreeDef, tuple[tuple[str, ...] | None, ...]]]


def _jax_backend() -> Backend:
    return get_backend("jax")  # cached by the backend registry


def _is_named(x: object) -> TypeGuard[NamedTensor]:
    return isinstance(x, NamedTensor)


def _flatten(tree: PyTree) -> tuple[list[Any], PyTreeDef]:
    return jax.tree_util.tree_flatten(tree, is_leaf=_is_named)


def _wrap(data: Array, names: tuple[str, ...]) -> NamedTensor:
    return NamedTensor._new(data, names, _jax_backend())


def _describe(value: object) -> str:
    """A value's kind for a message, never its contents: ``a NamedTensor (a=2)``,
    ``a tuple of 3 elements``, ``a str``."""
    if _is_named(value):
        return f"a NamedTensor {fmt_sizes(value.names, value.shape)}"
    if isinstance(value, (tuple, list)):
        return f"a {type(value).__name__} of {len(value)} element{'s' * (len(value) != 1)}"
    if isinstance(value, (jax.Array, np.ndarray)):
        return f"an unnamed {value.dtype} array of shape {tuple(value.shape)}"
    if value is None:
        return "None"
    kind = type(value).__name__
    return f"{'an' if kind[0] in 'aeiouAEIOU' else 'a'} {kind}"


def _is_value(x: object) -> bool:
    """A leaf JAX can trace: a NamedTensor, a JAX array (or tracer), a numeric NumPy array
    or a Python/NumPy number."""
    if isinstance(x, (np.ndarray, np.generic)):
        return x.dtype == np.bool_ or x.dtype == jax.dtypes.float0 or \
            jax.numpy.issubdtype(x.dtype, jax.numpy.number)
    return isinstance(x, (NamedTensor, jax.Array, numbers.Number))


def _check_value(leaf: object, op: str, what: str, hint: str = "convert it") -> None:
    """A ``TypeError`` for a leaf JAX cannot trace; a :class:`NamedTensorError` for a Python
    int beyond JAX's integer type (where JAX raises ``OverflowError``)."""
    if not _is_value(leaf):
        raise TypeError(f"{op}: {what} is {_describe(leaf)}, which is not a NamedTensor, an array "
                        f"or a number; {hint}")
    if isinstance(leaf, int) and not isinstance(leaf, bool):
        _validate.fits(leaf, _validate.default_int(), op, what)


def _check_values(leaves: Sequence[object], op: str, what: str) -> None:
    """Every leaf is a tensor, an array or a number that JAX can hold."""
    for i, leaf in enumerate(leaves):
        _check_value(leaf, op, what if len(leaves) == 1 else f"{what} (leaf {i})")


def _pair(out: object, op: str, what: str) -> tuple[Any, ...] | list[Any]:
    """``f``'s output, which must be a pair such as ``(carry, y)``."""
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{op}: f must return a pair {what}, got {_describe(out)}")
    return out


class _Decorate:
    """The default of a transform's ``f``: called without ``f`` (``@nt.jit(static_argnames=
    ...)``), the transform returns a decorator; an explicit ``f=None`` is refused."""

    def __repr__(self) -> str:
        return "<decorator>"


DECORATE = _Decorate()


def _fn_name(f: object) -> str:
    name: str = getattr(f, "__name__", type(f).__name__)
    return name


# --- jit --------------------------------------------------------------------------
def _static_argnames(value: object, f: Callable[..., Any] | None = None) \
        -> tuple[str, ...] | None:
    """``None``, a str or a sequence of str; with ``f``, each must be one of its parameters."""
    if value is None:
        return None
    names = (value,) if isinstance(value, str) else value
    if not isinstance(names, (tuple, list)):
        raise TypeError(f"nt.jit: static_argnames must be a str or a sequence of str, got "
                        f"{_describe(value)}")
    for n in names:
        if not isinstance(n, str):
            raise TypeError(f"nt.jit: static_argnames must be a str or a sequence of str, got "
                            f"an element of type {type(n).__name__}")
    if f is not None:
        try:
            params = inspect.signature(f).parameters
        except (TypeError, ValueError):  # a builtin or C callable: nothing to check against
            params = None
        if params is not None and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            unknown = [n for n in names if n not in params]
            if unknown:
                raise NamedTensorError(f"nt.jit({_fn_name(f)}): static_argnames {unknown} are not "
                                       f"parameters of {_fn_name(f)} (it takes {list(params)})")
    return tuple(names)


def _diagnosis(check: Callable[..., object], *args: Any) -> TypeError | NamedTensorError | None:
    """The error ``check(*args)`` raises (ours: it names the argument), or ``None``: how a
    JAX error on the slow path is turned into ours, raised ``from None``."""
    try:
        check(*args)
    except (TypeError, NamedTensorError) as e:
        return e
    return None


class _Compiled(Protocol[P, R_co]):
    """What ``jax.jit`` returns, as ``Jitted`` uses it (typed with ``f``'s signature)."""

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R_co: ...
    def lower(self, *args: Any, **kwargs: Any) -> jax.stages.Lowered: ...
    def trace(self, *args: Any, **kwargs: Any) -> jax.stages.Traced: ...


class Jitted(Generic[P, R]):
    """A compiled function: call it, or ask for ``.code(*args)`` / ``.lower(*args)``."""

    def __init__(self, f: Callable[P, R], static_argnames: str | Sequence[str] | None) -> None:
        self._f = f
        self._op = f"nt.jit({_fn_name(f)})"
        static = _static_argnames(static_argnames, f) or ()
        self._jitted: _Compiled[P, R] = jax.jit(self._traced(f), static_argnames=static)
        self._static = frozenset(static)
        try:  # JAX makes a static name static when it is passed by position too
            params = list(inspect.signature(f).parameters.values())
        except (TypeError, ValueError):
            params = []
        self._static_positions = frozenset(
            i for i, p in enumerate(params) if p.name in self._static
            and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD))
        functools.update_wrapper(self, f)

    def _traced(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """The function handed to ``jax.jit`` (``nt.jit(mesh=...)`` wraps it)."""
        return f

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return self._jitted(*args, **kwargs)
        except NamedTensorError:
            raise
        except ValueError:  # JAX refuses arguments committed to different devices
            error = _diagnosis(self._devices_agree, args, kwargs)
            if error is None:
                raise
            raise error from None
        except (TypeError, OverflowError):  # JAX refuses an argument that is not an array
            error = _diagnosis(self._check_arguments, args, kwargs)
            if error is None:
                raise
            raise error from None

    def _check_arguments(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """A ``TypeError`` naming ``nt.jit`` and the argument that JAX cannot trace (only on
        the error path; a TypeError of ``f``'s own is re-raised as it is)."""
        dynamic = [(f"argument {i}", a) for i, a in enumerate(args)
                   if i not in self._static_positions]
        dynamic += [(f"argument {k!r}", v) for k, v in kwargs.items() if k not in self._static]
        for where, value in dynamic:
            for leaf in _flatten(value)[0]:
                _check_value(leaf, self._op, where, "convert it, or make it static with "
                                                    "static_argnames")

    def _devices_agree(self, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
        """A :class:`DeviceMismatchError` naming both devices if the NamedTensor arguments are
        committed to different devices (only on the error path: off the hot path)."""
        committed = [t for t in _flatten((args, kwargs))[0] if _is_named(t) and
                     t.backend == "jax" and getattr(t.data, "committed", False)]
        _validate.devices_agree(committed, self._op)

    def _staged(self, stage: Callable[..., S], args: Sequence[Any],
                kwargs: Mapping[str, Any]) -> S:
        """``stage(*args, **kwargs)`` (the jitted function's ``lower`` or ``trace``), with a
        JAX refusal of an argument turned into ours."""
        try:
            return stage(*args, **kwargs)
        except (TypeError, OverflowError):
            error = _diagnosis(self._check_arguments, args, kwargs)
            if error is None:
                raise
            raise error from None

    def lower(self, *args: Any, **kwargs: Any) -> jax.stages.Lowered:
        """JAX's lowered computation for these arguments."""
        return self._staged(self._jitted.lower, args, kwargs)

    def trace(self, *args: Any, **kwargs: Any) -> jax.stages.Traced:
        """JAX's traced computation for these arguments (what ``jax.export.export`` uses)."""
        return self._staged(self._jitted.trace, args, kwargs)

    def code(self, *args: Any, **kwargs: Any) -> str:
        """The traced program for these arguments, as text (StableHLO)."""
        return self.lower(*args, **kwargs).as_text()


@overload
def jit(f: Callable[P, R], static_argnames: str | Sequence[str] | None = None, *,
        mesh: Mesh | None = None, rules: "RulesLike | None" = None) -> Jitted[P, R]: ...
@overload
def jit(*, static_argnames: str | Sequence[str] | None = None, mesh: Mesh | None = None,
        rules: "RulesLike | None" = None) -> Callable[[Callable[P, R]], Jitted[P, R]]: ...
def jit(f: Callable[..., Any] | _Decorate = DECORATE,
        static_argnames: str | Sequence[str] | None = None, *, mesh: Mesh | None = None,
        rules: "RulesLike | None" = None) \
        -> Jitted[..., Any] | Callable[[Callable[..., Any]], Jitted[..., Any]]:
    """Compile ``f`` with XLA. Names are static: other names retrace, the same names do not.

    >>> import namedtensor as nt
    >>> @nt.jit
    ... def norm(x):
    ...     return nt.sqrt((x * x).sum("feat"))
    >>> norm(nt.tensor([[3.0, 4.0]], "batch feat")).tolist()
    [5.0]
    >>> "stablehlo" in norm.code(nt.ones({"batch": 1, "feat": 2}))
    True

    Usable as ``@nt.jit`` or ``@nt.jit(static_argnames=("mode",))``. With ``mesh`` and
    ``rules`` (always together, see :func:`namedtensor.shard`), every NamedTensor argument
    and result is laid out by the rules: the one-line way to make a training step SPMD.

    >>> m = nt.mesh({"data": -1})
    >>> norm_sharded = nt.jit(norm, mesh=m, rules={"batch": "data"})
    >>> norm_sharded(nt.ones({"batch": m.size, "feat": 2})).sharding_rules == (
    ...     {"batch": "data"} if m.size > 1 else {})
    True
    """
    _static_argnames(static_argnames)
    checked: Rules | None = None
    if mesh is not None or rules is not None:
        from . import _sharding
        if mesh is None or rules is None:
            raise TypeError(f"nt.jit: mesh and rules go together (the rules say which mesh "
                            f"axes each named axis is split over); got only "
                            f"{'mesh' if rules is None else 'rules'}")
        _sharding.check_mesh(mesh, "nt.jit")
        checked = _sharding.check_rules(rules, "nt.jit")
        _sharding.check_against(mesh, checked, "nt.jit", "")
    if isinstance(f, _Decorate):
        return functools.partial(jit, static_argnames=static_argnames, mesh=mesh,
                                 rules=None if checked is None else dict(checked))
    _validate.function(f, "nt.jit")
    if mesh is None or checked is None:  # (together: checked above)
        return Jitted(f, static_argnames)
    return _sharding.ShardedJitted(f, static_argnames, mesh, checked)


# --- vmap -------------------------------------------------------------------------
def _axis_size(leaves: Sequence[object], over: str, op: str) -> int:
    sizes = {t.sizes[over]: t for t in leaves if _is_named(t) and over in t.names}
    if not sizes:
        inputs = ", ".join(fmt_sizes(t.names, t.shape) for t in leaves if _is_named(t))
        raise AxisNameError(f"{op}: no input has an axis {over!r} to map over; inputs are "
                            f"{inputs}")
    if len(sizes) > 1:
        (a, ta), (b, tb) = list(sizes.items())[:2]
        raise AxisSizeError(f"{op}: axis {over!r} has size {a} in {fmt_sizes(ta.names, ta.shape)} "
                            f"but size {b} in {fmt_sizes(tb.names, tb.shape)}")
    return next(iter(sizes))


def _unwrap_outputs(out: PyTree, over: str, op: str, record: Record) -> list[Array]:
    """Positional leaves of ``f``'s output; their names go into ``record`` (static)."""
    leaves, tree = _flatten(out)
    _check_values(leaves, op, "f's output")
    names: list[tuple[str, ...] | None] = []
    for leaf in leaves:
        if _is_named(leaf):
            if over in leaf.names:
                raise AxisNameError(f"{op}: an output already has an axis {over!r} "
                                    f"{fmt_sizes(leaf.names, leaf.shape)}; it cannot gain it again")
            names.append(leaf.names)
        else:  # a number or 0-d array gains ``over`` too (an unnamed array cannot)
            names.append(() if np.ndim(leaf) == 0 else None)
    record.append((tree, tuple(names)))
    return [leaf.data if _is_named(leaf) else leaf for leaf in leaves]


def _rewrap(datas: Sequence[Array], record: Record, front: tuple[str, ...]) -> PyTree:
    tree, names = record[-1]
    leaves = [d if n is None else _wrap(d, front + n) for d, n in zip(datas, names)]
    return jax.tree_util.tree_unflatten(tree, leaves)


@overload
def vmap(f: Callable[P, R], over: str) -> Callable[P, R]: ...
@overload
def vmap(*, over: str) -> Callable[[Callable[P, R]], Callable[P, R]]: ...
def vmap(f: Callable[..., Any] | _Decorate = DECORATE, over: str | None = None) \
        -> Callable[..., Any]:
    """Map ``f`` over the named axis ``over``.

    Inside ``f`` tensors do not have ``over``; inputs without it are broadcast; every
    output gains ``over`` as its first axis. Nest two vmaps to map over two names.

    >>> import namedtensor as nt
    >>> x = nt.tensor([[1.0, 2.0], [3.0, 4.0]], "batch feat")
    >>> w = nt.tensor([10.0, 1.0], "feat")
    >>> out = nt.vmap(lambda row, w: (row * w).sum(), over="batch")(x, w)
    >>> out.names, out.tolist()
    (('batch',), [12.0, 34.0])
    """
    over = _validate.name(over, "nt.vmap", "over")
    if isinstance(f, _Decorate):
        return functools.partial(vmap, over=over)
    _validate.function(f, "nt.vmap")
    op = f"nt.vmap(over={over!r})"

    @functools.wraps(f)
    def mapped(*args: Any, **kwargs: Any) -> Any:
        leaves, tree = _flatten((args, kwargs))
        _axis_size(leaves, over, op)
        in_axes: list[int | None] = []
        datas: list[Array] = []
        inner_names: list[tuple[str, ...] | None] = []
        for leaf in leaves:
            if _is_named(leaf):
                data = leaf.data if leaf.backend == "jax" else _jax_backend().asarray(leaf.data)
                axis = leaf.names.index(over) if over in leaf.names else None
                inner_names.append(tuple(n for n in leaf.names if n != over))
            else:
                _check_value(leaf, op, "an argument")
                data, axis = leaf, None
                inner_names.append(None)
            in_axes.append(axis)
            datas.append(data)
        record: Record = []

        def inner(*datas: Array) -> list[Array]:
            rebuilt = [d if n is None else _wrap(d, n) for d, n in zip(datas, inner_names)]
            inner_args, inner_kwargs = jax.tree_util.tree_unflatten(tree, rebuilt)
            return _unwrap_outputs(f(*inner_args, **inner_kwargs), over, op, record)

        return _rewrap(jax.vmap(inner, in_axes=in_axes, out_axes=0)(*datas), record, (over,))

    return mapped


# --- scan -------------------------------------------------------------------------
def realign(reference: PyTree, value: PyTree, op: str, where: str,
            check_dtype: bool = True) -> PyTree:
    """``value``'s leaves laid out like ``reference``'s: names may come back in another
    order (order is layout), but the structure, the set of names and the sizes must
    hold (and the dtypes, with ``check_dtype``); an error names the difference:
    :class:`AxisNameError` for changed names, :class:`AxisSizeError` for changed sizes."""
    ref_leaves, ref_tree = _flatten(reference)
    leaves, tree = _flatten(value)
    if tree != ref_tree:
        raise NamedTensorError(f"{op}: the {where} changed structure from {ref_tree} to {tree}")
    out = []
    for i, (r, v) in enumerate(zip(ref_leaves, leaves)):
        if _is_named(r):
            if not _is_named(v):
                raise NamedTensorError(f"{op}: {where} leaf {i} was {fmt_sizes(r.names, r.shape)} "
                                       f"and came back as {_describe(v)}")
            if v.sizes != {n: r.sizes.get(n) for n in v.names} or len(v.names) != len(r.names):
                lost = sorted(set(r.names) - set(v.names))
                gained = sorted(set(v.names) - set(r.names))
                resized = {n: (s, v.sizes[n]) for n, s in r.sizes.items()
                           if n in v.sizes and v.sizes[n] != s}
                raise (AxisNameError if lost or gained else AxisSizeError)(
                    f"{op}: the {where} must keep its names and sizes: leaf {i} started as "
                    f"{fmt_sizes(r.names, r.shape)} and came back as "
                    f"{fmt_sizes(v.names, v.shape)} (lost {lost}, gained {gained}, "
                    f"resized {resized})")
            if check_dtype and _canonical(v.dtype) != _canonical(r.dtype):
                raise NamedTensorError(f"{op}: the {where} leaf {i} {fmt_sizes(r.names, r.shape)} "
                                       f"changed dtype from {r.dtype} to {v.dtype}")
            v = v.align_to(*r.names)
        elif _is_named(v) or not _is_value(v):
            raise NamedTensorError(f"{op}: {where} leaf {i} was {_describe(r)} and came back as "
                                   f"{_describe(v)}; a leaf must be a NamedTensor on both sides "
                                   f"(with the same names) or an unnamed array on both")
        else:
            if np.shape(r) != np.shape(v):
                raise AxisSizeError(f"{op}: the {where} leaf {i} (an unnamed array) changed shape "
                                    f"from {np.shape(r)} to {np.shape(v)}")
            if check_dtype and _strong_dtype(r) != _strong_dtype(v) and \
                    None not in (_strong_dtype(r), _strong_dtype(v)):
                raise NamedTensorError(f"{op}: the {where} leaf {i} (an unnamed array of shape "
                                       f"{np.shape(r)}) changed dtype from {_strong_dtype(r)} to "
                                       f"{_strong_dtype(v)}")
        out.append(v)
    return jax.tree_util.tree_unflatten(ref_tree, out)


def _strong_dtype(x: object) -> object:
    """The dtype of an unnamed leaf, or ``None`` for a weakly typed one (a Python number),
    whose dtype JAX promotes to match."""
    if isinstance(x, numbers.Number) or not hasattr(x, "dtype"):
        return None
    if isinstance(x, jax.Array) and getattr(jax.typeof(x), "weak_type", False):
        return None
    if jax.numpy.issubdtype(x.dtype, jax.dtypes.prng_key):
        return x.dtype  # a random key's dtype has no NumPy equivalent
    return _canonical(x.dtype)


def _canonical(dtype: DTypeLike) -> np.dtype[Any]:
    """The dtype JAX computes in (float64 is float32 without x64): what a loop or a
    branch turns a NumPy leaf into, so that is what must agree."""
    return np.dtype(jax.dtypes.canonicalize_dtype(dtype))


def _unroll(value: object, op: str) -> bool | int:
    """``lax.scan``'s ``unroll``: a bool or a positive int."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: unroll must be a bool or a positive int, got {_describe(value)}")
    if value < 1:
        raise NamedTensorError(f"{op}: unroll must be a bool or a positive int, got {value}")
    return int(value)


def scan(f: Callable[[Carry, X], tuple[Carry, Y]], init: Carry, xs: X, over: str, *,
         length: int | None = None, reverse: bool = False,
         unroll: bool | int = 1) -> tuple[Carry, Y]:
    """Loop ``f(carry, x) -> (carry, y)`` over the named axis ``over`` of ``xs`` (``lax.scan``).

    Slices of ``xs`` lose ``over``; the stacked ``ys`` gain it as their first axis.
    Each step's carry is realigned to ``init``'s axis order (a step may return
    ``(hidden, batch)`` for a ``(batch, hidden)`` carry); a carry whose set of names,
    sizes or dtype changes is an error naming the difference. With ``xs=None``,
    ``length`` gives the number of steps and ``f`` receives ``None``.

    >>> import namedtensor as nt
    >>> xs = nt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "time feat")
    >>> total, running = nt.scan(lambda c, x: (c + x, (c + x).sum()), nt.zeros({"feat": 2}),
    ...                          xs, over="time")
    >>> total.tolist(), running.names, running.tolist()
    ([9.0, 12.0], ('time',), [3.0, 10.0, 21.0])
    """
    _validate.function(f, "nt.scan")
    over = _validate.name(over, "nt.scan", "over")
    op = f"nt.scan(over={over!r})"
    if not isinstance(reverse, (bool, np.bool_)):
        raise TypeError(f"{op}: reverse must be a bool, got {_describe(reverse)}")
    unroll = _unroll(unroll, op)
    if length is not None:
        length = _validate.integer(length, op, "length", low=0, high=2**31 - 1)
    _check_values(_flatten(init)[0], op, "init")
    leaves, tree = _flatten(xs)
    for leaf in leaves:
        if not _is_named(leaf):
            raise TypeError(f"{op}: every leaf of xs must be a NamedTensor with the axis "
                            f"{over!r}; got {_describe(leaf)} (wrap it: nt.tensor(x, names))")
        if over not in leaf.names:
            raise AxisNameError(f"{op}: every tensor in xs must have the axis {over!r}; got "
                                f"{fmt_sizes(leaf.names, leaf.shape)}")
    if leaves:
        steps = _axis_size(leaves, over, op)
        if length is not None and length != steps:
            raise AxisSizeError(f"{op}: length={length} but axis {over!r} of xs has size {steps}")
        length = steps
    elif length is None:
        raise NamedTensorError(f"{op}: xs holds no tensors to scan over; pass length=... "
                               f"(the number of steps)")
    xp = _jax_backend().xp
    datas = [xp.moveaxis(_jax_backend().asarray(t.data), t.names.index(over), 0) for t in leaves]
    slice_names = [tuple(n for n in t.names if n != over) for t in leaves]
    record: Record = []

    def body(carry: Any, x_datas: list[Array]) -> tuple[Any, list[Array]]:
        x = jax.tree_util.tree_unflatten(tree, [_wrap(d, n) for d, n in zip(x_datas, slice_names)])
        new_carry, y = _pair(f(carry, x), op, "(carry, y)")
        return realign(carry, new_carry, op, "carry"), _unwrap_outputs(y, over, op, record)

    carry, ys = jax.lax.scan(body, init, datas, length=length, reverse=bool(reverse),
                             unroll=unroll)
    return carry, _rewrap(ys, record, (over,))


# --- callbacks ----------------------------------------------------------------------
class TensorSpec:
    """An abstract tensor: names, sizes and dtype; a size of ``None`` is symbolic.

    >>> import namedtensor as nt
    >>> spec = nt.TensorSpec({"batch": None, "feat": 3})
    >>> spec.names, spec.shape, str(spec.dtype)
    (('batch', 'feat'), (None, 3), 'float32')
    """

    __slots__ = ("names", "shape", "dtype")
    names: tuple[str, ...]
    shape: tuple[int | None, ...]
    dtype: np.dtype[Any]

    def __init__(self, sizes: SymbolicSizes, dtype: DTypeLike = "float32") -> None:
        self.names, self.shape = _validate.sizes(sizes, "nt.TensorSpec", symbolic=True)
        self.dtype = _validate.dtype(dtype, "nt.TensorSpec", allow_none=False)

    @property
    def sizes(self) -> dict[str, int | None]:
        return dict(zip(self.names, self.shape))

    @classmethod
    def like(cls, t: NamedTensor) -> Self:
        """The spec of an existing tensor."""
        if not _is_named(t):
            raise TypeError(f"nt.TensorSpec.like: t must be a NamedTensor, got {_describe(t)}")
        return cls(t.sizes, t.dtype)

    def __repr__(self) -> str:
        return f"TensorSpec({self.sizes}, dtype={self.dtype})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TensorSpec) and (self.names, self.shape, self.dtype) == \
            (other.names, other.shape, other.dtype)

    def __hash__(self) -> int:
        return hash((self.names, self.shape, self.dtype))


def _is_spec(x: object) -> TypeGuard[TensorSpec]:
    return isinstance(x, TensorSpec)


@overload
def callback(fn: Callable[..., Any], result: TensorSpec, *args: Any) -> NamedTensor: ...
@overload
def callback(fn: Callable[..., Any], result: PyTree, *args: Any) -> PyTree: ...
def callback(fn: Callable[..., Any], result: PyTree, *args: Any) -> PyTree:
    """Call Python/NumPy code ``fn(*args)`` from inside compiled code (``jax.pure_callback``).

    ``fn`` receives NumPy-backed NamedTensors and returns tensors matching ``result`` (a
    :class:`TensorSpec` or a pytree of them), in any axis order. Works under ``jit`` and
    ``vmap`` (the callback then runs once per mapped element).

    >>> import numpy as np, namedtensor as nt
    >>> def host_median(t):
    ...     return nt.tensor(np.median(t.numpy(), axis=1), "batch", dtype="float32",
    ...                      backend="numpy")
    >>> x = nt.tensor([[1.0, 5.0, 2.0], [4.0, 0.0, 9.0]], "batch feat")
    >>> f = nt.jit(lambda x: nt.callback(host_median, nt.TensorSpec({"batch": 2}), x))
    >>> f(x).tolist()
    [2.0, 4.0]
    """
    op = "nt.callback"
    _validate.function(fn, op, "fn")
    name = _fn_name(fn)
    specs, spec_tree = jax.tree_util.tree_flatten(result, is_leaf=_is_spec)
    for s in specs:
        if not _is_spec(s) or None in s.shape:
            raise TypeError(f"{op}: result must be a TensorSpec (with every size known) or a "
                            f"pytree of them, got {s if _is_spec(s) else _describe(s)}")
    leaves, tree = _flatten(args)
    _check_values(leaves, op, "args")
    names = [t.names if _is_named(t) else None for t in leaves]
    datas = [t.data if _is_named(t) else t for t in leaves]
    # what host raised, to re-raise as itself where the call is eager
    failures: list[Exception] = []

    def check(out: PyTree) -> list[np.ndarray[Any, Any]]:
        got, got_tree = _flatten(out)
        if got_tree != spec_tree:
            raise NamedTensorError(f"{op}: {name} returned structure {got_tree}, but result "
                                   f"says {spec_tree}")
        arrays: list[np.ndarray[Any, Any]] = []
        for spec, t in zip(specs, got):
            if not _is_named(t):
                raise TypeError(f"{op}: {name} must return NamedTensors; got {_describe(t)}")
            if set(t.names) != set(spec.names) or \
                    any(t.sizes[n] != spec.sizes[n] for n in spec.names):
                raise AxisSizeError(f"{op}: {name} returned {fmt_sizes(t.names, t.shape)} but "
                                    f"result says {fmt_sizes(spec.names, spec.shape)}")
            if not np.can_cast(t.dtype, spec.dtype, "same_kind"):
                raise TypeError(f"{op}: {name} returned {fmt_sizes(t.names, t.shape)} of dtype "
                                f"{t.dtype}, which does not convert to the result's {spec.dtype} "
                                f"without losing its kind; return {spec.dtype} (t.astype(...)) "
                                f"or declare TensorSpec(..., dtype={str(t.dtype)!r})")
            arrays.append(np.asarray(t.align_to(*spec.names).numpy(), dtype=spec.dtype))
        return arrays

    def host(*arrays: np.ndarray[Any, Any]) -> list[np.ndarray[Any, Any]]:
        numpy = get_backend("numpy")
        rebuilt = [a if n is None else NamedTensor._new(np.asarray(a), n, numpy)
                   for a, n in zip(arrays, names)]
        failures.clear()  # one slot, for the latest call (a compiled callback runs many times)
        try:
            return check(fn(*jax.tree_util.tree_unflatten(tree, rebuilt)))
        except Exception as e:  # re-raised: JAX wraps it in a JaxRuntimeError
            failures.append(e)
            raise

    shapes = [jax.ShapeDtypeStruct(s.shape, s.dtype)  # type: ignore[no-untyped-call]  # jax: not annotated
              for s in specs]
    try:
        out = jax.pure_callback(host, shapes, *datas, vmap_method="sequential")
        if not any(isinstance(o, jax.core.Tracer) for o in out):
            # eager: surface host's error here
            out = jax.block_until_ready(out)  # type: ignore[no-untyped-call]  # jax: not annotated
    except jax.errors.JaxRuntimeError:
        if failures:  # host failed during this (eager) call: raise its own error, not JAX's
            raise failures.pop() from None
        raise
    return jax.tree_util.tree_unflatten(spec_tree, [_wrap(d, s.names) for d, s in zip(out, specs)])


class BenchmarkResult(NamedTuple):
    """Seconds per call: ``median``, ``min``, ``max``, and every sample in ``times``."""
    median: float
    min: float
    max: float
    times: tuple[float, ...]

    def __str__(self) -> str:
        f = self.format
        return f"median {f(self.median)} (min {f(self.min)}, max {f(self.max)}, " \
               f"{len(self.times)} runs)"

    @staticmethod
    def format(seconds: float) -> str:
        """``0.0000123`` -> ``"12.3 us"``."""
        _validate.real(seconds, "nt.BenchmarkResult.format", "seconds")
        if not seconds >= 0:
            raise NamedTensorError(f"nt.BenchmarkResult.format: seconds must be non-negative, "
                                   f"got {seconds}")
        for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
            if seconds >= scale:
                return f"{seconds / scale:.3g} {unit}"
        return f"{seconds * 1e9:.3g} ns"


def _block(out: PyTree) -> None:
    """Wait for every JAX array in ``out``; other leaves (NumPy arrays, the strings of an
    ``nt.explain``) are ready already and cost nothing."""
    if type(out) is NamedTensor and type(out._data) is not _Stale:  # the usual result
        out = out._data
    if isinstance(out, jax.Array):  # no flattening: as cheap for a named result as a raw one
        out.block_until_ready()
        return
    if isinstance(out, np.ndarray):
        return
    arrays = [leaf for leaf in jax.tree.leaves(out) if isinstance(leaf, jax.Array)]
    if arrays:
        jax.block_until_ready(arrays)  # type: ignore[no-untyped-call]  # jax: not annotated


def benchmark(fn: Callable[[*Ts], object], *args: *Ts, warmup: int = 5, repeat: int = 100,
              number: int = 1) -> BenchmarkResult:
    """Time ``fn(*args)``: warm up, then ``repeat`` samples, each blocking until every
    output is ready (JAX dispatches asynchronously).

    >>> import namedtensor as nt
    >>> r = nt.benchmark(lambda t: t * 2, nt.ones({"x": 3}), warmup=1, repeat=5)
    >>> r.min <= r.median <= r.max
    True

    Args:
        fn: the callable; its outputs may be any pytree of arrays/NamedTensors.
        *args: its arguments.
        warmup: untimed calls first (compilation, caches).
        repeat: timed samples.
        number: calls per sample (each blocked); a sample is their mean, which steadies
            timings of calls shorter than a few microseconds.

    Returns:
        A :class:`BenchmarkResult` in seconds per call.
    """
    op = "nt.benchmark"
    _validate.function(fn, op, "fn")
    warmup = _validate.integer(warmup, op, "warmup", low=0)
    repeat = _validate.integer(repeat, op, "repeat", low=1)
    number = _validate.integer(number, op, "number", low=1)
    for _ in range(warmup):
        _block(fn(*args))
    times: list[float] = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            _block(fn(*args))
        times.append((time.perf_counter() - start) / number)
    return BenchmarkResult(statistics.median(times), min(times), max(times), tuple(times))
