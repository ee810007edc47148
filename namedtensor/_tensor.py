"""NamedTensor: a backend array plus one unique name per axis.

Axis order is layout, not meaning: every operation matches axes by name.
"""

import math

import jax
import numpy as np

from . import _validate as V
from .backends import backend_of, get_backend
from ._errors import AxisNameError, NamedTensorError
from ._names import check_rank, fmt_sizes

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
        t = make(data, names, None, None, backend_of(data).name, "NamedTensor")
        self._data, self._names, self._backend = t._data, t._names, t._backend

    # --- the single internal constructor -------------------------------------
    @classmethod
    def _new(cls, data, names, backend):
        """Wrap ``data`` (already in ``names`` order) without validation."""
        t = object.__new__(cls)
        t._data, t._names, t._backend = data, names, backend
        return t

    # --- looking --------------------------------------------------------------
    @property
    def names(self):
        """The axis names, in storage order."""
        if type(self._data) is _Stale:
            self._data.fail()
        return self._names

    @property
    def data(self):
        """The backend array, axes in ``names`` order."""
        if type(self._data) is _Stale:
            self._data.fail()
        return self._data

    shape = property(lambda self: tuple(self._data.shape), doc="Sizes in ``names`` order.")
    ndim = property(lambda self: len(self.names), doc="Number of axes.")
    backend = property(lambda self: self._backend.name, doc='``"jax"`` or ``"numpy"``.')

    @property
    def sizes(self):
        """A dict name -> size, in ``names`` order."""
        return dict(zip(self._names, self._data.shape))

    @property
    def size(self):
        """Number of elements."""
        return math.prod(self._data.shape)  # symbolic inside nt.export

    @property
    def dtype(self):
        """The element type, as a NumPy dtype."""
        return np.dtype(self._data.dtype)

    @property
    def device(self):
        """Where the data lives, e.g. ``"cpu:0"`` (``"cpu"`` for the numpy backend)."""
        return self._backend.device(self._data)

    @property
    def sharding_rules(self):
        """How the data is split over a mesh, by name: ``{axis: mesh axis (or a tuple of
        them)}``, each value as written in the rules of :func:`namedtensor.shard`. Axes not
        split are left out, and so are mesh axes of size 1, which split nothing: ``{}`` on
        one device, for a replicated tensor, or a traced one inside ``jit``.

        >>> import namedtensor as nt
        >>> t = nt.zeros({"batch": 4, "feat": 3})
        >>> t.sharding_rules
        {}
        >>> m = nt.mesh({"data": -1})
        >>> s = nt.shard(t, m, {"batch": "data"})
        >>> s.sharding_rules == ({"batch": "data"} if m.size > 1 else {})
        True
        """
        return _sharding.rules_of(self)

    def __repr__(self):
        if type(self._data) is _Stale:
            return f"NamedTensor(<invalid: {self._data.describe()}>)"
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
        try:
            return self._backend.to_numpy(self._data)
        except jax.errors.JAXTypeError:
            raise _traced_error(self, "numpy()") from None

    def __array__(self, dtype=None, copy=None):
        out = self.numpy()
        dtype = V.dtype(dtype, "np.asarray")
        if dtype is not None and dtype != out.dtype:
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

    def _convert(self, convert, op):
        try:
            return convert(self._scalar(op))
        except jax.errors.JAXTypeError:
            raise _traced_error(self, op) from None

    def item(self):
        """The value of a 0-d tensor as a Python scalar."""
        return self._convert(lambda x: x.item(), "item()")

    def __float__(self):
        return self._convert(float, "float()")

    def __int__(self):
        return self._convert(int, "int()")

    def __bool__(self):
        return self._convert(bool, "bool()")

    def __index__(self):
        value = self._scalar("index")
        if not np.issubdtype(value.dtype, np.integer):
            raise TypeError(f"index: a {np.dtype(value.dtype)} tensor cannot be used as an index")
        return self._convert(int, "index")

    def tolist(self):
        """Nested lists in ``names`` order (a Python scalar for a 0-d tensor)."""
        return self.numpy().tolist()

    def astype(self, dtype):
        """The same tensor with elements converted to ``dtype`` (a cast: float to int
        truncates, and integers narrowed to a smaller type wrap, as in NumPy and JAX)."""
        dtype = V.dtype(dtype, "astype", allow_none=False)
        return NamedTensor._new(self._data.astype(dtype), self._names, self._backend)

    def to(self, device):
        """The same tensor on ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:1"`` or a JAX device)."""
        target = V.device(device, f"to({device!r})" if isinstance(device, str) else "to",
                          self._backend.name)
        if self._backend.name == "numpy":
            return self
        return NamedTensor._new(self._backend.put(self._data, target), self._names,
                                self._backend)

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
    def prime(self, *names): return _shape.prime(self, *names)
    def unprime(self, *names): return _shape.unprime(self, *names)
    def __getitem__(self, index): return _shape.getitem(self, index)


