"""Transforms with name bookkeeping over JAX: jit, vmap, scan, callback, benchmark.

Names are static (pytree aux data), so they cost nothing once compiled. JAX's own
vmap and scan know nothing of names: inside ``jax.vmap`` a tensor would keep a
stale name for the mapped axis, and outside it would gain an unnamed one. These
wrappers move between named tensors and positional leaves themselves.
"""

import functools
import operator
import statistics
import time
from collections.abc import Mapping
from typing import NamedTuple

import jax
import numpy as np

from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import fmt_sizes, parse_names
from ._tensor import NamedTensor
from .backends import get_backend

__all__ = ["jit", "vmap", "scan", "callback", "TensorSpec", "benchmark", "BenchmarkResult"]

def _jax_backend():
    return get_backend("jax")  # cached by the backend registry


def _is_named(x):
    return isinstance(x, NamedTensor)


def _flatten(tree):
    return jax.tree_util.tree_flatten(tree, is_leaf=_is_named)


def _wrap(data, names):
    return NamedTensor._new(data, names, _jax_backend())


# --- jit --------------------------------------------------------------------------
class Jitted:
    """A compiled function: call it, or ask for ``.code(*args)`` / ``.lower(*args)``."""

    def __init__(self, f, static_argnames):
        self._f = f
        self._jitted = jax.jit(f, static_argnames=static_argnames)
        functools.update_wrapper(self, f)

    def __call__(self, *args, **kwargs):
        return self._jitted(*args, **kwargs)

    def lower(self, *args, **kwargs):
        """JAX's lowered computation for these arguments."""
        return self._jitted.lower(*args, **kwargs)

    def code(self, *args, **kwargs):
        """The traced program for these arguments, as text (StableHLO)."""
        return self.lower(*args, **kwargs).as_text()


def jit(f=None, static_argnames=None):
    """Compile ``f`` with XLA. Names are static: other names retrace, the same names do not.

    >>> import namedtensor as nt
    >>> @nt.jit
    ... def norm(x):
    ...     return nt.sqrt((x * x).sum("feat"))
    >>> norm(nt.tensor([[3.0, 4.0]], "batch feat")).tolist()
    [5.0]
    >>> "stablehlo" in norm.code(nt.ones({"batch": 1, "feat": 2}))
    True

    Usable as ``@nt.jit`` or ``@nt.jit(static_argnames=("mode",))``.
    """
    if f is None:
        return functools.partial(jit, static_argnames=static_argnames)
    return Jitted(f, static_argnames)


# --- vmap -------------------------------------------------------------------------
def _axis_size(leaves, over, op):
    sizes = {t.sizes[over]: t for t in leaves if _is_named(t) and over in t.names}
    if not sizes:
        raise AxisNameError(f"{op}: no input has an axis {over!r} to map over; inputs are "
                            f"{', '.join(fmt_sizes(t.names, t.shape) for t in leaves if _is_named(t))}")
    if len(sizes) > 1:
        (a, ta), (b, tb) = list(sizes.items())[:2]
        raise AxisSizeError(f"{op}: axis {over!r} has size {a} in {fmt_sizes(ta.names, ta.shape)} "
                            f"but size {b} in {fmt_sizes(tb.names, tb.shape)}")
    return next(iter(sizes))


def _unwrap_outputs(out, over, op, record):
    """Positional leaves of ``f``'s output; their names go into ``record`` (static)."""
    leaves, tree = _flatten(out)
    names = []
    for leaf in leaves:
        if _is_named(leaf):
            if over in leaf.names:
                raise AxisNameError(f"{op}: an output already has an axis {over!r} "
                                    f"{fmt_sizes(leaf.names, leaf.shape)}; it cannot gain it again")
            names.append(leaf.names)
        else:
            names.append(None)
    record.append((tree, tuple(names)))
    return [leaf.data if _is_named(leaf) else leaf for leaf in leaves]


def _rewrap(datas, record, front):
    tree, names = record[-1]
    leaves = [d if n is None else _wrap(d, front + n) for d, n in zip(datas, names)]
    return jax.tree_util.tree_unflatten(tree, leaves)


