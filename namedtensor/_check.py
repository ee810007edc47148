"""``nt.check``: run a function abstractly on names, sizes and dtypes (``jax.eval_shape``).

The arguments become abstract arrays (one ``jax.export`` symbol per axis name whose size is
``None``, as in :func:`namedtensor.export`), the NamedTensors are rebuilt around them
inside the trace and ``f`` runs on those: every name and size check of the library runs
exactly as it does in a real call, so an error is the one a real call would raise, while
nothing is computed. The outputs come back as :class:`TensorSpec`s.
"""

import numbers
from collections.abc import Callable, Collection, Sequence
from typing import Any

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate as V
from ._export import INCONCLUSIVE, _input_leaf, _symbols, symbolic_failure, symbolic_sizes
from ._tensor import NamedTensor
from ._transforms import Jitted, TensorSpec, _fn_name, _wrap
from ._types import PyTree

__all__ = ["check"]

# JAX's refusals to read a traced array's value (a Python ``if`` on it, ``np.asarray``)
_VALUE_NEEDED = (jax.errors.ConcretizationTypeError, jax.errors.TracerArrayConversionError,
                 jax.errors.NonConcreteBooleanIndexError)


class _Static:
    """A leaf passed to ``f``, or returned by it, as it is (a Python number, a str)."""
    __slots__ = ("value",)

    def __init__(self, value: object) -> None:
        self.value = value


def _is_leaf(x: object) -> bool:
    return isinstance(x, (NamedTensor, TensorSpec))


Names = tuple[str, ...] | None  # a leaf's names; None: an unnamed array
Leaf = tuple[str, str, Names, tuple[Any, ...], Any]  # (where, key, names, shape, dtype)


def _abstract(value: Any, where: str, op: str) -> tuple[Names, tuple[Any, ...], Any]:
    """``(names or None, shape with None for a symbolic size, dtype)`` of an input leaf:
    ``nt.export``'s reading, and also random keys and traced arrays (nt.check needs only
    their shape and dtype)."""
    if isinstance(value, (jax.Array, jax.ShapeDtypeStruct)) and \
            jnp.issubdtype(value.dtype, jax.dtypes.prng_key):
        return None, tuple(value.shape), value.dtype
    if isinstance(value, jax.core.Tracer):
        return None, tuple(value.shape), value.dtype
    return _input_leaf(value, where, op)


def _inputs(specs: Sequence[Any], op: str, static_positions: Collection[int]
            ) -> tuple[list[tuple[Any, Any]], list[Leaf]]:
    """Per argument ``(treedef, kinds)`` (``kinds[j]``: a leaf's names, ``None`` for an
    unnamed array, or a ``_Static``), and ``(where, key, names, shape, dtype)`` of
    every abstract leaf, in order."""
    arguments: list[tuple[Any, Any]] = []
    leaves: list[Leaf] = []
    for i, spec in enumerate(specs):
        if i in static_positions:  # a static argument of an nt.jit function: as it is
            arguments.append((None, spec))
            continue
        tree_leaves, treedef = jax.tree_util.tree_flatten(spec, is_leaf=_is_leaf)
        kinds: list[Names | _Static] = []
        for j, leaf in enumerate(tree_leaves):
            if isinstance(leaf, numbers.Number) and not hasattr(leaf, "dtype"):
                kinds.append(_Static(leaf))  # a Python number stays concrete, as in a call
                continue
            where = f"argument {i}" + (f" (leaf {j})" if len(tree_leaves) > 1 else "")
            names, shape, dtype = _abstract(leaf, where, op)
            kinds.append(names)
            leaves.append((where, "", names, shape, dtype))
        arguments.append((treedef, kinds))
    return arguments, leaves


def _spec(out: Any, names: tuple[str, ...]) -> TensorSpec:
    """A TensorSpec from an abstract output (a symbolic size, or an expression of
    symbolic sizes, is ``None``); built directly: the names and the dtype come from a
    NamedTensor and need no validation (a float0 gradient's dtype would not pass it)."""
    spec = object.__new__(TensorSpec)
    spec.names = names
    spec.shape = tuple(None if jax.export.is_symbolic_dim(s) else int(s) for s in out.shape)
    spec.dtype = out.dtype
    return spec


def _as_raised(error: BaseException) -> None:
    """``error`` as ``f`` raised it: without the note and the chained traceback that JAX's
    traceback filtering adds on its way out of ``jax.eval_shape``."""
    notes = getattr(error, "__notes__", None)
    if notes:
        error.__notes__ = [n for n in notes if "JAX has removed its internal frames" not in n]
    cause = error.__cause__  # JAX_TRACEBACK_FILTERING=remove_frames chains the full traceback
    if cause is not None and type(cause).__name__ == "UnfilteredStackTrace":
        error.__cause__, error.__context__ = cause.__cause__, cause.__context__
        error.__suppress_context__ = cause.__suppress_context__


