"""The types of the public API, shared by every module's annotations.

Only the type checker reads most of these; at run time they are plain aliases.
"""

import numbers
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias, Union

import jax
import numpy as np

if TYPE_CHECKING:
    from ._tensor import NamedTensor

# Aliases that name NamedTensor (defined after this module) use Union with a string, which
# stays usable at run time in annotations such as ``Operand | None``.

# names: one str of space-separated names ("batch seq") or a sequence of names
Names: TypeAlias = str | Sequence[str]
# sizes: an ordered mapping of name -> size ({"batch": 32}); None is a symbolic size
Sizes: TypeAlias = Mapping[str, int]
SymbolicSizes: TypeAlias = Mapping[str, int | None]
# a Python or NumPy scalar, which broadcasts against anything
Scalar: TypeAlias = bool | int | float | complex | np.number[Any] | np.bool_
# an operand of a named operation: a NamedTensor or a scalar
Operand: TypeAlias = Union["NamedTensor", Scalar]
# what nt.tensor accepts as data: arrays, nested lists, scalars, NamedTensors
ArrayLike: TypeAlias = Union["NamedTensor", np.ndarray[Any, Any], jax.Array, Scalar, Sequence[Any]]
# a real number: what validate.real accepts (numbers.Real: Fraction too; not bool)
Real: TypeAlias = int | float | numbers.Real | np.integer[Any] | np.floating[Any]
# a dtype: a NumPy dtype, a scalar type or its name ("float32")
DTypeLike: TypeAlias = str | np.dtype[Any] | type[Any]
# a device: a jax.Device, "cpu", "cpu:1", "gpu:0"
DeviceLike: TypeAlias = str | jax.Device
# a pytree of tensors (dicts, lists, tuples, registered classes)
PyTree: TypeAlias = Any
AnyCallable: TypeAlias = Callable[..., Any]

# --- internal: used by the implementation's annotations, not part of the public API ---
# a backend array: an np.ndarray, a jax.Array, or a tracer or symbolic stand-in for one
# inside jit/export; Any because the frontend only hands it to the backend that owns it
Array: TypeAlias = Any
# a shape in storage order; inside nt.export a size may be a symbolic dimension, which
# behaves as an int
Shape: TypeAlias = tuple[int, ...]


# --- the signatures of the ops _ops.py stamps out from its tables -------------------------
class UnaryOp(Protocol):
    """An elementwise function of one operand: ``nt.exp(t)``, ``nt.abs(t)``, ..."""

    def __call__(self, t: Operand) -> "NamedTensor": ...


class BinaryOp(Protocol):
    """An elementwise function of two operands, broadcast by name: ``nt.add(a, b)``, ..."""

    def __call__(self, a: Operand, b: Operand) -> "NamedTensor": ...


class ReductionOp(Protocol):
    """A reduction over named axes (``None``: all of them): ``nt.sum(t, "b")``, ..."""

    def __call__(self, t: Operand, names: Names | None = None) -> "NamedTensor": ...


class DdofReductionOp(Protocol):
    """A reduction with delta degrees of freedom: ``nt.std(t, "b", ddof=1)``, ``nt.var``."""

    def __call__(self, t: Operand, names: Names | None = None,
                 ddof: int = 0) -> "NamedTensor": ...


class AxisOp(Protocol):
    """A function along one named axis: ``nt.softmax(t, "b")``, ``nt.argmax``, ``nt.sort``."""

    def __call__(self, t: Operand, name: str) -> "NamedTensor": ...