def _flatten(t):
    data = t._data
    if type(data) is _Stale:  # stays stale through every later rebuild (jax.vmap's output)
        return (data.data,), _StaleNames(t._names)
    return (data,), t._names


def _unflatten(names, children):
    # Data whose rank differs from the names (plain jax.vmap, jax.tree.map(lambda a:
    # a.sum(), params)), or that is no array at all (placeholders: None, sentinels,
    # floats), must never be used with the names attached to the wrong axes. But JAX,
    # optax and jax.test_util flatten such trees again: the tensor is kept, marked
    # stale, and raises AxisNameError on any use other than flattening, which gives
    # back exactly what JAX put in.
    (data,) = children
    if type(names) is _StaleNames:
        names = names.names
        data = _Stale(data, names)
    else:
        shape = getattr(data, "shape", None)
        if type(shape) is not tuple or len(shape) != len(names):
            data = _Stale(data, names)
    return NamedTensor._new(data, names, backend_of(data))


class _StaleNames:
    """Pytree aux data of a stale tensor: the names, and the mark that they are stale."""

    __slots__ = ("names",)

    def __init__(self, names):
        self.names = names

    def __eq__(self, other):
        return type(other) is _StaleNames and other.names == self.names

    def __hash__(self):
        return hash(("stale", self.names))


class _Stale:
    """The data of a NamedTensor rebuilt by a JAX transform with another rank than its
    names: any use raises ``AxisNameError`` pointing to ``nt.vmap``."""

    __slots__ = ("data", "names")
    __array_priority__ = 1000

    def __init__(self, data, names):
        self.data, self.names = data, names

    def describe(self):
        shape = getattr(self.data, "shape", None)
        if type(shape) is not tuple:
            return f"{len(self.names)} name(s) {list(self.names)} for a {type(self.data).__name__}"
        return (f"{len(self.names)} name(s) {list(self.names)} for data with {len(shape)} "
                f"axis/axes of shape {shape}")

    def fail(self, *_, **__):
        raise AxisNameError(
            f"NamedTensor: {self.describe()}: a JAX transform (plain jax.vmap, "
            f"jax.tree_util.tree_map) rebuilt this tensor with other data, so its names no "
            f"longer match its axes. Map over a named axis with nt.vmap(f, over=name) "
            f"instead of jax.vmap, or map over t.data")

    def __getattr__(self, attr):
        self.fail()

    __array__ = __jax_array__ = __len__ = __iter__ = __getitem__ = __bool__ = fail
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __truediv__ = fail


def _traced_error(t, op):
    return TypeError(
        f"{op}: this tensor {fmt_sizes(t._names, t._data.shape)} is traced (inside nt.jit, "
        f"grad, vmap or scan) and has no value yet. Return it from the function and read it "
        f"outside; use nt.where or lax control flow instead of Python if/while on it; print "
        f"it with jax.debug.print, or call NumPy code with nt.callback")


jax.tree_util.register_pytree_node(NamedTensor, _flatten, _unflatten)


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
    return make(data, names, dtype, device, backend, "nt.tensor")


_SCALAR_TYPES = (bool, int, float, complex)


def make(data, names, dtype, device, backend, op):
    """:func:`tensor` for every constructor that takes data, reporting as ``op``."""
    names = V.names(names, op)
    if isinstance(data, NamedTensor):  # names are matched by name, never by position
        if sorted(names) != sorted(data.names):
            raise AxisNameError(
                f"{op}: data is a NamedTensor {fmt_sizes(data.names, data.shape)}; names "
                f"{list(names)} must be its own names, in any order (they give the stored "
                f"order). To rename axes, use t.rename({{'old': 'new'}})")
        data = _shape.align_to(data, *names).data if names != data.names else data.data
    dtype = V.dtype(dtype, op)
    be, target = placement(backend, device, op)
    array = _convert(data, dtype, be, op)
    check_rank(names, array.shape, op)
    return place(array, names, be, target)


