"""NamedTensor: a backend array plus one unique name per axis.

Axis order is layout, not meaning: every operation matches axes by name.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from types import EllipsisType
from typing import TYPE_CHECKING, Any, ClassVar, NoReturn, Self, TypeAlias, TypeVar, Union, final

import jax
import numpy as np

from . import _validate as V
from ._errors import AxisNameError, NamedTensorError
from ._names import check_rank, fmt_sizes
from ._types import Array, ArrayLike, DeviceLike, DTypeLike, Names, Operand, Sizes
from .backends import Backend, backend_of, get_backend

if TYPE_CHECKING:
    import xarray

__all__ = ["NamedTensor", "tensor", "from_numpy"]

_T = TypeVar("_T")
# what ``t[...]`` takes per name: an int (drops the axis), a slice, or an integer tensor
Index: TypeAlias = Union[int, np.integer[Any], slice, "NamedTensor"]


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
    # == is elementwise, so no hash; typeshed declares object.__hash__ a method, hence the
    # ignore (the same declaration as typeshed's own unhashable classes, e.g. list)
    __hash__: ClassVar[None] = None  # type: ignore[assignment]

    _data: Array  # the backend array (or a _Stale stand-in after a foreign rebuild)
    _names: tuple[str, ...]
    _backend: Backend

    def __init__(self, data: ArrayLike, names: Names) -> None:
        t = make(data, names, None, None, backend_of(data).name, "NamedTensor")
        self._data, self._names, self._backend = t._data, t._names, t._backend

    # --- the single internal constructor -------------------------------------
    @classmethod
    def _new(cls, data: Array, names: tuple[str, ...], backend: Backend) -> Self:
        """Wrap ``data`` (already in ``names`` order) without validation."""
        t = object.__new__(cls)
        t._data, t._names, t._backend = data, names, backend
        return t

    # --- looking --------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        """The axis names, in storage order."""
        if type(self._data) is _Stale:
            self._data.fail()
        return self._names

    @property
    def data(self) -> Array:
        """The backend array, axes in ``names`` order."""
        if type(self._data) is _Stale:
            self._data.fail()
        return self._data

    @property
    def shape(self) -> tuple[int, ...]:
        """Sizes in ``names`` order."""
        return tuple(self._data.shape)

    @property
    def ndim(self) -> int:
        """Number of axes."""
        return len(self.names)

    @property
    def backend(self) -> str:
        """``"jax"`` or ``"numpy"``."""
        return self._backend.name

    @property
    def sizes(self) -> dict[str, int]:
        """A dict name -> size, in ``names`` order."""
        return dict(zip(self._names, self._data.shape))

    @property
    def size(self) -> int:
        """Number of elements."""
        return math.prod(self._data.shape)  # symbolic inside nt.export

    @property
    def dtype(self) -> np.dtype[Any]:
        """The element type, as a NumPy dtype."""
        return np.dtype(self._data.dtype)  # type: ignore[no-any-return]  # Any in, Any out

    @property
    def device(self) -> str:
        """Where the data lives, e.g. ``"cpu:0"`` (``"cpu"`` for the numpy backend)."""
        return self._backend.device(self._data)

    @property
    def sharding_rules(self) -> dict[str, str | tuple[str, ...]]:
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

    def __repr__(self) -> str:
        if type(self._data) is _Stale:
            return f"NamedTensor(<invalid: {self._data.describe()}>)"
        head = ", ".join(f"{n}={s}" for n, s in zip(self._names, self._data.shape))
        extra = ", backend=numpy" if self._backend.name == "numpy" else ""
        head = (f"NamedTensor({head + ', ' if head else ''}dtype={self.dtype}, "
                f"device={self.device}{extra})")
        try:
            values = np.array2string(np.asarray(self._data), threshold=64, edgeitems=3,
                                     precision=4)
        except Exception:  # a tracer inside jit has no values
            values = "<traced>"
        return f"{head}\n{values}"

    def _repr_html_(self) -> str:
        """HTML for notebooks: names, sizes, dtype, device and backend, then the values as
        a table (abbreviated like NumPy's print options; "traced" inside ``jit``)."""
        return _display.html_repr(self)

    def __treescope_repr__(self, path: str | None, subtree_renderer: Any) -> Any:
        """treescope's hook: a foldable node labelled with the names and sizes."""
        return _display.treescope_repr(self, path, subtree_renderer)

    def __treescope_ndarray_adapter__(self) -> Any:
        """treescope's hook: ``treescope.render_array(t)`` labels the axes by name."""
        return _display.treescope_adapter(self)

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Plot with matplotlib: a 1-d tensor as a line over its axis, a 2-d tensor as a
        heatmap (rows: the first name, columns: the second), each axis labelled by name.

        >>> import matplotlib; matplotlib.use("Agg")
        >>> import matplotlib.pyplot as plt, namedtensor as nt
        >>> ax = nt.arange("step", 5).plot()
        >>> ax.get_xlabel()
        'step'
        >>> plt.close(ax.figure)

        Args:
            ax: the matplotlib ``Axes`` to draw on (default: ``plt.gca()``).
            **kwargs: passed to ``ax.plot`` (1-d) or ``ax.imshow`` (2-d).

        Returns:
            The ``Axes``. Other ranks raise ``AxisNameError``: select (``t[{"name": i}]``)
            or reduce (``t.sum("name")``) axes first. Complex tensors raise ``TypeError``
            (plot ``abs(t)``).
        """
        return _display.plot(self, ax, kwargs)

    # --- converting -----------------------------------------------------------
    def numpy(self) -> np.ndarray[Any, Any]:
        """An ``np.ndarray`` with axes in ``names`` order (zero-copy, read-only for JAX on CPU)."""
        try:
            return self._backend.to_numpy(self._data)
        except jax.errors.JAXTypeError:
            raise _traced_error(self, "numpy()") from None

    def __array__(self, dtype: DTypeLike | None = None,
                  copy: bool | None = None) -> np.ndarray[Any, Any]:
        out = self.numpy()
        dtype = V.dtype(dtype, "np.asarray")
        if dtype is not None and dtype != out.dtype:
            return out.astype(dtype)
        return np.array(out, copy=True) if copy else out

    def _scalar(self, op: str) -> Array:
        """The 0-d backend array (not NumPy: under eager ``jax.grad`` a tracer converts
        to a Python scalar, but not to an ``np.ndarray``)."""
        if self._names:
            raise AxisNameError(
                f"{op}: needs a 0-d tensor, got axes {fmt_sizes(self._names, self._data.shape)}; "
                f"reduce them (t.sum(...)) or index them (t[{{{self._names[0]!r}: 0}}]) first")
        return self._data

    def _convert(self, convert: Callable[[Array], _T], op: str) -> _T:
        try:
            return convert(self._scalar(op))
        except jax.errors.JAXTypeError:
            raise _traced_error(self, op) from None

    def item(self) -> Any:
        """The value of a 0-d tensor as a Python scalar."""
        return self._convert(lambda x: x.item(), "item()")

    def __float__(self) -> float:
        return self._convert(float, "float()")

    def __int__(self) -> int:
        return self._convert(int, "int()")

    def __bool__(self) -> bool:
        return self._convert(bool, "bool()")

    def __index__(self) -> int:
        value = self._scalar("index")
        if not np.issubdtype(value.dtype, np.integer):
            raise TypeError(f"index: a {np.dtype(value.dtype)} tensor cannot be used as an index")
        return self._convert(int, "index")

    def tolist(self) -> Any:
        """Nested lists in ``names`` order (a Python scalar for a 0-d tensor)."""
        return self.numpy().tolist()

    def astype(self, dtype: DTypeLike) -> "NamedTensor":
        """The same tensor with elements converted to ``dtype`` (a cast: float to int
        truncates, and integers narrowed to a smaller type wrap, as in NumPy and JAX)."""
        dtype = V.dtype(dtype, "astype", allow_none=False)
        return NamedTensor._new(self._data.astype(dtype), self._names, self._backend)

    def to(self, device: DeviceLike) -> "NamedTensor":
        """The same tensor on ``device`` (``"cpu"``, ``"gpu"``, ``"gpu:1"`` or a JAX device)."""
        target = V.device(device, f"to({device!r})" if isinstance(device, str) else "to",
                          self._backend.name)
        if self._backend.name == "numpy":
            return self
        return NamedTensor._new(self._backend.put(self._data, target), self._names,
                                self._backend)

    def to_xarray(self) -> "xarray.DataArray":
        """An ``xarray.DataArray`` with ``dims=names`` (needs xarray installed)."""
        import xarray
        return xarray.DataArray(self.numpy(), dims=self._names)

    def __iter__(self) -> NoReturn:
        raise TypeError(f"a NamedTensor {fmt_sizes(self._names, self._data.shape)} is not "
                        f"iterable by position; use t.split(name, sizes) or index by name, "
                        f"e.g. t[{{'{self._names[0] if self._names else 'name'}': 0}}]")

    # --- operators (implemented in _ops) --------------------------------------
    def __add__(self, other: Operand) -> "NamedTensor": return _ops.add(self, other)
    def __radd__(self, other: Operand) -> "NamedTensor": return _ops.add(other, self)
    def __sub__(self, other: Operand) -> "NamedTensor": return _ops.subtract(self, other)
    def __rsub__(self, other: Operand) -> "NamedTensor": return _ops.subtract(other, self)
    def __mul__(self, other: Operand) -> "NamedTensor": return _ops.multiply(self, other)
    def __rmul__(self, other: Operand) -> "NamedTensor": return _ops.multiply(other, self)
    def __truediv__(self, other: Operand) -> "NamedTensor": return _ops.divide(self, other)
    def __rtruediv__(self, other: Operand) -> "NamedTensor": return _ops.divide(other, self)
    def __floordiv__(self, other: Operand) -> "NamedTensor": return _ops.floor_divide(self, other)
    def __rfloordiv__(self, other: Operand) -> "NamedTensor": return _ops.floor_divide(other, self)
    def __mod__(self, other: Operand) -> "NamedTensor": return _ops.remainder(self, other)
    def __rmod__(self, other: Operand) -> "NamedTensor": return _ops.remainder(other, self)
    def __pow__(self, other: Operand) -> "NamedTensor": return _ops.power(self, other)
    def __rpow__(self, other: Operand) -> "NamedTensor": return _ops.power(other, self)
    def __and__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_and(self, other)
    def __rand__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_and(other, self)
    def __or__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_or(self, other)
    def __ror__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_or(other, self)
    def __xor__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_xor(self, other)
    def __rxor__(self, other: Operand) -> "NamedTensor": return _ops.bitwise_xor(other, self)
    def __lt__(self, other: Operand) -> "NamedTensor": return _ops.less(self, other)
    def __le__(self, other: Operand) -> "NamedTensor": return _ops.less_equal(self, other)
    def __gt__(self, other: Operand) -> "NamedTensor": return _ops.greater(self, other)
    def __ge__(self, other: Operand) -> "NamedTensor": return _ops.greater_equal(self, other)
    def __eq__(self, other: Operand) -> "NamedTensor":  # type: ignore[override]  # elementwise
        return _ops.equal(self, other)

    def __ne__(self, other: Operand) -> "NamedTensor":  # type: ignore[override]  # elementwise
        return _ops.not_equal(self, other)

    def __neg__(self) -> "NamedTensor": return _ops.negative(self)
    def __pos__(self) -> "NamedTensor": return self
    def __abs__(self) -> "NamedTensor": return _ops.abs(self)
    def __invert__(self) -> "NamedTensor": return _ops.invert(self)

    # --- reductions and axis-wise functions (implemented in _ops) -------------
    def sum(self, names: Names | None = None) -> "NamedTensor": return _ops.sum(self, names)
    def mean(self, names: Names | None = None) -> "NamedTensor": return _ops.mean(self, names)
    def prod(self, names: Names | None = None) -> "NamedTensor": return _ops.prod(self, names)
    def max(self, names: Names | None = None) -> "NamedTensor": return _ops.max(self, names)
    def min(self, names: Names | None = None) -> "NamedTensor": return _ops.min(self, names)
    def any(self, names: Names | None = None) -> "NamedTensor": return _ops.any(self, names)
    def all(self, names: Names | None = None) -> "NamedTensor": return _ops.all(self, names)
    def logsumexp(self, names: Names | None = None) -> "NamedTensor":
        return _ops.logsumexp(self, names)

    def std(self, names: Names | None = None, ddof: int = 0) -> "NamedTensor":
        return _ops.std(self, names, ddof=ddof)

    def var(self, names: Names | None = None, ddof: int = 0) -> "NamedTensor":
        return _ops.var(self, names, ddof=ddof)

    def argmax(self, name: str) -> "NamedTensor": return _ops.argmax(self, name)
    def argmin(self, name: str) -> "NamedTensor": return _ops.argmin(self, name)

    # --- reshaping and indexing by name (implemented in _shape) ---------------
    def rename(self, mapping: Mapping[str, str] | None = None, /,
               **kwargs: str) -> "NamedTensor":
        return _shape.rename(self, mapping, **kwargs)

    def align_to(self, *names: str | EllipsisType) -> "NamedTensor":
        return _shape.align_to(self, *names)

    def flatten(self, names: Names, into: str) -> "NamedTensor":
        return _shape.flatten(self, names, into)

    def unflatten(self, name: str, sizes: Sizes) -> "NamedTensor":
        return _shape.unflatten(self, name, sizes)

    def expand(self, sizes: Sizes) -> "NamedTensor": return _shape.expand(self, sizes)
    def squeeze(self, name: str) -> "NamedTensor": return _shape.squeeze(self, name)

    def split(self, name: str, sizes: Sequence[int]) -> "list[NamedTensor]":
        return _shape.split(self, name, sizes)

    def unstack(self, name: str) -> "tuple[NamedTensor, ...]": return _shape.unstack(self, name)
    def prime(self, *names: str) -> "NamedTensor": return _shape.prime(self, *names)
    def unprime(self, *names: str) -> "NamedTensor": return _shape.unprime(self, *names)

    def __getitem__(self, index: Mapping[str, Index]) -> "NamedTensor":
        return _shape.getitem(self, index)


def _flatten(t: NamedTensor) -> "tuple[tuple[Array], tuple[str, ...] | _StaleNames]":
    data = t._data
    if type(data) is _Stale:  # stays stale through every later rebuild (jax.vmap's output)
        return (data.data,), _StaleNames(t._names)
    return (data,), t._names


def _unflatten(names: "tuple[str, ...] | _StaleNames", children: tuple[Array]) \
        -> NamedTensor:
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


@final  # so that ``type(names) is _StaleNames`` narrows both ways
class _StaleNames:
    """Pytree aux data of a stale tensor: the names, and the mark that they are stale."""

    __slots__ = ("names",)

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names

    def __eq__(self, other: object) -> bool:
        return type(other) is _StaleNames and other.names == self.names

    def __hash__(self) -> int:
        return hash(("stale", self.names))


class _Stale:
    """The data of a NamedTensor rebuilt by a JAX transform with another rank than its
    names: any use raises ``AxisNameError`` pointing to ``nt.vmap``."""

    __slots__ = ("data", "names")
    __array_priority__ = 1000

    def __init__(self, data: object, names: tuple[str, ...]) -> None:
        self.data, self.names = data, names

    def describe(self) -> str:
        shape = getattr(self.data, "shape", None)
        if type(shape) is not tuple:
            return f"{len(self.names)} name(s) {list(self.names)} for a {type(self.data).__name__}"
        return (f"{len(self.names)} name(s) {list(self.names)} for data with {len(shape)} "
                f"axis/axes of shape {shape}")

    def fail(self, *_: object, **__: object) -> NoReturn:
        raise AxisNameError(
            f"NamedTensor: {self.describe()}: a JAX transform (plain jax.vmap, "
            f"jax.tree_util.tree_map) rebuilt this tensor with other data, so its names no "
            f"longer match its axes. Map over a named axis with nt.vmap(f, over=name) "
            f"instead of jax.vmap, or map over t.data")

    def __getattr__(self, attr: str) -> NoReturn:
        self.fail()

    __array__ = __jax_array__ = __len__ = __iter__ = __getitem__ = __bool__ = fail
    __add__ = __radd__ = __mul__ = __rmul__ = __sub__ = __rsub__ = __truediv__ = fail


def _traced_error(t: NamedTensor, op: str) -> TypeError:
    return TypeError(
        f"{op}: this tensor {fmt_sizes(t._names, t._data.shape)} is traced (inside nt.jit, "
        f"grad, vmap or scan) and has no value yet. Return it from the function and read it "
        f"outside; use nt.where or lax control flow instead of Python if/while on it; print "
        f"it with jax.debug.print, or call NumPy code with nt.callback")


jax.tree_util.register_pytree_node(NamedTensor, _flatten, _unflatten)


def tensor(data: ArrayLike, names: Names, *, dtype: DTypeLike | None = None,
           device: DeviceLike | None = None, backend: str | None = None) -> NamedTensor:
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


def make(data: ArrayLike, names: Names, dtype: DTypeLike | None, device: DeviceLike | None,
         backend: str | None, op: str) -> NamedTensor:
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


def placement(backend: str | None, device: DeviceLike | None, op: str) \
        -> tuple[Backend, jax.Device | None]:
    """The validated backend object and device (``None``: the default) of a constructor."""
    be = get_backend(V.backend(backend, op))
    return be, None if device is None else V.device(device, op, be.name)


def place(data: Array, names: tuple[str, ...], be: Backend, target: jax.Device | None) \
        -> NamedTensor:
    """Wrap ``data``, first moved to the validated device ``target`` (numpy: the host)."""
    if target is not None and be.name == "jax":
        data = be.put(data, target)
    return NamedTensor._new(data, names, be)


def _convert(data: Any, dtype: "np.dtype[Any] | None", be: Backend, op: str) -> Array:
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


def from_numpy(array: np.ndarray[Any, Any], names: Names, *,
               backend: str | None = None) -> NamedTensor:
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


from . import _display, _ops, _shape, _sharding  # noqa: E402  (the methods above call into them)
