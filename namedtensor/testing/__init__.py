"""Testing helpers for named code: :func:`assert_allclose` and hypothesis ``strategies``.

>>> import namedtensor as nt
>>> from namedtensor.testing import assert_allclose
>>> t = nt.tensor([[1.0, 2.0]], "a b")
>>> assert_allclose(t.align_to("b", "a"), t)
"""

import math

import numpy as np

from .. import _validate
from .._errors import NamedTensorError
from .._tensor import NamedTensor

__all__ = ["assert_allclose", "strategies"]

_OP = "assert_allclose"


def _tolerance(value, arg):
    value = _validate.to_float(_validate.real(value, _OP, arg))
    if not value >= 0 or not math.isfinite(value):  # nan fails both
        raise NamedTensorError(f"{_OP}: {arg} must be a finite number >= 0, got {value!r}")
    return value


def _operand(x, which):
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
        return x
    raise TypeError(f"{_OP}: {which} must be a NamedTensor or a number, got "
                    f"{type(x).__name__}")


def _values(x):
    """A NumPy array NumPy's assert_allclose can subtract: bool as int, and the
    extension floats (bfloat16, float8) as float64."""
    x = np.asarray(x.numpy() if isinstance(x, NamedTensor) else x)
    if x.dtype == np.bool_:
        return x.astype(np.int8)
    if x.dtype.kind not in "iufc":
        return x.astype(np.float64)
    return x


def assert_allclose(actual, desired, rtol=1e-6, atol=0, *, err_msg=""):
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
    if not isinstance(a, NamedTensor) and not isinstance(d, NamedTensor):
        np.testing.assert_allclose(_values(a), _values(d), rtol=rtol, atol=atol,
                                   err_msg=err_msg)
        return
    for which, x, other, name in (("actual", a, d, "desired"), ("desired", d, a, "actual")):
        if isinstance(x, NamedTensor):
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


def _fmt(sizes):
    return "(" + ", ".join(f"{n}={s}" for n, s in sizes.items()) + ")"


def __getattr__(name):  # hypothesis is an optional dependency: import strategies lazily
    if name == "strategies":
        import importlib
        return importlib.import_module(f"{__name__}.strategies")
    raise AttributeError(name)