def placement(backend, device, op):
    """The validated backend object and device (``None``: the default) of a constructor."""
    be = get_backend(V.backend(backend, op))
    return be, None if device is None else V.device(device, op, be.name)


def place(data, names, be, target):
    """Wrap ``data``, first moved to the validated device ``target`` (numpy: the host)."""
    if target is not None and be.name == "jax":
        data = be.put(data, target)
    return NamedTensor._new(data, names, be)


def _convert(data, dtype, be, op):
    """``data`` as ``be``'s array: no object or string arrays, no integer that the
    result's dtype cannot hold (JAX without x64 holds 32-bit integers), no wrapping."""
    if type(data) in _SCALAR_TYPES or isinstance(data, np.generic):
        if isinstance(data, (int, np.integer)) and not isinstance(data, (bool, np.bool_)):
            if dtype is not None and dtype.kind in "fc":
                try:
                    data = float(data)
                except OverflowError:
                    raise NamedTensorError(f"{op}: an int too large for any float") from None
            else:
                V.fits(int(data), dtype if dtype is not None and dtype.kind in "iu"
                       else V.default_int(), op)
        if isinstance(data, np.generic):
            V.dtype(data.dtype, op, "data's dtype")
        if isinstance(data, (complex, np.complexfloating)) and dtype is not None and \
                dtype.kind != "c":
            raise TypeError(f"{op}: a complex value needs a complex dtype, not {dtype}")
        return be.asarray(data, dtype=dtype)
    if be.is_array(data) and be.name == "jax":
        V.dtype(data.dtype, op, "data's dtype")
        return data if dtype is None else data.astype(dtype)
    V.nesting(data, op)
    try:
        host = np.asarray(data)
    except (ValueError, TypeError, OverflowError, RecursionError) as e:
        reason = str(e).split(";")[0].split(". ")[0]
        raise NamedTensorError(f"{op}: cannot make an array from the data "
                               f"({type(data).__name__}): {reason}") from None
    except jax.errors.JAXTypeError:
        raise TypeError(f"{op}: the data is traced (inside nt.jit, grad, vmap or scan); "
                        f"the numpy backend needs concrete values") from None
    if host.dtype.kind not in "biufc" and not isinstance(data, np.ndarray):
        raise TypeError(f"{op}: cannot make an array of numbers from the data "
                        f"({type(data).__name__}); its elements are not all bools, ints, "
                        f"floats or complex numbers of one shape (None, strings, ragged "
                        f"lists and integers beyond 64 bits are refused)")
    V.dtype(host.dtype, op, "data's dtype")
    if be.name == "jax" or (dtype is not None and dtype != host.dtype):  # a copy is made
        V.allocation(tuple(f"axis{i}" for i in range(host.ndim)), host.shape,
                     dtype or host.dtype, op)
    want = dtype if dtype is not None else \
        (np.dtype(jax.dtypes.canonicalize_dtype(host.dtype)) if be.name == "jax" else host.dtype)
    if host.dtype.kind in "fc" and want.kind in "iu" and host.size:  # a float cast to ints
        info = np.iinfo(want)
        finite = np.isfinite(host)
        if not finite.all() or host.real.min() < info.min or host.real.max() > info.max:
            raise NamedTensorError(f"{op}: the data holds values that {want} cannot hold "
                                   f"(NaN, inf, or beyond [{info.min}, {info.max}])")
    # (a cast to bool is a comparison with 0: nothing to fit)
    if host.dtype.kind in "iu" and want.kind in "iu" and want != host.dtype and host.size:
        for bound in (host.min(), host.max()):
            V.fits(int(bound), want, op, "value of the data")
    return be.asarray(host, dtype=dtype)


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
    return make(array, names, None, None, backend, "nt.from_numpy")


from . import _ops, _shape, _sharding  # noqa: E402  (the methods above call into them)