def vmap(f=None, over=None):
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
    if f is None:
        return functools.partial(vmap, over=over)
    if not isinstance(over, str):
        raise AxisNameError(f"nt.vmap: over must be one axis name, got {over!r}")
    op = f"nt.vmap(over={over!r})"

    @functools.wraps(f)
    def mapped(*args):
        leaves, tree = _flatten(args)
        _axis_size(leaves, over, op)
        in_axes, datas, inner_names = [], [], []
        for leaf in leaves:
            if _is_named(leaf):
                data = leaf.data if leaf.backend == "jax" else _jax_backend().asarray(leaf.data)
                axis = leaf.names.index(over) if over in leaf.names else None
                inner_names.append(tuple(n for n in leaf.names if n != over))
            else:
                data, axis = leaf, None
                inner_names.append(None)
            in_axes.append(axis)
            datas.append(data)
        record = []

        def inner(*datas):
            rebuilt = [d if n is None else _wrap(d, n) for d, n in zip(datas, inner_names)]
            return _unwrap_outputs(f(*jax.tree_util.tree_unflatten(tree, rebuilt)), over, op,
                                   record)

        return _rewrap(jax.vmap(inner, in_axes=in_axes, out_axes=0)(*datas), record, (over,))

    return mapped


# --- scan -------------------------------------------------------------------------
def realign(reference, value, op, where, check_dtype=True):
    """``value``'s leaves laid out like ``reference``'s: names may come back in another
    order (order is layout), but the structure, the set of names and the sizes must
    hold (and the dtypes, with ``check_dtype``); an error names the difference."""
    ref_leaves, ref_tree = _flatten(reference)
    leaves, tree = _flatten(value)
    if tree != ref_tree:
        raise NamedTensorError(f"{op}: the {where} changed structure from {ref_tree} to {tree}")
    out = []
    for i, (r, v) in enumerate(zip(ref_leaves, leaves)):
        if _is_named(r):
            if not _is_named(v):
                raise NamedTensorError(f"{op}: {where} leaf {i} was {fmt_sizes(r.names, r.shape)} "
                                       f"and came back as a {type(v).__name__}")
            if v.sizes != {n: r.sizes.get(n) for n in v.names} or len(v.names) != len(r.names):
                lost = sorted(set(r.names) - set(v.names))
                gained = sorted(set(v.names) - set(r.names))
                resized = {n: (s, v.sizes[n]) for n, s in r.sizes.items()
                           if n in v.sizes and v.sizes[n] != s}
                raise AxisNameError(
                    f"{op}: the {where} must keep its names and sizes: leaf {i} started as "
                    f"{fmt_sizes(r.names, r.shape)} and came back as "
                    f"{fmt_sizes(v.names, v.shape)} (lost {lost}, gained {gained}, "
                    f"resized {resized})")
            if check_dtype and v.dtype != r.dtype:
                raise NamedTensorError(f"{op}: the {where} leaf {i} {fmt_sizes(r.names, r.shape)} "
                                       f"changed dtype from {r.dtype} to {v.dtype}")
            v = v.align_to(*r.names)
        out.append(v)
    return jax.tree_util.tree_unflatten(ref_tree, out)


def scan(f, init, xs, over, *, reverse=False, unroll=1):
    """Loop ``f(carry, x) -> (carry, y)`` over the named axis ``over`` of ``xs`` (``lax.scan``).

    Slices of ``xs`` lose ``over``; the stacked ``ys`` gain it as their first axis.
    Each step's carry is realigned to ``init``'s axis order (a step may return
    ``(hidden, batch)`` for a ``(batch, hidden)`` carry); a carry whose set of names,
    sizes or dtype changes is an error naming the difference.

    >>> import namedtensor as nt
    >>> xs = nt.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], "time feat")
    >>> total, running = nt.scan(lambda c, x: (c + x, (c + x).sum()), nt.zeros({"feat": 2}),
    ...                          xs, over="time")
    >>> total.tolist(), running.names, running.tolist()
    ([9.0, 12.0], ('time',), [3.0, 10.0, 21.0])
    """
    op = f"nt.scan(over={over!r})"
    leaves, tree = _flatten(xs)
    for leaf in leaves:
        if not _is_named(leaf) or over not in leaf.names:
            got = fmt_sizes(leaf.names, leaf.shape) if _is_named(leaf) else type(leaf).__name__
            raise AxisNameError(f"{op}: every tensor in xs must have the axis {over!r}; got {got}")
    length = _axis_size(leaves, over, op)
    xp = _jax_backend().xp
    datas = [xp.moveaxis(_jax_backend().asarray(t.data), t.names.index(over), 0) for t in leaves]
    slice_names = [tuple(n for n in t.names if n != over) for t in leaves]
    record = []

    def body(carry, x_datas):
        x = jax.tree_util.tree_unflatten(tree, [_wrap(d, n) for d, n in zip(x_datas, slice_names)])
        new_carry, y = f(carry, x)
        return realign(carry, new_carry, op, "carry"), _unwrap_outputs(y, over, op, record)

    carry, ys = jax.lax.scan(body, init, datas, length=length, reverse=reverse, unroll=unroll)
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

    def __init__(self, sizes, dtype="float32"):
        if not isinstance(sizes, Mapping):
            raise TypeError(f"nt.TensorSpec: sizes must be a mapping such as {{'batch': 32}}, "
                            f"got {type(sizes).__name__}")
        self.names = parse_names(tuple(sizes), "nt.TensorSpec")
        self.shape = tuple(None if s is None else operator.index(s) for s in sizes.values())
        self.dtype = np.dtype(dtype)

    @property
    def sizes(self):
        return dict(zip(self.names, self.shape))

    @classmethod
    def like(cls, t):
        """The spec of an existing tensor."""
        return cls(t.sizes, t.dtype)

    def __repr__(self):
        return f"TensorSpec({self.sizes}, dtype={self.dtype})"

    def __eq__(self, other):
        return isinstance(other, TensorSpec) and (self.names, self.shape, self.dtype) == \
            (other.names, other.shape, other.dtype)

    def __hash__(self):
        return hash((self.names, self.shape, self.dtype))


