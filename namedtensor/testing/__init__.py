"""Testing helpers for named code: :func:`assert_allclose`, hypothesis ``strategies``, and
:func:`check_invariance` (a property check that a function ignores axis order and names).

>>> import namedtensor as nt
>>> from namedtensor.testing import assert_allclose
>>> t = nt.tensor([[1.0, 2.0]], "a b")
>>> assert_allclose(t.align_to("b", "a"), t)
"""

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeAlias, Union, cast

import numpy as np

from .. import _validate
from .._errors import NamedTensorError
from .._tensor import NamedTensor
from .._types import Real, Scalar

if TYPE_CHECKING:  # imported lazily by __getattr__ below, so that hypothesis stays optional
    import jax

    from . import strategies as strategies
    from ._invariance import check_invariance as check_invariance

__all__ = ["assert_allclose", "strategies", "check_invariance"]

_OP = "assert_allclose"

# what assert_allclose compares: NamedTensors, or a number or an array where one side is 0-d
Comparable: TypeAlias = Union[NamedTensor, Scalar, "np.ndarray[Any, Any]", "jax.Array"]


def _tolerance(value: object, arg: str) -> float:
    value = _validate.to_float(_validate.real(value, _OP, arg))
    if not value >= 0 or not math.isfinite(value):  # nan fails both
        raise NamedTensorError(f"{_OP}: {arg} must be a finite number >= 0, got {value!r}")
    return value


def _operand(x: object, which: str) -> Comparable:
    """A NamedTensor, a number, or an array (positional: refused next to a NamedTensor)."""
    if isinstance(x, NamedTensor):
        import jax
        if isinstance(x.data, jax.core.Tracer):
            raise TypeError(f"{_OP}: {which} {_fmt(x.sizes)} is traced (inside jit, grad or "
                            f"vmap); compare concrete tensors, outside the transform")
        return x
    if isinstance(x, (bool, int, float, complex, np.number, np.bool_)):
        return x
    if hasattr(x, "shape") and hasattr(x, "dtype"):
        _validate.dtype(x.dtype, _OP, f"{which}'s dtype")  # numbers only, not str/object
        return cast(Comparable, x)  # an array (NumPy, JAX or one like them)
    raise TypeError(f"{_OP}: {which} must be a NamedTensor or a number, got "
                    f"{type(x).__name__}")


def _values(x: Comparable) -> "np.ndarray[Any, Any]":
    """A NumPy array NumPy's assert_allclose can subtract: bool as int, and the
    extension floats (bfloat16, float8) as float64."""
    x = np.asarray(x.numpy() if isinstance(x, NamedTensor) else x)
    if x.dtype == np.bool_:
        return x.astype(np.int8)
    if x.dtype.kind not in "iufc":
        return x.astype(np.float64)
    return x


def assert_allclose(actual: Comparable, desired: Comparable, rtol: Real = 1e-6,
                    atol: Real = 0, *, err_msg: str = "") -> None:
    """Assert two named tensors are equal up to tolerance, whatever their axis order.

    Names must be equal as sets and sizes must agree; the failure message
    lists missing/extra names and size differences before any value difference.
    Values are compared after aligning ``desired`` to ``actual``'s axis order.

    >>> import namedtensor as nt
    >>> from namedtensor.testing import assert_allclose
    >>> assert_allclose(nt.tensor([1.0, 2.0], "x"), nt.tensor([1.0, 2.0 + 1e-9], "x"))
    >>> try:
    ...     assert_allclose(nt.zeros({"x": 2}), nt.zeros({"y": 2}))
    ... except AssertionError as e:
    ...     print(str(e).splitlines()[0])
    names differ: actual (x=2) has extra ['x'] and lacks ['y']

    Args:
        actual, desired: NamedTensors (a scalar is accepted for a 0-d comparison).
        rtol, atol: tolerances as in ``numpy.testing.assert_allclose``: finite numbers
            ``>= 0`` (a wrong type is a ``TypeError``, a wrong value a
            ``NamedTensorError``).
        err_msg: extra text for the failure message.

    Raises:
        AssertionError: the tensors differ in names, sizes or values.
    """
    rtol, atol = _tolerance(rtol, "rtol"), _tolerance(atol, "atol")
    if not isinstance(err_msg, str):
        raise TypeError(f"{_OP}: err_msg must be a str, got {type(err_msg).__name__}")
    a, d = _operand(actual, "actual"), _operand(desired, "desired")
    if not isinstance(a, NamedTensor) or not isinstance(d, NamedTensor):
        # one side is unnamed: a 0-d value (a number), compared with a 0-d tensor or value
        for which, x, other, name in (("actual", a, d, "desired"), ("desired", d, a, "actual")):
            if isinstance(x, NamedTensor) or not isinstance(other, NamedTensor):
                continue
            if np.ndim(x):
                raise AssertionError(f"{_OP}: {which} is a positional {type(x).__name__} of "
                                     f"shape {np.shape(x)}; compare NamedTensors so that names "
                                     f"are checked")
            if other.ndim:
                raise AssertionError(f"{_OP}: {which} is a scalar but {name} has axes "
                                     f"{other.sizes}")
        np.testing.assert_allclose(_values(a), _values(d), rtol=rtol, atol=atol,
                                   err_msg=err_msg)
        return
    sa, sd = a.sizes, d.sizes
    header = f"actual {_fmt(sa)} vs desired {_fmt(sd)}"
    if set(sa) != set(sd):
        extra = sorted(set(sa) - set(sd))
        missing = sorted(set(sd) - set(sa))
        raise AssertionError(f"names differ: actual {_fmt(sa)} has extra {extra} and lacks "
                             f"{missing}\n{header}\n{err_msg}".rstrip())
    sizes = {n: (sa[n], sd[n]) for n in sa if sa[n] != sd[n]}
    if sizes:
        raise AssertionError(f"sizes differ (actual, desired): {sizes}\n{header}\n"
                             f"{err_msg}".rstrip())
    np.testing.assert_allclose(
        _values(a), _values(d.align_to(*a.names)), rtol=rtol, atol=atol,
        err_msg=f"values differ; axes in order {a.names}. {err_msg}".strip())


def _fmt(sizes: Mapping[str, int]) -> str:
    return "(" + ", ".join(f"{n}={s}" for n, s in sizes.items()) + ")"


def __getattr__(name: str) -> Any:  # hypothesis is optional: import what needs it lazily
    import importlib
    if name == "strategies":
        return importlib.import_module(f"{__name__}.strategies")
    if name == "check_invariance":
        return importlib.import_module(f"{__name__}._invariance").check_invariance
    raise AttributeError(name)
