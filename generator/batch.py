"""Running the batch: worker processes that end with their build, and a Dask distributed cluster as a
`concurrent.futures` executor past one machine."""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def process_pool(workers: int) -> ProcessPoolExecutor:
    """Return a pool of `workers` fresh processes (spawned: no state inherited) that end if the build does."""
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=exit_with_parent, initargs=(os.getpid(),))


def exit_with_parent(parent_pid: int) -> None:
    """End this worker as soon as the process that started it is gone (a build killed with SIGKILL, say):
    a pool's workers would otherwise wait for tasks forever."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="paraphe-parent-watch").start()


def dask_executor(address: str):
    """Return an executor whose tasks run on the Dask cluster whose scheduler is at `address`."""
    from distributed import Client

    return Client(address).get_executor()
