"""Control flow inside compiled code, by name: cond, while_loop, fori_loop.

They lower to ``jax.lax.cond``/``while_loop``/``fori_loop``, which know nothing of names:
a NamedTensor is a pytree whose names are static aux data, so two branches that return
the same tensor in different axis orders (or a loop body that returns its carry
transposed) would have different tree structures, and JAX would fail with a raw pytree
error. Here the outputs of the branch traced second are realigned by name to those of the
branch traced first (in practice ``true_fn``), and each iteration's carry to ``init``'s
layout; a change in the set of names, a size or a dtype is a named error that says which.
"""

from collections.abc import Callable
from typing import Any, TypeAlias, TypeVar

import jax
import jax.numpy as jnp
import numpy as np

from . import _validate
from ._errors import AxisNameError
from ._names import fmt_sizes
from ._tensor import NamedTensor
from ._transforms import _check_values, _describe, _flatten, realign

__all__ = ["cond", "while_loop", "fori_loop"]

T = TypeVar("T")  # a branch's output, a loop's carry: a pytree of tensors
# a 0-d bool: a Python or NumPy bool, a 0-d bool NamedTensor or array
Predicate: TypeAlias = "bool | np.bool_ | NamedTensor | jax.Array | np.ndarray[Any, Any]"
# a loop bound: an int, or a 0-d integer NamedTensor or array (traced or not)
Bound: TypeAlias = "int | np.integer[Any] | NamedTensor | jax.Array | np.ndarray[Any, Any]"


def _predicate(pred: object, op: str, what: str = "pred") -> Any:
    """A 0-d bool: a 0-d bool NamedTensor's data, a Python/NumPy bool, or a 0-d bool JAX
    (or NumPy) array, traced or not."""
    if isinstance(pred, NamedTensor):
        if pred.names:
            raise AxisNameError(f"{op}: {what} must be a 0-d bool, got a tensor with axes "
                                f"{fmt_sizes(pred.names, pred.shape)}; reduce it first, e.g. "
                                f"pred.any() or pred.all()")
        data = pred.data
    elif isinstance(pred, (bool, np.bool_)):
        return jnp.asarray(bool(pred))
    elif isinstance(pred, (jax.Array, np.ndarray)):
        if pred.ndim:
            raise TypeError(f"{op}: {what} must be a 0-d bool, got {_describe(pred)}; reduce "
                            f"it first (.any() or .all())")
        data = pred
    else:
        raise TypeError(f"{op}: {what} must be a bool, a 0-d bool NamedTensor or a 0-d bool "
                        f"array, got {_describe(pred)}")
    if not jnp.issubdtype(data.dtype, jnp.bool_):
        raise TypeError(f"{op}: {what} must be a bool, got dtype {data.dtype}; "
                        f"compare it to get one, e.g. x != 0 or x > 0")
    return data


def _bound(value: object, op: str, arg: str) -> int | jax.Array | np.ndarray[Any, Any]:
    """A loop bound: an int, or a 0-d integer array or NamedTensor (traced or not). A
    Python int stays one, so the trip count stays static (reverse-differentiable)."""
    if isinstance(value, NamedTensor):
        if value.names:
            raise AxisNameError(f"{op}: {arg} must be 0-d, got a tensor with axes "
                                f"{fmt_sizes(value.names, value.shape)}")
        value = value.data
    if isinstance(value, (jax.Array, np.ndarray)) and not isinstance(value, np.generic):
        if value.ndim or not jnp.issubdtype(value.dtype, jnp.integer):
            raise TypeError(f"{op}: {arg} must be an int or a 0-d integer array, got "
                            f"{_describe(value)}")
        return value
    value = _validate.integer(value, op, arg)
    _validate.fits(value, _validate.default_int(), op, arg)
    return value


