"""NamedTensor: a backend array plus one unique name per axis.

Axis order is layout, not meaning: every operation matches axes by name.
"""

import jax
import numpy as np

from .backends import backend_of, get_backend
from ._errors import AxisNameError, NamedTensorError
from ._names import check_rank, fmt_sizes, parse_names

__all__ = ["NamedTensor", "tensor", "from_numpy"]


class NamedTensor:
    """A tensor whose axes have names.

    Make one with :func:`namedtensor.tensor`; every operation returns a new
    tensor and matches axes by name, never by position.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[1, 2, 3], [4, 5, 6]], "batch feat")
    >>> t.sizes
    {'batch': 2, 'feat': 3}
    >>> t.sum("feat").tolist()
    [6, 15]
    """

    __slots__ = ("_data", "_names", "_backend", "__weakref__")
    __array_ufunc__ = None  # NumPy must not treat us as a positional array
    __hash__ = None  # == is elementwise

    def __init__(self, data, names):
        backend = backend_of(data)
        if not backend.is_array(data):
            data = backend.asarray(data)
        names = parse_names(names, "NamedTensor")
        check_rank(names, data.shape, "NamedTensor")
        self._data, self._names, self._backend = data, names, backend

    # --- the single internal constructor -------------------------------------
    @classmethod
    def _new(cls, data, names, backend):
        """Wrap ``data`` (already in ``names`` order) without validation."""
        t = object.__new__(cls)
        t._data, t._names, t._backend = data, names, backend
        return t

    # --- looking --------------------------------------------------------------
    names = property(lambda self: self._names, doc="The axis names, in storage order.")
    data = property(lambda self: self._data, doc="The backend array, axes in ``names`` order.")
    shape = property(lambda self: tuple(self._data.shape), doc="Sizes in ``names`` order.")
    ndim = property(lambda self: len(self._names), doc="Number of axes.")
    backend = property(lambda self: self._backend.name, doc='``"jax"`` or ``"numpy"``.')

    @property
    def sizes(self):
        """A dict name -> size, in ``names`` order."""
        return dict(zip(self._names, self._data.shape))

    @property
    def size(self):
        """Number of elements."""
        return int(np.prod(self._data.shape, dtype=np.int64))

    @property
    def dtype(self):
        """The element type, as a NumPy dtype."""
        return np.dtype(self._data.dtype)

    @property
    def device(self):
        """Where the data lives, e.g. ``"cpu:0"`` (``"cpu"`` for the numpy backend)."""
        return self._backend.device(self._data)

    def __repr__(self):
        head = ", ".join(f"{n}={s}" for n, s in zip(self._names, self._data.shape))
        extra = ", backend=numpy" if self._backend.name == "numpy" else ""
        head = f"NamedTensor({head + ', ' if head else ''}dtype={self.dtype}, device={self.device}{extra})"
        try:
            values = np.array2string(np.asarray(self._data), threshold=64, edgeitems=3,
                                     precision=4)
        except Exception:  # a tracer inside jit has no values
            values = "<traced>"
        return f"{head}\n{values}"

    # --- converting -----------------------------------------------------------
    def numpy(self):
        """An ``np.ndarray`` with axes in ``names`` order (zero-copy, read-only for JAX on CPU)."""
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        if dtype is not None and np.dtype(dtype) != out.dtype:
            return out.astype(dtype)
        return np.array(out, copy=True) if copy else out

    def _scalar(self, op):
        """The 0-d backend array (not NumPy: under eager ``jax.grad`` a tracer converts
        to a Python scalar, but not to an ``np.ndarray``)."""
        if self._names:
            raise AxisNameError(
                f"{op}: needs a 0-d tensor, got axes {fmt_sizes(self._names, self._data.shape)}; "
                f"reduce them (t.sum(...)) or index them (t[{{{self._names[0]!r}: 0}}]) first")
        return self._data

    def item(self):
        """The value of a 0-d tensor as a Python scalar."""
        return self._scalar("item()").item()

    def __float__(self):
        return float(self._scalar("float()"))

    def __int__(self):
        return int(self._scalar("int()"))

    def __bool__(self):
        return bool(self._scalar("bool()"))

    def __index__(self):
        value = self._scalar("index")
        if not np.issubdtype(value.dtype, np.integer):
            raise TypeError(f"index: a {np.dtype(value.dtype)} tensor cannot be used as an index")
        return int(value)

    def tolist(self):
        """Nested lists in ``names`` order (a Python scalar for a 0-d tensor)."""
        return self.numpy().tolist()

    def astype(self, dtype):
        """The same tensor with elements converted to ``dtype``."""
        return NamedTensor._new(self._data.astype(_dtype(dtype, "astype")), self._names,
                                self._backend)

    def to(self, device):
        """The same tensor on ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:1"`` or a JAX device)."""
        try:
            data = self._backend.put(self._data, device)
        except ValueError as e:
            raise NamedTensorError(f"to({device!r}): {e}") from None
        return NamedTensor._new(data, self._names, self._backend)

    def to_xarray(self):
        """An ``xarray.DataArray`` with ``dims=names`` (needs xarray installed)."""
        import xarray
        return xarray.DataArray(self.numpy(), dims=self._names)

    def __iter__(self):
        raise TypeError(f"a NamedTensor {fmt_sizes(self._names, self._data.shape)} is not "
                        f"iterable by position; use t.split(name, sizes) or index by name, "
                        f"e.g. t[{{'{self._names[0] if self._names else 'name'}': 0}}]")

    # --- operators (implemented in _ops) --------------------------------------
    def __add__(self, other): return _ops.add(self, other)
    def __radd__(self, other): return _ops.add(other, self)
    def __sub__(self, other): return _ops.subtract(self, other)
    def __rsub__(self, other): return _ops.subtract(other, self)
    def __mul__(self, other): return _ops.multiply(self, other)
    def __rmul__(self, other): return _ops.multiply(other, self)
    def __truediv__(self, other): return _ops.divide(self, other)
    def __rtruediv__(self, other): return _ops.divide(other, self)
    def __floordiv__(self, other): return _ops.floor_divide(self, other)
    def __rfloordiv__(self, other): return _ops.floor_divide(other, self)
    def __mod__(self, other): return _ops.remainder(self, other)
    def __rmod__(self, other): return _ops.remainder(other, self)
    def __pow__(self, other): return _ops.power(self, other)
    def __rpow__(self, other): return _ops.power(other, self)
    def __and__(self, other): return _ops.bitwise_and(self, other)
    def __rand__(self, other): return _ops.bitwise_and(other, self)
    def __or__(self, other): return _ops.bitwise_or(self, other)
    def __ror__(self, other): return _ops.bitwise_or(other, self)
    def __xor__(self, other): return _ops.bitwise_xor(self, other)
    def __rxor__(self, other): return _ops.bitwise_xor(other, self)
    def __lt__(self, other): return _ops.less(self, other)
    def __le__(self, other): return _ops.less_equal(self, other)
    def __gt__(self, other): return _ops.greater(self, other)
    def __ge__(self, other): return _ops.greater_equal(self, other)
    def __eq__(self, other): return _ops.equal(self, other)
    def __ne__(self, other): return _ops.not_equal(self, other)
    def __neg__(self): return _ops.negative(self)
    def __pos__(self): return self
    def __abs__(self): return _ops.abs(self)
    def __invert__(self): return _ops.invert(self)

    # --- reductions and axis-wise functions (implemented in _ops) -------------
    def sum(self, names=None): return _ops.sum(self, names)
    def mean(self, names=None): return _ops.mean(self, names)
    def prod(self, names=None): return _ops.prod(self, names)
    def max(self, names=None): return _ops.max(self, names)
    def min(self, names=None): return _ops.min(self, names)
    def any(self, names=None): return _ops.any(self, names)
    def all(self, names=None): return _ops.all(self, names)
    def logsumexp(self, names=None): return _ops.logsumexp(self, names)
    def std(self, names=None, ddof=0): return _ops.std(self, names, ddof=ddof)
    def var(self, names=None, ddof=0): return _ops.var(self, names, ddof=ddof)
    def argmax(self, name): return _ops.argmax(self, name)
    def argmin(self, name): return _ops.argmin(self, name)

    # --- reshaping and indexing by name (implemented in _shape) ---------------
    def rename(self, mapping=None, /, **kwargs): return _shape.rename(self, mapping, **kwargs)
    def align_to(self, *names): return _shape.align_to(self, *names)
    def flatten(self, names, into): return _shape.flatten(self, names, into)
    def unflatten(self, name, sizes): return _shape.unflatten(self, name, sizes)
    def expand(self, sizes): return _shape.expand(self, sizes)
    def squeeze(self, name): return _shape.squeeze(self, name)
    def split(self, name, sizes): return _shape.split(self, name, sizes)
    def unstack(self, name): return _shape.unstack(self, name)
    def __getitem__(self, index): return _shape.getitem(self, index)


