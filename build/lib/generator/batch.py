"""Running the batch past one machine: a Dask distributed cluster as a `concurrent.futures` executor."""

from __future__ import annotations


def dask_executor(address: str):
    """Return an executor whose tasks run on the Dask cluster whose scheduler is at `address`."""
    from distributed import Client

    return Client(address).get_executor()