def cond(pred: Predicate, true_fn: Callable[..., T], false_fn: Callable[..., T],
         *operands: Any) -> T:
    """``true_fn(*operands)`` if ``pred`` else ``false_fn(*operands)``, inside compiled code.

    Both branches are traced (``jax.lax.cond``); they must return the same structure, the
    same names with the same sizes, and the same dtypes, but may store the axes in another
    order: the result takes the layout of ``true_fn``'s output.

    >>> import namedtensor as nt
    >>> x = nt.tensor([[1.0, 2.0, 3.0]], "batch feat")
    >>> @nt.jit
    ... def f(x):
    ...     return nt.cond(x.sum() > 0, lambda x: x * 2.0,
    ...                    lambda x: x.align_to("feat", "batch"), x)
    >>> f(x).names, f(x).tolist()
    (('batch', 'feat'), [[2.0, 4.0, 6.0]])

    Args:
        pred: a Python or NumPy bool, a 0-d bool JAX array, or a 0-d bool NamedTensor.
        true_fn, false_fn: functions of ``*operands``.
        *operands: pytrees of NamedTensors, arrays or numbers, passed to the branch.

    Returns:
        The output of the branch taken (JAX tensors).
    """
    op = "nt.cond"
    _validate.function(true_fn, op, "true_fn")
    _validate.function(false_fn, op, "false_fn")
    flag = _predicate(pred, op)
    _check_values(_flatten(operands)[0], op, "operands")
    # (label, output) of the branch traced first: every output takes its layout
    first: list[tuple[str, T]] = []

    def branch(fn: Callable[..., T], label: str) -> Callable[..., T]:
        def run(*args: Any) -> T:
            out = fn(*args)
            _check_values(_flatten(out)[0], op, f"{label}'s output")
            if not first:
                first.append((label, out))
                return out
            ref_label, ref = first[0]
            where = f"output of {label}"
            if ref_label != label:  # else a retrace of the same branch
                where += f" (against {ref_label}'s)"
            aligned: T = realign(ref, out, op, where)
            return aligned
        return run

    out: T = jax.lax.cond(flag, branch(true_fn, "true_fn"), branch(false_fn, "false_fn"),
                          *operands)
    return out


def while_loop(cond_fn: Callable[[T], Predicate], body_fn: Callable[[T], T], init: T) -> T:
    """``carry = body_fn(carry)`` while ``cond_fn(carry)``, from ``init``, in compiled code.

    Each iteration's carry is realigned to ``init``'s axis order (``body_fn`` may return it
    transposed); a carry whose set of names, sizes or dtypes changes is an error naming the
    difference. Lowers to ``jax.lax.while_loop`` (forward-differentiable only, as in JAX).

    >>> import namedtensor as nt
    >>> def grow(x):
    ...     return (x * 2.0).align_to("feat", "batch")
    >>> out = nt.while_loop(lambda x: x.sum() < 100.0, grow, nt.ones({"batch": 2, "feat": 3}))
    >>> out.names, out.sum().item()
    (('batch', 'feat'), 192.0)

    Args:
        cond_fn: ``carry -> 0-d bool`` (a 0-d bool NamedTensor, JAX array or Python bool).
        body_fn: ``carry -> carry``, same structure, names, sizes and dtypes.
        init: a pytree of NamedTensors, arrays or numbers.

    Returns:
        The final carry (JAX tensors, in ``init``'s layout).
    """
    op = "nt.while_loop"
    _validate.function(cond_fn, op, "cond_fn")
    _validate.function(body_fn, op, "body_fn")
    _check_values(_flatten(init)[0], op, "init")

    def test(carry: T) -> Any:
        return _predicate(cond_fn(carry), op, "cond_fn's output")

    def body(carry: T) -> T:
        out: T = realign(carry, body_fn(carry), op, "carry")
        return out

    return jax.lax.while_loop(test, body, init)


def fori_loop(lower: Bound, upper: Bound, body_fn: Callable[[jax.Array, T], T], init: T) -> T:
    """``carry = body_fn(i, carry)`` for ``i`` in ``range(lower, upper)``, in compiled code.

    ``i`` is a 0-d JAX integer (as in ``jax.lax.fori_loop``). Each iteration's carry is
    realigned to ``init``'s axis order; a change in its names, sizes or dtypes is an error
    naming the difference. With Python int bounds the trip count is static and the loop is
    reverse-differentiable (``nt.grad`` works through it).

    >>> import namedtensor as nt
    >>> def step(i, x):
    ...     return (x + i).align_to("feat", "batch")
    >>> out = nt.fori_loop(0, 4, step, nt.zeros({"batch": 1, "feat": 2}))
    >>> out.names, out.tolist()
    (('batch', 'feat'), [[6.0, 6.0]])

    Args:
        lower, upper: ints, or 0-d integer arrays or NamedTensors (traced bounds make the
            loop a ``while_loop``: forward-differentiable only).
        body_fn: ``(i, carry) -> carry``.
        init: a pytree of NamedTensors, arrays or numbers.

    Returns:
        The final carry (JAX tensors, in ``init``'s layout).
    """
    op = "nt.fori_loop"
    low = _bound(lower, op, "lower")
    high = _bound(upper, op, "upper")
    _validate.function(body_fn, op, "body_fn")
    _check_values(_flatten(init)[0], op, "init")

    def body(i: jax.Array, carry: T) -> T:
        out: T = realign(carry, body_fn(i, carry), op, "carry")
        return out

    carry: T = jax.lax.fori_loop(low, high, body, init)
    return carry
