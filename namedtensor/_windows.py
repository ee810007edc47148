"""Windows by name: convolution, pooling and padding (SPEC sections 8 and 9).

``conv`` lowers to ``lax.conv_general_dilated`` and ``pool`` to ``lax.reduce_window``.
The layout is never forced: the dimension numbers are read off the names and the stored
positions of ``x`` and ``kernel``. Only when a role has several names (several batch names,
several ``over`` names or output channels) or none are axes merged (a reshape, and a
transpose only if the merged names are not already adjacent in the same order). Each plan
is cached on (names, sizes, arguments) and runs as one compiled function, so an eager call
costs one dispatch. NumPy-backend inputs compute with JAX and come back as NumPy.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, TypeAlias

import numpy as np

from . import _validate as V
from ._caches import cached
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import did_you_mean, index_of, parse_names
from ._ops import as_operand, common_backend, data_on
from ._shape import _describe
from ._tensor import NamedTensor
from ._types import Array, DTypeLike, Names, Real, Shape
from .backends import Backend

__all__ = ["conv", "pool", "pad"]

_new = NamedTensor._new
_PADDINGS = ("VALID", "SAME")
_REDUCES = ("max", "mean", "sum")
_MODES = ("constant", "edge", "reflect", "wrap")
_MAX = 2**31 - 1  # strides, dilations and pad widths: XLA takes them as 32-bit ints

# stride=, dilation=: one int for every spatial axis, or {spatial name: int}
PerAxis: TypeAlias = int | Mapping[str, int]
# padding=: "VALID", "SAME" or {spatial name: (low, high)}
Padding: TypeAlias = Literal["VALID", "SAME"] | Mapping[str, tuple[int, int]]
# padding as the plans take it: "VALID", "SAME" or (low, high) per spatial axis
Pads: TypeAlias = str | tuple[tuple[int, int], ...]
PadMode: TypeAlias = Literal["constant", "edge", "reflect", "wrap"]
Reduce: TypeAlias = Literal["max", "mean", "sum"]
# a role in a convolution's layout: "N", "C", "O", "I", or the index of a spatial axis
Role: TypeAlias = str | int


# --- argument checks -------------------------------------------------------------------
def _tensor(value: object, op: str, arg: str) -> NamedTensor:
    """A NamedTensor argument (a scalar or positional array is a TypeError)."""
    value = as_operand(value, op)
    if not isinstance(value, NamedTensor):
        raise TypeError(f"{op}: {arg} must be a NamedTensor, got {type(value).__name__}")
    return value


def _mapping(value: object, op: str, arg: str, what: str) -> Mapping[Any, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{op}: {arg} must be a mapping {what}, got {type(value).__name__}")
    for k in value:
        if not isinstance(k, str):
            raise TypeError(f"{op}: the keys of {arg} must be axis names (str), got "
                            f"{type(k).__name__}")
    parse_names(tuple(value), op)
    return value


def _per_axis(value: object, spatial: tuple[str, ...], default: Callable[[str], int], op: str,
              arg: str) -> tuple[int, ...]:
    """An int or a mapping spatial name -> int (each >= 1), as a tuple over ``spatial``;
    names left out of a mapping take ``default(name)``."""
    if isinstance(value, Mapping):
        _mapping(value, op, arg, "spatial name -> int")
        for k in value:
            if k not in spatial:
                raise AxisNameError(f"{op}: {arg} names {k!r}, which is not a window axis "
                                    f"{list(spatial)}{did_you_mean(k, spatial)}")
        return tuple(V.integer(value[n], op, f"{arg}[{n!r}]", 1, _MAX) if n in value
                     else default(n) for n in spatial)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{op}: {arg} must be an int or a mapping spatial name -> int, got "
                        f"{type(value).__name__}")
    return (V.integer(value, op, arg, 1, _MAX),) * len(spatial)


def _padding(value: object, spatial: tuple[str, ...], op: str) -> Pads:
    """``"VALID"``, ``"SAME"`` or a tuple of ``(low, high)`` over ``spatial``."""
    if isinstance(value, str):
        if value not in _PADDINGS:
            hint = " (padding names are upper case)" if value.upper() in _PADDINGS else ""
            raise NamedTensorError(f"{op}: padding must be 'VALID', 'SAME' or a mapping "
                                   f"spatial name -> (low, high), got {value!r}{hint}")
        return value
    if not isinstance(value, Mapping):
        raise TypeError(f"{op}: padding must be 'VALID', 'SAME' or a mapping spatial name -> "
                        f"(low, high), got {type(value).__name__}")
    _mapping(value, op, "padding", "spatial name -> (low, high)")
    for k in value:
        if k not in spatial:
            raise AxisNameError(f"{op}: padding names {k!r}, which is not a window axis "
                                f"{list(spatial)}{did_you_mean(k, spatial)}")
    return tuple(_pair(value[n], op, f"padding[{n!r}]") if n in value else (0, 0)
                 for n in spatial)


def _pair(value: object, op: str, arg: str) -> tuple[int, int]:
    """``(before, after)``: two non-negative ints."""
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        length = f" of length {len(value)}" if isinstance(value, (tuple, list)) else ""
        raise TypeError(f"{op}: {arg} must be a pair (before, after) of ints, got "
                        f"{type(value).__name__}{length}")
    before, after = (V.integer(v, op, arg, 0, _MAX) for v in value)
    return before, after


def _float_dtype(t: NamedTensor, op: str, arg: str) -> None:
    kind = t.dtype.kind
    if kind not in "fc" and t.dtype.name != "bfloat16":
        raise TypeError(f"{op}: {arg} {_describe(t)} has dtype {t.dtype}; convolution needs "
                        f"floating or complex tensors: cast with t.astype('float32')")


def _pads(size: int, window: int, stride: int,
          padding: str | tuple[int, int]) -> tuple[int, int]:
    """(low, high) of ``"SAME"`` padding (as ``lax.padtype_to_pads``), else ``padding``."""
    if padding == "VALID":
        return 0, 0
    if not isinstance(padding, str):  # not "SAME": (low, high)
        return padding
    out = -(-size // stride)
    total = max((out - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def _outputs(names: Sequence[str], sizes: Sequence[int], windows: Sequence[int],
             strides: Sequence[int], pads: Sequence[tuple[int, int]], op: str,
             what: str) -> tuple[int, ...]:
    """The spatial output sizes, refusing a window larger than the padded input."""
    out: list[int] = []
    for n, s, w, st, (lo, hi) in zip(names, sizes, windows, strides, pads):
        if not all(isinstance(v, (int, np.integer)) for v in (s, w)):
            out.append((s + lo + hi - w) // st + 1)  # a symbolic size (nt.export)
            continue
        if w > s + lo + hi:
            padded = f" padded by ({lo}, {hi}) to {s + lo + hi}" if lo or hi else ""
            raise AxisSizeError(f"{op}: the {what} along {n!r} spans {w} but the input has "
                                f"size {s}{padded}; "
                                f"use a smaller {what} or pad the input "
                                f"(padding='SAME' or a mapping {{{n!r}: (low, high)}})")
        out.append((s + lo + hi - w) // st + 1)
    return tuple(out)


def _allocations(names: tuple[str, ...], shape: Shape, spatial: Sequence[str],
                 pads: Sequence[tuple[int, int]], out_names: tuple[str, ...], out_shape: Shape,
                 dtype: DTypeLike, op: str) -> None:
    """Refuse a padded input or a result beyond memory before XLA is asked for it."""
    lo_hi = dict(zip(spatial, pads))
    padded = tuple(s + sum(lo_hi.get(n, (0, 0))) for n, s in zip(names, shape))
    V.allocation(names, padded, dtype, f"{op} (the padded input)")
    V.allocation(out_names, out_shape, dtype, op)


def _finish(out: Array, backend: Backend, names: tuple[str, ...]) -> NamedTensor:
    """Wrap ``out`` (a JAX array) on ``backend``: a NumPy input gets a NumPy result."""
    if backend.name == "numpy":
        out = np.asarray(out)
    return _new(out, names, backend)


def _jax_data(t: NamedTensor, op: str) -> Array:
    from .backends import get_backend
    return data_on(t, get_backend("jax"), op)


# --- conv ------------------------------------------------------------------------------
def _arrange(names: tuple[str, ...], shape: Shape, groups: Mapping[Role, tuple[str, ...]]
             ) -> tuple[tuple[int, ...] | None, Shape | None, tuple[Role, ...]]:
    """How to lay one operand out as one axis per role without a fixed layout.

    ``groups`` maps a role to its names (in the order they are merged). Roles keep the
    stored order of their first name; a role without names becomes a size-1 axis at the
    end. Returns ``(perm, merged_shape, order)``: a transpose (``None`` when the names of
    each role are already adjacent and in order), a reshape (``None`` when every role has
    one name) and the roles in the merged layout.
    """
    role = {n: r for r, members in groups.items() for n in members}
    order: list[Role] = []
    for n in names:
        if role[n] not in order:
            order.append(role[n])
    order += [r for r, members in groups.items() if not members]
    target = tuple(n for r in order for n in groups[r])
    perm = None if target == names else tuple(names.index(n) for n in target)
    size = dict(zip(names, shape))
    merged = tuple(math.prod(size[n] for n in groups[r]) for r in order)
    simple = all(len(groups[r]) == 1 for r in order)
    return perm, (None if simple else merged), tuple(order)


@cached(1024)
def _conv_plan(xn: tuple[str, ...], xs: Shape, kn: tuple[str, ...], ks: Shape,
               window: tuple[tuple[str, str], ...], over: tuple[str, ...],
               strides: tuple[int, ...], padding: Pads, dilation: tuple[int, ...],
               op: str) -> tuple[Callable[[Array, Array], Array], tuple[str, ...]]:
    """(compiled function of the two arrays, output names) for one convolution."""
    import jax
    from jax import lax
    spatial = tuple(a for a, _ in window)
    xsize, ksize = dict(zip(xn, xs)), dict(zip(kn, ks))
    batch = tuple(n for n in xn if n not in spatial and n not in over)
    out_ch = tuple(n for n in kn if n not in over and n not in {k for _, k in window})
    for _, k in window:
        if ksize[k] == 0:
            raise AxisSizeError(f"{op}: the kernel axis {k!r} has size 0; a window needs at "
                                f"least one element")
    spans = tuple((ksize[k] - 1) * d + 1 for (_, k), d in zip(window, dilation))
    pads = tuple(_pads(xsize[a], w, s, padding if isinstance(padding, str) else padding[i])
                 for i, (a, w, s) in enumerate(zip(spatial, spans, strides)))
    what = "kernel (dilated)" if any(d > 1 for d in dilation) else "kernel"
    out_sp = _outputs(spatial, [xsize[a] for a in spatial], spans, strides, pads, op, what)

    xroles: dict[Role, tuple[str, ...]] = {"N": batch, "C": over,
                                           **{i: (a,) for i, a in enumerate(spatial)}}
    kroles: dict[Role, tuple[str, ...]] = {"O": out_ch, "I": over,
                                           **{i: (k,) for i, (_, k) in enumerate(window)}}
    xperm, xmerged, xorder = _arrange(xn, xs, xroles)
    kperm, kmerged, korder = _arrange(kn, ks, kroles)
    oorder = tuple("O" if r == "C" else r for r in xorder)
    spatial_idx = range(len(spatial))
    dn = lax.ConvDimensionNumbers(
        (xorder.index("N"), xorder.index("C"), *(xorder.index(i) for i in spatial_idx)),
        (korder.index("O"), korder.index("I"), *(korder.index(i) for i in spatial_idx)),
        (oorder.index("N"), oorder.index("O"), *(oorder.index(i) for i in spatial_idx)))
    expand: dict[Role, tuple[str, ...]] = {"N": batch, "O": out_ch,
                                           **{i: (a,) for i, a in enumerate(spatial)}}
    out_names = tuple(n for r in oorder for n in expand[r])
    out_size = {**{n: ksize[n] for n in out_ch}, **{n: xsize[n] for n in batch},
                **dict(zip(spatial, out_sp))}
    out_shape = tuple(out_size[n] for n in out_names)
    simple = all(len(expand[r]) == 1 for r in oorder)
    _allocations(xn, xs, spatial, pads, out_names, out_shape, np.float32, op)

    def run(x: Array, k: Array) -> Array:
        if xperm is not None:
            x = lax.transpose(x, xperm)
        if xmerged is not None:
            x = x.reshape(xmerged)
        if kperm is not None:
            k = lax.transpose(k, kperm)
        if kmerged is not None:
            k = k.reshape(kmerged)
        y = lax.conv_general_dilated(x, k, strides, pads, rhs_dilation=dilation,
                                     dimension_numbers=dn)
        return y if simple else y.reshape(out_shape)

    return jax.jit(run), out_names


def conv(x: NamedTensor, kernel: NamedTensor, window: Mapping[str, str], over: Names, *,
         stride: PerAxis = 1, padding: Padding = "VALID", dilation: PerAxis = 1) -> NamedTensor:
    """Convolution by name (cross-correlation, as ``lax.conv_general_dilated``).

    ``window`` maps each spatial axis of ``x`` to the kernel's axis that slides over it;
    ``over`` names the axes both have that are summed (input channels). The result has
    ``x``'s names (spatial sizes as the convolution gives them, ``over`` gone) plus the
    kernel's other names (output channels); every other name of ``x`` is a batch name.
    Any storage order of either operand works, and no layout is forced.

    >>> import namedtensor as nt
    >>> x = nt.ones({"batch": 2, "h": 5, "w": 5, "c_in": 3})
    >>> k = nt.ones({"kh": 3, "kw": 3, "c_in": 3, "c_out": 4})
    >>> y = nt.conv(x, k, {"h": "kh", "w": "kw"}, "c_in", padding="SAME")
    >>> y.sizes
    {'batch': 2, 'h': 5, 'w': 5, 'c_out': 4}
    >>> y[{"batch": 0, "c_out": 0}].tolist()[0]
    [12.0, 18.0, 18.0, 18.0, 12.0]

    Args:
        x: the input NamedTensor (floating or complex).
        kernel: the kernel NamedTensor, of ``x``'s dtype.
        window: a mapping spatial name of ``x`` -> kernel axis name (1, 2 or 3 entries).
        over: one name or a sequence of names in both ``x`` and ``kernel``, summed.
        stride: an int or a mapping spatial name -> int (others 1).
        padding: ``"VALID"``, ``"SAME"`` or a mapping spatial name -> ``(low, high)``.
        dilation: the kernel's dilation: an int or a mapping spatial name -> int.

    Returns:
        A NamedTensor on ``x``'s backend (JAX if either operand is on JAX). It is computed
        with JAX: NumPy operands give a NumPy result of the dtype JAX computed in.
    """
    op = "nt.conv"
    x, kernel = _tensor(x, op, "x"), _tensor(kernel, op, "kernel")
    _mapping(window, op, "window", "spatial name of x -> kernel axis name, such as "
             "{'height': 'kh', 'width': 'kw'}")
    if not window:
        raise NamedTensorError(f"{op}: window is empty; map at least one spatial axis of x "
                               f"to a kernel axis, such as {{'height': 'kh'}}")
    kaxes: list[str] = []
    for a, k in window.items():
        if not isinstance(k, str):
            raise TypeError(f"{op}: window[{a!r}] must be a kernel axis name (str), got "
                            f"{type(k).__name__}")
        index_of(x._names, a, f"{op} (window of x)", x._data.shape)
        index_of(kernel._names, k, f"{op} (window of the kernel)", kernel._data.shape)
        if k in kaxes:
            raise AxisNameError(f"{op}: kernel axis {k!r} is given for two spatial axes in "
                                f"window {dict(window)}")
        kaxes.append(k)
    group = V.name_group(over, op, "over")
    parse_names(group, op)
    spatial = tuple(window)
    for n in group:
        for t, arg in ((x, "x"), (kernel, "kernel")):
            if n not in t._names:
                raise AxisNameError(f"{op}: over names {n!r}, which {arg} {_describe(t)} "
                                    f"lacks{did_you_mean(n, t._names)}; over lists the axes "
                                    f"both x and kernel have (input channels)")
        if n in spatial or n in kaxes:
            raise AxisNameError(f"{op}: {n!r} is both in over and in window {dict(window)}")
        if x.sizes[n] != kernel.sizes[n]:
            raise AxisSizeError(f"{op}: axis {n!r} (in over) has size {x.sizes[n]} in x "
                                f"{_describe(x)} but {kernel.sizes[n]} in kernel "
                                f"{_describe(kernel)}")
    shared = [n for n in kernel._names if n in x._names and n not in group and n not in kaxes]
    if shared:
        raise AxisNameError(f"{op}: {shared} in both x {_describe(x)} and kernel "
                            f"{_describe(kernel)} but not in over; add them to over to sum "
                            f"them, or rename the kernel's output axes")
    strides = _per_axis(stride, spatial, lambda n: 1, op, "stride")
    dilations = _per_axis(dilation, spatial, lambda n: 1, op, "dilation")
    pads = _padding(padding, spatial, op)
    _float_dtype(x, op, "x")
    _float_dtype(kernel, op, "kernel")
    if x.dtype != kernel.dtype:
        raise TypeError(f"{op}: x is {x.dtype} but kernel is {kernel.dtype}; cast one with "
                        f"t.astype(...) so both have one dtype")
    run, names = _conv_plan(x._names, tuple(x._data.shape), kernel._names,
                            tuple(kernel._data.shape), tuple(window.items()), group, strides,
                            pads, dilations, op)
    try:
        out = run(_jax_data(x, op), _jax_data(kernel, op))
    except ValueError:  # JAX refuses operands committed to different devices
        V.devices_agree([t for t in (x, kernel) if t._backend.name == "jax"], op)
        raise
    return _finish(out, common_backend([x, kernel]), names)


# --- pool ------------------------------------------------------------------------------
def _counts(names: tuple[str, ...], shape: Shape, spatial: tuple[str, ...],
            windows: tuple[int, ...], strides: tuple[int, ...],
            pads: tuple[tuple[int, int], ...], out_sp: tuple[int, ...]
            ) -> "int | np.ndarray[Any, Any]":
    """How many input elements (not padding) each window of a mean holds: a NumPy array
    shaped for broadcasting against the output, or one number."""
    if all(p == (0, 0) for p in pads):
        return math.prod(windows)
    count = np.ones([1] * len(names), np.float64)
    for a, w, st, (lo, _), o in zip(spatial, windows, strides, pads, out_sp):
        start = np.arange(o) * st - lo
        per = np.minimum(start + w, shape[names.index(a)]) - np.maximum(start, 0)
        count = count * per.reshape([-1 if n == a else 1 for n in names])
    return count


@cached(1024)
def _pool_plan(names: tuple[str, ...], shape: Shape, dtype: "np.dtype[Any]",
               window: tuple[tuple[str, int], ...], strides: tuple[int, ...], padding: Pads,
               reduce: str, op: str) -> Callable[[Array], Array]:
    import jax
    import jax.numpy as jnp
    from jax import lax
    spatial = tuple(a for a, _ in window)
    windows = tuple(w for _, w in window)
    size = dict(zip(names, shape))
    pads = tuple(_pads(size[a], w, s, padding if isinstance(padding, str) else padding[i])
                 for i, (a, w, s) in enumerate(zip(spatial, windows, strides)))
    for a, w, (lo, hi) in zip(spatial, windows, pads):
        if lo >= w or hi >= w:
            raise NamedTensorError(f"{op}: padding ({lo}, {hi}) along {a!r} is not smaller "
                                   f"than the window {w}: a window would hold only padding")
    out_sp = _outputs(spatial, [size[a] for a in spatial], windows, strides, pads, op, "window")
    where = {a: i for i, a in enumerate(spatial)}
    out_shape = tuple(out_sp[where[n]] if n in where else s for n, s in zip(names, shape))
    _allocations(names, shape, spatial, pads, names, out_shape, dtype, op)
    dims = tuple(windows[where[n]] if n in where else 1 for n in names)
    steps = tuple(strides[where[n]] if n in where else 1 for n in names)
    allpads = tuple(pads[where[n]] if n in where else (0, 0) for n in names)
    dtype = np.dtype(dtype)
    if reduce == "max":
        if dtype.kind == "c":
            raise TypeError(f"{op}: reduce='max' is not defined for {dtype} (complex numbers "
                            f"are not ordered)")
        init = (False if dtype.kind == "b" else np.iinfo(dtype).min if dtype.kind in "iu"
                else -np.inf)
        computation, acc = lax.max, dtype
    else:
        init, computation = 0, lax.add
        acc = V.accumulation_dtype(dtype)
        if reduce == "mean" and dtype.kind in "biu":
            acc = V.default_float()
    count = _counts(names, shape, spatial, windows, strides, pads, out_sp) \
        if reduce == "mean" else None

    def run(x: Array) -> Array:
        x = x.astype(acc)
        y = lax.reduce_window(x, np.array(init, acc), computation, dims, steps, allpads)
        if count is not None:
            y = y / (count if isinstance(count, int) else jnp.asarray(count, acc))
        return y

    return jax.jit(run)


def pool(x: NamedTensor, window: Mapping[str, int], *, reduce: Reduce = "max",
         stride: PerAxis | None = None, padding: Padding = "VALID") -> NamedTensor:
    """Pooling by name: the maximum, mean or sum over windows of the named spatial axes.

    ``stride`` defaults to the window (non-overlapping windows). With padding, ``mean``
    averages the input elements of each window, not counting the padding.

    >>> import namedtensor as nt
    >>> x = nt.tensor([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]], "c w")
    >>> nt.pool(x, {"w": 2}).tolist()
    [[2.0, 4.0], [6.0, 8.0]]
    >>> nt.pool(x, {"w": 2}, reduce="mean", stride=1).tolist()
    [[1.5, 2.5, 3.5], [5.5, 6.5, 7.5]]

    Args:
        x: a NamedTensor; its names not in ``window`` are kept as they are.
        window: a mapping spatial name -> window size.
        reduce: ``"max"``, ``"mean"`` or ``"sum"``.
        stride: ``None`` (the window), an int, or a mapping spatial name -> int (names left
            out step by their window).
        padding: ``"VALID"``, ``"SAME"`` or a mapping spatial name -> ``(low, high)``, each
            smaller than the window.

    Returns:
        A NamedTensor with ``x``'s names and layout, on ``x``'s backend. ``max`` keeps the
        dtype; ``sum`` returns the dtype ``t.sum`` returns; ``mean`` of integers is float.
        It is computed with JAX, in the dtype JAX holds a NumPy input in.
    """
    op = "nt.pool"
    x = _tensor(x, op, "x")
    _mapping(window, op, "window", "spatial name -> window size, such as {'height': 2}")
    if not window:
        raise NamedTensorError(f"{op}: window is empty; give at least one spatial axis and "
                               f"its window size, such as {{'height': 2}}")
    for a in window:
        index_of(x._names, a, op, x._data.shape)
    spatial = tuple(window)
    sizes = tuple(V.integer(window[a], op, f"window[{a!r}]", 1) for a in spatial)
    if not isinstance(reduce, str):
        raise TypeError(f"{op}: reduce must be one of {list(_REDUCES)}, got "
                        f"{type(reduce).__name__}")
    if reduce not in _REDUCES:
        raise NamedTensorError(f"{op}: unknown reduce {reduce!r}; choose one of "
                               f"{list(_REDUCES)}")
    default = dict(zip(spatial, sizes))
    strides = sizes if stride is None else \
        _per_axis(stride, spatial, default.__getitem__, op, "stride")
    pads = _padding(padding, spatial, op)
    data = _jax_data(x, op)  # NumPy int64/float64 data computes as JAX holds it
    run = _pool_plan(x._names, tuple(x._data.shape), np.dtype(data.dtype),
                     tuple(zip(spatial, sizes)), strides, pads, reduce, op)
    return _finish(run(data), x._backend, x._names)


# --- pad -------------------------------------------------------------------------------
def _pad_value(value: object, dtype: "np.dtype[Any]", op: str) -> Real:
    if isinstance(value, (bool, np.bool_)):
        if dtype.kind != "b":
            raise TypeError(f"{op}: value {value!r} is a bool but the tensor is {dtype}")
        return bool(value)
    number = V.real(value, op, "value")
    if dtype.kind == "b":
        raise TypeError(f"{op}: a {dtype} tensor is padded with True or False, got "
                        f"{type(number).__name__}")
    if dtype.kind in "iu":
        if not isinstance(number, (int, np.integer)) and not float(number).is_integer():
            raise NamedTensorError(f"{op}: value {number!r} is not an integer but the tensor "
                                   f"is {dtype}; it would be truncated")
        # a numbers.Real (Fraction) converts with int(), but typeshed's Real is not SupportsInt
        integer = int(number)  # type: ignore[arg-type]
        V.fits(integer, dtype, op, "padding value")
        return integer
    return number


def pad(t: NamedTensor, widths: Mapping[str, tuple[int, int]], mode: PadMode = "constant",
        value: Real = 0) -> NamedTensor:
    """Pad named axes: ``widths`` maps a name to ``(before, after)``.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[1, 2], [3, 4]], "h w")
    >>> nt.pad(t, {"w": (1, 0)}).tolist()
    [[0, 1, 2], [0, 3, 4]]
    >>> nt.pad(t, {"h": (0, 1)}, mode="edge").tolist()
    [[1, 2], [3, 4], [3, 4]]

    Args:
        t: a NamedTensor.
        widths: a mapping name -> ``(before, after)``, non-negative ints; names left out
            are not padded.
        mode: ``"constant"`` (``value``), ``"edge"`` (repeat the end), ``"reflect"``
            (mirror without repeating the end) or ``"wrap"`` (periodic).
        value: the constant of ``mode="constant"``; it must fit ``t``'s dtype.

    Returns:
        A NamedTensor with ``t``'s names and layout, on ``t``'s backend.
    """
    op = "nt.pad"
    t = _tensor(t, op, "t")
    _mapping(widths, op, "widths", "name -> (before, after), such as {'seq': (1, 0)}")
    for n in widths:
        index_of(t._names, n, op, t._data.shape)
    pairs = {n: _pair(widths[n], op, f"widths[{n!r}]") for n in widths}
    if not isinstance(mode, str):
        raise TypeError(f"{op}: mode must be one of {list(_MODES)}, got {type(mode).__name__}")
    if mode not in _MODES:
        raise NamedTensorError(f"{op}: unknown mode {mode!r}; choose one of {list(_MODES)}")
    if mode == "constant":
        value = _pad_value(value, t.dtype, op)
    elif not (isinstance(value, (int, float)) and not isinstance(value, bool) and value == 0):
        raise NamedTensorError(f"{op}: value is only used with mode='constant', not with "
                               f"mode={mode!r}")
    shape = t._data.shape
    for n, (lo, hi) in pairs.items():
        if mode != "constant" and (lo or hi) and shape[t._names.index(n)] == 0:
            raise AxisSizeError(f"{op}: axis {n!r} of {_describe(t)} is empty; mode={mode!r} "
                                f"needs values to repeat")
    full = tuple(pairs.get(n, (0, 0)) for n in t._names)
    out_shape = tuple(s + lo + hi for s, (lo, hi) in zip(shape, full))
    V.allocation(t._names, out_shape, t.dtype, op)
    xp = t._backend.xp
    kwargs = {"constant_values": np.array(value, t.dtype)} if mode == "constant" else {}
    return _new(xp.pad(t._data, full, mode=mode, **kwargs), t._names, t._backend)
