"""NumPy and xarray in and out of namedtensor, and which conversions copy.

What it shows, each claim checked by an assert:

- ``t.numpy()`` of a JAX tensor on CPU is a zero-copy, read-only view of the device
  buffer: ``np.shares_memory`` holds between two views, and the view's address is the
  buffer's. ``np.asarray(t)`` is the same view, and a NumPy-backend tensor made from it
  still shares the buffer.
- ``nt.from_numpy(a, names, backend="numpy")`` and ``nt.tensor(a, names, backend="numpy")``
  keep the array itself: a write to ``a`` shows through the tensor and back out of
  ``t.numpy()``. The JAX backend (the default) copies onto the device instead, so a
  later write to ``a`` does not show through.
- Operations on a NumPy-backend tensor return NumPy-backend tensors.
- ``t.to_xarray()`` gives a ``DataArray`` with ``dims=t.names`` (sharing the tensor's
  memory); ``nt.from_xarray(da, names={...})`` comes back, renaming a dim that is not a
  valid axis name (``"lat-deg"``). A ``transpose`` in xarray changes no value by name.

    python examples/numpy_and_xarray.py [--quick]
"""

import argparse

import numpy as np

import namedtensor as nt
from namedtensor.testing import assert_allclose


def numpy_out_of_jax():
    """A JAX tensor on CPU hands NumPy a read-only view of its own buffer (from a GPU,
    ``t.numpy()`` copies to the host)."""
    t = nt.arange("step", 12, dtype="float32", device="cpu").unflatten(
        "step", {"day": 3, "hour": 4})
    view = t.numpy()
    assert np.shares_memory(view, t.numpy()) and np.shares_memory(view, np.asarray(t))
    assert view.ctypes.data == t.data.unsafe_buffer_pointer()
    assert not view.flags.writeable
    try:
        view[0, 0] = 1.0
    except ValueError:
        pass
    else:
        raise AssertionError("a view of a JAX buffer must be read-only")
    print(f"t.numpy() of {t.sizes} on {t.device}: a read-only view of the same buffer "
          f"(np.shares_memory: {np.shares_memory(view, t.numpy())})")

    # JAX -> NumPy -> a NumPy-backend tensor: still the JAX buffer, nothing copied.
    on_numpy = nt.from_numpy(view, t.names, backend="numpy")
    assert on_numpy.backend == "numpy" and np.shares_memory(on_numpy.numpy(), view)
    print("nt.from_numpy(t.numpy(), t.names, backend='numpy'): the same buffer again "
          f"(np.shares_memory: {np.shares_memory(on_numpy.numpy(), view)})")


def numpy_in_and_back():
    """The NumPy backend keeps the array itself; the JAX backend copies it."""
    a = np.zeros((2, 3), np.float32)
    kept = nt.from_numpy(a, "batch feat", backend="numpy")
    also_kept = nt.tensor(a, "batch feat", backend="numpy")
    copied = nt.from_numpy(a, "batch feat")                  # JAX: copied to the device
    copied.data.block_until_ready()                          # the copy is done
    assert kept.data is a and also_kept.data is a
    assert np.shares_memory(kept.numpy(), a) and np.shares_memory(also_kept.numpy(), a)

    a[1, 2] = 7.0                                            # write to the source array
    assert kept[{"batch": 1, "feat": 2}].item() == 7.0       # shows through: the same memory
    assert copied[{"batch": 1, "feat": 2}].item() == 0.0     # does not: a copy
    print("nt.from_numpy(a, backend='numpy') and nt.tensor(a, backend='numpy') share a's "
          f"memory (np.shares_memory: {np.shares_memory(kept.numpy(), a)}); "
          "the JAX backend copies")

    total = (kept * 2).sum("feat")                           # NumPy in, NumPy out
    assert total.backend == "numpy" and isinstance(total.data, np.ndarray)
    assert total.tolist() == [0.0, 14.0]
    print(f"(kept * 2).sum('feat') stays on the {total.backend} backend: {total.tolist()}")


def xarray_round_trip():
    """To xarray and back, renaming a dim that is not a valid axis name on the way in."""
    rng = np.random.default_rng(0)
    temperature = nt.tensor(rng.normal(15, 5, size=(4, 3)).astype(np.float32), "lat time",
                            backend="numpy")
    da = temperature.to_xarray()
    assert da.dims == ("lat", "time")
    assert np.shares_memory(da.values, temperature.numpy())  # a NumPy tensor: no copy
    print(f"t.to_xarray(): dims {da.dims}, sizes {dict(da.sizes)}")

    # Data from elsewhere often has dims that are not identifiers; rename them on import.
    foreign = da.rename({"lat": "lat-deg"}).transpose("time", "lat-deg")
    back = nt.from_xarray(foreign, names={"lat-deg": "lat"})
    assert back.names == ("time", "lat")                     # xarray's order, renamed
    assert_allclose(back, temperature)                       # the same values by name
    print(f"nt.from_xarray(dims {foreign.dims}, names={{'lat-deg': 'lat'}}) -> "
          f"{back.sizes}: equal to the original by name")

    # Names line up with xarray's own arithmetic: the mean over time agrees.
    mean = back.mean("time")
    np.testing.assert_allclose(mean.numpy(), foreign.mean("time").values, rtol=1e-6)
    print(f"mean over 'time': namedtensor and xarray agree ({mean.sizes})")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="the same as the full run (it takes well under a second)")
    parser.add_argument("--out", default=None, help="unused; accepted like the other examples")
    parser.parse_args(argv)
    numpy_out_of_jax()
    numpy_in_and_back()
    xarray_round_trip()
    print("all conversions checked")


if __name__ == "__main__":
    main()
