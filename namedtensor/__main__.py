"""``python -m namedtensor`` (``make demo``): a short tour that prints what it does."""

import numpy as np

import namedtensor as nt


def show(title: str, value: object) -> None:
    print(f"\n# {title}")
    print(value)


def main() -> None:
    print(f"namedtensor {nt.__version__} on {nt.default_device()}")

    x = nt.tensor(np.arange(6.0, dtype=np.float32).reshape(2, 3), "batch channel")
    show('x = nt.tensor(..., "batch channel")', x)

    show('x.sum("channel")  -- sum over channels, not "axis 1"', x.sum("channel"))

    bias = nt.tensor([10.0, 20.0, 30.0], "channel")
    show("x + bias  -- broadcast by name (bias has only 'channel')", x + bias)

    swapped = x.align_to("channel", "batch")
    show("axis order is layout, not meaning: x + x.align_to('channel', 'batch')",
         x + swapped)

    w = nt.tensor(np.ones((3, 4), np.float32), "channel hidden")
    show('nt.einsum("batch channel, channel hidden -> batch hidden", x, w)',
         nt.einsum("batch channel, channel hidden -> batch hidden", x, w))

    table = nt.tensor(np.arange(8.0, dtype=np.float32).reshape(4, 2), "vocab embed")
    ids = nt.tensor([[0, 3], [2, 2]], "batch seq")
    show("gather: table[{'vocab': ids}]  -- ids' names replace 'vocab'", table[{"vocab": ids}])

    view = np.asarray(x)
    show("NumPy round trip: np.asarray(x) is a zero-copy read-only view on CPU",
         f"{type(view).__name__} {view.shape}, writeable={view.flags.writeable}; "
         f"back: {nt.from_numpy(view, x.names).names}")

    try:
        x + nt.ones({"channel": 4})
    except nt.AxisSizeError as e:
        show("mistakes are named errors", f"{type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
