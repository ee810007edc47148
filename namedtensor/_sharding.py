"""Sharding by name on JAX SPMD: meshes, rules -> PartitionSpec, placement, processes.

Rules are data (Flax's logical axis rules, Haliax's axis mapping): a plain mapping from
tensor axis names to mesh axes, ``{"batch": "data", "mlp": "model"}``. One function,
:func:`partition_spec`, turns them into a ``PartitionSpec`` for one tensor by reading its
*names*, never its storage positions, so a tensor is laid out the same way whatever its
axis order; it is cached on (names, shape, mesh, rules). JAX/XLA's SPMD partitioner and
collectives do all the work: there is no communication layer here.
"""

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeAlias, TypeGuard, TypeVar

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

from . import _validate as V
from ._caches import cached
from ._errors import AxisNameError, AxisSizeError, NamedTensorError
from ._names import did_you_mean, fmt_sizes, parse_names
from ._tensor import NamedTensor, make
from ._transforms import Jitted
from ._types import Array, ArrayLike, DeviceLike, Names, PyTree, Sizes
from .backends import Backend, get_backend

__all__ = ["mesh", "shard", "from_process_local", "partition_spec", "rules_of"]

T = TypeVar("T")
# what a rule maps a tensor axis to: a mesh axis, a tuple of them, or None (replicated)
MeshAxes: TypeAlias = str | tuple[str, ...] | None
# rules as users write them: {"batch": "data", "mlp": ("data", "model"), "feat": None}
RulesLike: TypeAlias = Mapping[str, str | Sequence[str] | None]
# rules as check_rules returns them: hashable (cache keys), in the user's order
Rules: TypeAlias = tuple[tuple[str, MeshAxes], ...]


def _jax() -> Backend:
    return get_backend("jax")


def _is_named(x: object) -> TypeGuard[NamedTensor]:
    return isinstance(x, NamedTensor)


def describe(m: Mesh) -> str:
    """``"mesh {'data': 4, 'model': 2}"``: a mesh for a message."""
    return f"mesh {dict(m.shape)}"


# --- nt.mesh ------------------------------------------------------------------------
def _device_list(devices: object, op: str) -> list[jax.Device]:
    """``devices`` as a list of distinct JAX devices (strings such as ``"cpu:3"`` allowed)."""
    if not isinstance(devices, (list, tuple, np.ndarray)):
        raise TypeError(f"{op}: devices must be a list of devices (jax.Device or strings "
                        f"such as 'cpu:3'), got {type(devices).__name__}")
    items = devices.ravel().tolist() if isinstance(devices, np.ndarray) else list(devices)
    out = [V.device(d, op) for d in items]
    if not out:
        raise NamedTensorError(f"{op}: devices is empty; a mesh needs at least one device")
    if len(set(out)) != len(out):
        seen = [f"{d.platform}:{d.id}" for d in out]
        raise NamedTensorError(f"{op}: devices lists a device twice: "
                               f"{sorted({s for s in seen if seen.count(s) > 1})}")
    return out


def _auto_mesh(shape: tuple[int, ...], names: tuple[str, ...]) -> Mesh:
    """``jax.make_mesh`` (topology-aware device order) with Auto axes: XLA's sharding
    propagation lays out what the rules leave open, as in plain ``jax.jit``."""
    kinds = getattr(jax.sharding, "AxisType", None)
    if kinds is None:  # pragma: no cover - older JAX: every axis is Auto
        return jax.make_mesh(shape, names)
    return jax.make_mesh(shape, names, axis_types=(kinds.Auto,) * len(names))