def _flatten(t):
    return (t._data,), t._names


def _unflatten(names, children):
    # JAX may rebuild with placeholders (None, tracers, batching sentinels): no validation.
    (data,) = children
    return NamedTensor._new(data, names, backend_of(data))


jax.tree_util.register_pytree_node(NamedTensor, _flatten, _unflatten)


def _dtype(dtype, op):
    if dtype is None:
        return None
    try:
        return np.dtype(dtype)
    except TypeError:
        raise NamedTensorError(f"{op}: unknown dtype {dtype!r}") from None


def tensor(data, names, *, dtype=None, device=None, backend=None):
    """A NamedTensor from a list, scalar, NumPy or JAX array.

    >>> import namedtensor as nt
    >>> t = nt.tensor([[0.0, 1.0, 2.0]], "batch feat")
    >>> t.names, t.shape, str(t.dtype)
    (('batch', 'feat'), (1, 3), 'float32')

    Args:
        data: a nested list, Python scalar, ``np.ndarray`` or JAX array.
        names: one name per axis: a sequence of str, or one space-separated str.
        dtype: element type (default: inferred, floats as float32 on JAX).
        device: ``"cpu"``, ``"gpu"``, ``"gpu:1"`` or a JAX device.
        backend: ``"jax"`` (default) or ``"numpy"``.

    Returns:
        A NamedTensor.
    """
    if isinstance(data, NamedTensor):
        data = data._data
    names = parse_names(names, "nt.tensor")
    dtype = _dtype(dtype, "nt.tensor")
    be = get_backend(backend or "jax")
    try:
        array = be.asarray(data, dtype=dtype, device=device)
    except ValueError as e:
        if device is not None:
            raise NamedTensorError(f"nt.tensor: {e}") from None
        raise NamedTensorError(f"nt.tensor: cannot make an array from the data "
                               f"({type(data).__name__}): {e}") from None
    except TypeError:
        raise TypeError(f"nt.tensor: cannot make an array from a "
                        f"{type(data).__name__}") from None
    check_rank(names, array.shape, "nt.tensor")
    return NamedTensor._new(array, names, be)


def from_numpy(array, names, *, backend=None):
    """A NamedTensor from an ``np.ndarray``.

    On the JAX backend (the default) the data is **copied** onto the device,
    so later writes to ``array`` do not show through; ``backend="numpy"``
    keeps the array itself (no copy).

    >>> import numpy as np, namedtensor as nt
    >>> nt.from_numpy(np.zeros((2, 3)), "batch feat").sizes
    {'batch': 2, 'feat': 3}
    """
    if not isinstance(array, np.ndarray):
        raise TypeError(f"nt.from_numpy: expected an np.ndarray, got {type(array).__name__}; "
                        f"use nt.tensor for other data")
    return tensor(array, names, backend=backend)


from . import _ops, _shape  # noqa: E402  (the methods above call into them)