def _is_spec(x):
    return isinstance(x, TensorSpec)


def callback(fn, result, *args):
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
    specs, spec_tree = jax.tree_util.tree_flatten(result, is_leaf=_is_spec)
    for s in specs:
        if not _is_spec(s) or None in s.shape:
            raise TypeError(f"{op}: result must be a TensorSpec (with every size known) or a "
                            f"pytree of them, got {s!r}")
    leaves, tree = _flatten(args)
    names = [t.names if _is_named(t) else None for t in leaves]
    datas = [t.data if _is_named(t) else t for t in leaves]

    def host(*arrays):
        numpy = get_backend("numpy")
        rebuilt = [a if n is None else NamedTensor._new(np.asarray(a), n, numpy)
                   for a, n in zip(arrays, names)]
        out = fn(*jax.tree_util.tree_unflatten(tree, rebuilt))
        got, got_tree = _flatten(out)
        if got_tree != spec_tree:
            raise NamedTensorError(f"{op}: {getattr(fn, '__name__', 'fn')} returned structure "
                                   f"{got_tree}, but result says {spec_tree}")
        arrays = []
        for spec, t in zip(specs, got):
            if not _is_named(t):
                raise TypeError(f"{op}: {getattr(fn, '__name__', 'fn')} must return NamedTensors; "
                                f"got a {type(t).__name__}")
            if set(t.names) != set(spec.names) or any(t.sizes[n] != spec.sizes[n] for n in spec.names):
                raise AxisSizeError(f"{op}: {getattr(fn, '__name__', 'fn')} returned "
                                    f"{fmt_sizes(t.names, t.shape)} but result says "
                                    f"{fmt_sizes(spec.names, spec.shape)}")
            arrays.append(np.asarray(t.align_to(*spec.names).numpy(), dtype=spec.dtype))
        return arrays

    shapes = [jax.ShapeDtypeStruct(s.shape, s.dtype) for s in specs]
    out = jax.pure_callback(host, shapes, *datas, vmap_method="sequential")
    return jax.tree_util.tree_unflatten(spec_tree, [_wrap(d, s.names) for d, s in zip(out, specs)])


class BenchmarkResult(NamedTuple):
    """Seconds per call: ``median``, ``min``, ``max``, and every sample in ``times``."""
    median: float
    min: float
    max: float
    times: tuple

    def __str__(self):
        f = self.format
        return f"median {f(self.median)} (min {f(self.min)}, max {f(self.max)}, " \
               f"{len(self.times)} runs)"

    @staticmethod
    def format(seconds):
        """``0.0000123`` -> ``"12.3 us"``."""
        for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6)):
            if seconds >= scale:
                return f"{seconds / scale:.3g} {unit}"
        return f"{seconds * 1e9:.3g} ns"


def _block(out):
    return jax.block_until_ready(out)


def benchmark(fn, *args, warmup=5, repeat=100, number=1):
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
    for _ in range(warmup):
        _block(fn(*args))
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            _block(fn(*args))
        times.append((time.perf_counter() - start) / number)
    return BenchmarkResult(statistics.median(times), min(times), max(times), tuple(times))