def mesh(axes: Sizes,
         devices: Sequence[DeviceLike] | np.ndarray[Any, Any] | None = None) -> Mesh:
    """A ``jax.sharding.Mesh`` whose axes have names, e.g. ``{"data": 4, "model": 2}``.

    One size may be ``-1``: the rest of the devices. The sizes must multiply to the
    number of devices (a mesh never silently leaves devices out).

    >>> import namedtensor as nt
    >>> m = nt.mesh({"data": -1})
    >>> dict(m.shape) == {"data": len(nt.devices())}
    True

    Args:
        axes: an ordered mapping mesh axis name -> size.
        devices: the devices (``jax.Device`` or strings such as ``"cpu:3"``), in mesh
            order; default: every device JAX sees, across all processes (after
            ``jax.distributed.initialize``), in JAX's topology-aware order.

    Returns:
        A ``jax.sharding.Mesh`` for :func:`shard`, :func:`jit` and :func:`from_process_local`.
    """
    op = "nt.mesh"
    names, shape = V.sizes(axes, op, "axes", rest=True)
    if not names:
        raise NamedTensorError(f"{op}: axes names no mesh axis; give at least one, e.g. "
                               f"{{'data': -1}}")
    chosen = None if devices is None else _device_list(devices, op)
    count = len(jax.devices()) if chosen is None else len(chosen)
    if shape.count(-1) > 1:
        raise AxisSizeError(f"{op}: axes {dict(zip(names, shape))} may hold at most one -1")
    if 0 in shape:
        raise AxisSizeError(f"{op}: axes {dict(zip(names, shape))} has a mesh axis of size 0; "
                            f"every size is at least 1 (or -1: the rest of the devices)")
    known = math.prod(s for s in shape if s != -1)
    if -1 in shape:
        if count % known:
            raise AxisSizeError(f"{op}: cannot fill axes {dict(zip(names, shape))} with "
                                f"{count} device(s): {count} is not a multiple of {known}")
        shape = tuple(count // known if s == -1 else s for s in shape)
    elif known != count:
        raise AxisSizeError(f"{op}: axes {dict(zip(names, shape))} need {known} device(s), "
                            f"but there are {count}; make the sizes multiply to {count} "
                            f"(one may be -1), or pass devices= with {known} of them")
    if chosen is None:
        return _auto_mesh(shape, names)
    return Mesh(np.array(chosen, dtype=object).reshape(shape), names)


# --- rules -> PartitionSpec ----------------------------------------------------------
def check_mesh(value: object, op: str) -> Mesh:
    """A ``jax.sharding.Mesh`` (from :func:`mesh`)."""
    if not isinstance(value, Mesh):
        raise TypeError(f"{op}: mesh must be a jax.sharding.Mesh, such as "
                        f"nt.mesh({{'data': -1}}), got {type(value).__name__}")
    return value


def check_rules(value: object, op: str) -> Rules:
    """``rules`` as a hashable tuple of ``(axis name, mesh axes as written)``: each value a
    mesh axis name, a tuple of them (a list is taken as a tuple, a tuple of one name as
    the name), or ``None``."""
    if not isinstance(value, Mapping):
        raise TypeError(f"{op}: rules must be a mapping from tensor axis names to mesh axes, "
                        f"such as {{'batch': 'data', 'mlp': 'model'}}, got "
                        f"{type(value).__name__}")
    items: list[tuple[str, MeshAxes]] = []
    for axis, target in value.items():
        if not isinstance(axis, str):
            raise TypeError(f"{op}: the keys of rules are tensor axis names (str), got "
                            f"{type(axis).__name__}")
        parse_names((axis,), op)
        if isinstance(target, list):
            target = tuple(target)
        if isinstance(target, tuple) and len(target) == 1:
            target = target[0]  # as PartitionSpec holds it: ("data",) is "data"
        if not (target is None or isinstance(target, str) or (
                isinstance(target, tuple) and all(isinstance(m, str) for m in target))):
            raise TypeError(f"{op}: rules[{axis!r}] must be a mesh axis name, a tuple of mesh "
                            f"axis names, or None, got {type(target).__name__}")
        items.append((axis, target))
    return tuple(items)


def _mesh_axes(target: MeshAxes) -> tuple[str, ...]:
    return () if target is None else (target,) if isinstance(target, str) else target


def check_against(m: Mesh, rules: Rules, op: str, where: str) -> None:
    """Every mesh axis that ``rules`` name exists in ``m``, and none repeats in one rule."""
    for axis, target in rules:
        axes = _mesh_axes(target)
        for a in axes:
            if a not in m.axis_names:
                raise AxisNameError(
                    f"{op}: rules map axis {axis!r} to mesh axis {a!r}, but the "
                    f"{describe(m)} has no axis {a!r}{did_you_mean(a, m.axis_names)}{where}")
        if len(set(axes)) != len(axes):
            raise AxisNameError(f"{op}: rules map axis {axis!r} to {target!r}, which names a "
                                f"mesh axis twice ({describe(m)}){where}")


@cached(4096)
def partition_spec(names: tuple[str, ...], shape: tuple[int, ...], m: Mesh, rules: Rules,
                   op: str = "nt.shard") -> PartitionSpec:
    """The ``PartitionSpec`` that lays out a tensor with ``names`` and ``shape`` on mesh
    ``m`` by ``rules`` (from :func:`check_rules`): the one place rules become positions.

    Axes without a rule are replicated; rules for names the tensor lacks are ignored (one
    rule set serves a whole model) but must still name mesh axes that exist. Raises
    :class:`AxisSizeError` when the mesh axes do not divide the axis' size, and
    :class:`AxisNameError` when two axes of the tensor would share a mesh axis.
    """
    tensor = fmt_sizes(names, shape)
    check_against(m, rules, op, f" (sharding the tensor {tensor})")
    table = dict(rules)
    used: dict[str, str] = {}
    entries: list[MeshAxes] = []
    for n, s in zip(names, shape):
        target = table.get(n)
        axes = _mesh_axes(target)
        for a in axes:
            if a in used:
                raise AxisNameError(
                    f"{op}: axes {used[a]!r} and {n!r} of the tensor {tensor} are both "
                    f"mapped to mesh axis {a!r} of the {describe(m)}; a mesh axis can split "
                    f"only one axis of a tensor (different tensors may share it)")
            used[a] = n
        parts = math.prod(m.shape[a] for a in axes)
        if isinstance(s, (int, np.integer)) and s % parts:
            over = f"mesh axis {axes[0]!r}" if len(axes) == 1 else f"mesh axes {list(axes)}"
            raise AxisSizeError(
                f"{op}: axis {n!r} of the tensor {tensor} has size {s}, which {over} of "
                f"the {describe(m)} cannot split into {parts} equal parts; choose a size "
                f"that is a multiple of {parts}, or map {n!r} to fewer devices")
        entries.append(target if axes else None)
    return PartitionSpec(*entries)  # type: ignore[no-untyped-call]  # jax: not annotated


@cached(4096)
def named_sharding(names: tuple[str, ...], shape: tuple[int, ...], m: Mesh, rules: Rules,
                   op: str = "nt.shard") -> NamedSharding:
    """``NamedSharding(m, partition_spec(...))``, cached: the hot path compares it by identity."""
    return NamedSharding(m, partition_spec(names, shape, m, rules, op))


def lay_out(t: NamedTensor, m: Mesh, rules: Rules, op: str) -> NamedTensor:
    """One NamedTensor laid out by ``rules``: placed (``jax.device_put``) when concrete,
    constrained (``with_sharding_constraint``) when traced. NumPy data moves onto JAX."""
    data = t.data
    if t._backend.name != "jax":
        from ._ops import data_on
        data = data_on(t, _jax(), op)
    target = named_sharding(t._names, tuple(data.shape), m, rules, op)
    if isinstance(data, jax.core.Tracer):
        data = jax.lax.with_sharding_constraint(  # type: ignore[no-untyped-call]
            data, target)  # (jax leaves it unannotated)
    elif data.sharding != target:
        data = _put(data, target)
    else:
        return t
    return NamedTensor._new(data, t._names, _jax())


def _put(data: jax.Array, target: NamedSharding) -> Array:
    """``jax.device_put``; across processes, a value this process holds whole (the same in
    every process: parameters made from one seed) gives each device its slice."""
    if target.is_fully_addressable or not data.is_fully_addressable:
        return jax.device_put(data, target)
    host = np.asarray(data)
    return jax.make_array_from_callback(host.shape, target, lambda index: host[index])


def _replicated(x: T, m: Mesh) -> T:
    """An unnamed concrete JAX array, replicated over ``m`` (no names for rules to split)."""
    if isinstance(x, jax.Array) and not isinstance(x, jax.core.Tracer):
        target = NamedSharding(m, PartitionSpec())  # type: ignore[no-untyped-call]  # jax: not annotated
        return x if x.sharding == target else _put(x, target)
    return x


def _where(path: tuple[Any, ...]) -> str:
    return f"; the tensor is at {jax.tree_util.keystr(path)} of the tree" if path else ""


def shard(x: T, mesh: Mesh, rules: RulesLike) -> T:
    """Lay out a NamedTensor, or every NamedTensor in a pytree, over ``mesh`` by name.

    ``rules`` maps tensor axis names to a mesh axis, a tuple of mesh axes, or ``None``.
    Axes without a rule are replicated, and rules for names a tensor lacks are ignored,
    so one rule set serves a whole model. The storage order never matters: the
    ``PartitionSpec`` is built from the names. Outside ``jit`` the data is placed
    (``jax.device_put``); inside it is a sharding constraint. Unnamed JAX arrays in the
    tree (an optimizer's step count) are replicated over the mesh outside ``jit``;
    other leaves are left as they are.

    >>> import namedtensor as nt
    >>> m = nt.mesh({"data": -1})
    >>> params = {"w": nt.zeros({"feat": 4, "mlp": 8}), "x": nt.zeros({"feat": 4, "batch": 8})}
    >>> params = nt.shard(params, m, {"batch": "data", "mlp": "data"})
    >>> from jax.sharding import PartitionSpec as P
    >>> params["w"].data.sharding.spec == params["x"].data.sharding.spec == P(None, "data")
    True
    >>> params["w"].sharding_rules == ({"mlp": "data"} if m.size > 1 else {})  # size 1: not split
    True

    Args:
        x: a NamedTensor or a pytree of them (a model's parameters, an optimizer state).
        mesh: a ``jax.sharding.Mesh`` (:func:`mesh`).
        rules: a mapping tensor axis name -> mesh axis name, tuple of names, or ``None``.

    Returns:
        ``x`` with every NamedTensor laid out by ``rules``.

    Raises:
        AxisSizeError: a mesh axis does not divide the size of the axis mapped to it.
        AxisNameError: ``rules`` name a mesh axis that ``mesh`` lacks, or map two axes of
            one tensor to the same mesh axis.
    """
    op = "nt.shard"
    m = check_mesh(mesh, op)
    table = check_rules(rules, op)
    pairs, tree = jax.tree_util.tree_flatten_with_path(x, is_leaf=_is_named)
    if not any(_is_named(leaf) for _, leaf in pairs):  # else each tensor checks the rules
        check_against(m, table, op, "")
    out = []
    for path, leaf in pairs:
        if not _is_named(leaf):
            out.append(_replicated(leaf, m))
            continue
        try:
            out.append(lay_out(leaf, m, table, op))
        except NamedTensorError as e:
            if not path:
                raise
            raise type(e)(f"{e}{_where(path)}") from None
    laid_out: T = jax.tree_util.tree_unflatten(tree, out)
    return laid_out


# --- reading a layout back ----------------------------------------------------------
def rules_of(t: NamedTensor) -> dict[str, str | tuple[str, ...]]:
    """``t.sharding_rules``: the mesh axes each axis of ``t`` is split over, by name. A mesh
    axis of size 1 splits nothing and is left out (XLA drops it from compiled layouts too,
    so eager and compiled results read the same)."""
    if t._backend.name != "jax":
        return {}
    sharding = getattr(t.data, "sharding", None)  # a tracer has none: not laid out yet
    if sharding is None:
        return {}
    spec = getattr(sharding, "spec", None)
    if not isinstance(spec, PartitionSpec):
        if sharding.is_fully_replicated:
            return {}
        raise NamedTensorError(
            f"t.sharding_rules: the tensor {fmt_sizes(t.names, t.shape)} is laid out by a "
            f"{type(sharding).__name__}, which has no mesh axis names; lay it out with "
            f"nt.shard(t, mesh, rules)")
    sizes = sharding.mesh.shape
    out: dict[str, str | tuple[str, ...]] = {}
    for name, entry in zip(t.names, spec):
        if entry is None or entry is PartitionSpec.UNCONSTRAINED:
            continue
        split = tuple(a for a in _mesh_axes(entry) if sizes[a] > 1)  # size 1 splits nothing
        if split:
            out[name] = split[0] if len(split) == 1 else split
    return out


# --- several processes -------------------------------------------------------------
@cached(256)
def _local_parts(m: Mesh, axes: tuple[str, ...], process: int) -> int:
    """How many of the slices along the mesh axes ``axes`` live on ``process``."""
    dims = [m.axis_names.index(a) for a in axes]
    devices: Any = m.devices  # an array of jax.Device
    held = {tuple(index[d] for d in dims) for index in np.ndindex(devices.shape)
            if devices[index].process_index == process}
    return len(held)


def from_process_local(data: ArrayLike, names: Names, mesh: Mesh,
                       rules: RulesLike) -> NamedTensor:
    """A global tensor assembled from each process' slice of it
    (``jax.make_array_from_process_local_data``).

    Every process calls it with its own part of the data, which holds the slices of
    the axes split by ``rules`` that live on its devices (with ``nt.mesh``'s device order,
    process 0 holds the first ones); axes not split across processes are whole. The
    global size of an axis is its local size times the number of processes it is split
    over. On one process this is :func:`shard` of ``data``.

    >>> import numpy as np, namedtensor as nt
    >>> m = nt.mesh({"data": -1})
    >>> local = np.arange(8.0, dtype=np.float32).reshape(4, 2)  # this process' rows
    >>> x = nt.from_process_local(local, "batch feat", m, {"batch": "data"})
    >>> from jax.sharding import PartitionSpec as P
    >>> x.sizes, x.data.sharding.spec == P("data", None)
    ({'batch': 4, 'feat': 2}, True)

    Args:
        data: this process' part: a NumPy or JAX array, a list, or a NamedTensor (then
            ``names`` must be its names in any order).
        names: one name per axis of ``data``.
        mesh: a ``jax.sharding.Mesh`` spanning every process' devices (:func:`mesh`).
        rules: as for :func:`shard`.

    Returns:
        A NamedTensor whose data is one global ``jax.Array`` laid out by ``rules``.
    """
    op = "nt.from_process_local"
    m = check_mesh(mesh, op)
    checked = check_rules(rules, op)
    names = V.names(names, op)
    if _is_named(data):
        if set(data.names) != set(names) or len(data.names) != len(names):
            raise AxisNameError(f"{op}: names {list(names)} differ from the tensor's "
                                f"{fmt_sizes(data.names, data.shape)}")
        data = data.align_to(*names).data
    local = make(data, names, None, None, "jax", op).data
    table = dict(checked)
    process = jax.process_index()
    shape = []
    check_against(m, checked, op, f" (sharding the tensor {fmt_sizes(names, local.shape)})")
    for n, s in zip(names, local.shape):
        axes = _mesh_axes(table.get(n))
        held = _local_parts(m, axes, process) if axes else 1
        if held == 0:
            raise NamedTensorError(f"{op}: no device of this process (process {process}) is "
                                   f"in the {describe(m)}")
        if s % held:
            raise AxisSizeError(
                f"{op}: axis {n!r} of this process' data {fmt_sizes(names, local.shape)} has "
                f"size {s}, but {held} of the slices of mesh axes {list(axes)} of the "
                f"{describe(m)} live on this process and {held} does not divide {s}")
        shape.append(s // held * math.prod(m.shape[a] for a in axes))
    sharding = named_sharding(names, tuple(shape), m, checked, op)
    try:
        array = jax.make_array_from_process_local_data(  # type: ignore[no-untyped-call]
            sharding, local, tuple(shape))  # (jax leaves it unannotated)
    except ValueError as e:
        raise NamedTensorError(f"{op}: JAX cannot assemble {fmt_sizes(names, shape)} on the "
                               f"{describe(m)} from this process' "
                               f"{fmt_sizes(names, local.shape)}: "
                               f"{str(e).splitlines()[0]}") from None
    return NamedTensor._new(array, names, _jax())


# --- nt.jit(f, mesh=..., rules=...) ---------------------------------------------------
class ShardedJitted(Jitted[..., Any]):
    """``nt.jit(f, mesh=..., rules=...)``: every NamedTensor argument is placed by the rules
    before the call (so the compiled program's input shardings are the rules'), and every
    NamedTensor argument and result is constrained to them inside the program (so its
    output shardings are too). Static and unnamed arguments are left alone."""

    def __init__(self, f: Callable[..., Any], static_argnames: str | Sequence[str] | None,
                 mesh: Mesh, rules: Rules) -> None:
        self._mesh, self._rules = mesh, rules
        super().__init__(f, static_argnames)

    def _traced(self, f: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(f)
        def laid_out(*args: Any, **kwargs: Any) -> Any:
            placed, named = self._arguments(args, kwargs)
            return self._lay_out(f(*placed, **named), "a result")

        return laid_out

    def _arguments(self, args: Sequence[Any], kwargs: dict[str, Any]
                   ) -> tuple[list[Any], dict[str, Any]]:
        """The non-static NamedTensor arguments laid out by the rules."""
        placed = [a if i in self._static_positions else self._lay_out(a, f"argument {i}")
                  for i, a in enumerate(args)]
        named = {k: v if k in self._static else self._lay_out(v, f"argument {k!r}")
                 for k, v in kwargs.items()}
        return placed, named

    def _lay_out(self, value: PyTree, where: str) -> PyTree:
        tree: Any
        if _is_named(value):  # the common case: no pytree round trip
            leaves, tree = [value], None
        else:
            leaves, tree = jax.tree_util.tree_flatten(value, is_leaf=_is_named)
            if not any(_is_named(x) for x in leaves):
                return value
        try:
            leaves = [lay_out(x, self._mesh, self._rules, self._op) if _is_named(x) else x
                      for x in leaves]
        except NamedTensorError as e:
            raise type(e)(f"{e}; it is {where} of {self._op}") from None
        return leaves[0] if tree is None else jax.tree_util.tree_unflatten(tree, leaves)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        placed, named = self._arguments(args, kwargs)
        return super().__call__(*placed, **named)

    def lower(self, *args: Any, **kwargs: Any) -> Any:
        placed, named = self._arguments(args, kwargs)
        return super().lower(*placed, **named)

    def trace(self, *args: Any, **kwargs: Any) -> Any:
        placed, named = self._arguments(args, kwargs)
        return super().trace(*placed, **named)