def check(f: Callable[..., Any], *specs: PyTree) -> PyTree:
    """Run ``f`` on abstract tensors: the names, sizes and dtypes of its outputs, computing
    nothing, or the error a real call would raise.

    Each argument is a :class:`TensorSpec` (a ``None`` size is symbolic, one symbol per
    axis name), a NamedTensor standing for its own spec, or a pytree (dict, list, tuple) of
    them; unnamed arrays and ``jax.ShapeDtypeStruct``s are unnamed inputs and Python
    numbers are passed to ``f`` as they are. ``f`` may be an ``nt.jit`` function and may
    use ``nt.grad``, ``nt.vmap``, ``nt.scan`` and the rest inside.

    >>> import namedtensor as nt
    >>> def layer(x, w):
    ...     return nt.tanh(nt.dot(x, w, over="d"))
    >>> nt.check(layer, nt.TensorSpec({"batch": None, "d": 64}),
    ...          nt.TensorSpec({"d": 64, "hidden": 256}))
    TensorSpec({'batch': None, 'hidden': 256}, dtype=float32)
    >>> nt.check(layer, nt.TensorSpec({"batch": 8, "d": 64}),
    ...          nt.TensorSpec({"d": 32, "hidden": 256}))
    Traceback (most recent call last):
    ...
    namedtensor._errors.AxisSizeError: nt.dot: axis 'd' has size 64 in operand 0
    (batch=8, d=64) but size 32 in operand 1 (d=32, hidden=256); ...

    Args:
        f: a function of NamedTensors (plain or ``nt.jit``).
        *specs: one per positional argument of ``f``.

    Returns:
        What ``f`` returns, in the same pytree structure, with each NamedTensor as a
        :class:`TensorSpec`, each unnamed array as a ``jax.ShapeDtypeStruct`` and any other
        leaf (a Python number, a str) as ``f`` returned it.

    Raises:
        TypeError: ``f`` is not callable, or a leaf of an argument is not a TensorSpec, a
            tensor, an array or a number; or ``f`` needs a tensor's value (Python control
            flow on it), which an abstract run does not have.
        NamedTensorError: whatever a real call of ``f`` raises (same class, same message);
            an :class:`AxisSizeError` where an axis is symbolic in one input and sized in
            another, or where ``f`` needs a concrete size for a symbolic one.
    """
    V.function(f, "nt.check")
    static_positions = f._static_positions if isinstance(f, Jitted) else ()
    fn = f._traced(f._f) if isinstance(f, Jitted) else f
    op = f"nt.check({_fn_name(fn)})"
    arguments, leaves = _inputs(specs, op, static_positions)
    _, dims = _symbols(leaves, op)
    shapes = [jax.ShapeDtypeStruct(  # type: ignore[no-untyped-call]  # jax: not annotated
        symbolic_sizes(names, shape, dims), dtype) for _, _, names, shape, dtype in leaves]
    record: list[tuple[Any, list[Names | _Static]]] = []

    def flat(*arrays: Any) -> list[Any]:
        it, args = iter(arrays), []
        for treedef, arg_kinds in arguments:
            if treedef is None:
                args.append(arg_kinds)
                continue
            args.append(jax.tree_util.tree_unflatten(treedef, [
                k.value if isinstance(k, _Static) else
                next(it) if k is None else _wrap(next(it), k) for k in arg_kinds]))
        out_leaves, out_tree = jax.tree_util.tree_flatten(fn(*args), is_leaf=_is_leaf)
        kinds: list[Names | _Static] = []
        datas: list[Any] = []
        for leaf in out_leaves:
            data = leaf.data if isinstance(leaf, NamedTensor) else leaf
            if isinstance(data, (np.ndarray, np.generic)):  # NumPy: its own dtype, not JAX's
                shape = jax.ShapeDtypeStruct(  # type: ignore[no-untyped-call]
                    np.shape(data), data.dtype)
                kinds.append(_Static(_spec(shape, leaf.names) if data is not leaf else shape))
            elif isinstance(leaf, NamedTensor):
                kinds.append(leaf.names)
                datas.append(data)
            elif isinstance(leaf, jax.Array):
                kinds.append(None)
                datas.append(leaf)
            else:  # known while tracing (a number, a str, a spec): returned as it is
                kinds.append(_Static(leaf))
        record.append((out_tree, kinds))
        return datas

    try:
        outs = iter(jax.eval_shape(flat, *shapes))
    except _VALUE_NEEDED as e:
        raise TypeError(f"{op}: f needs the value of a traced array, which an abstract run "
                        f"does not have ({str(e).splitlines()[0]}); use nt.where or nt.cond "
                        f"instead of Python control flow on values, or close over the value "
                        f"as a Python number") from None
    except INCONCLUSIVE as e:
        raise symbolic_failure(e, op) from None
    except Exception as e:  # f's own error, re-raised as a real call raises it
        _as_raised(e)
        raise
    out_tree, kinds = record[-1]
    return jax.tree_util.tree_unflatten(out_tree, [
        k.value if isinstance(k, _Static) else
        next(outs) if k is None else _spec(next(outs), k) for k in kinds])
