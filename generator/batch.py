"""Running the batch: worker processes that end with their build, and a Dask distributed cluster as a
`concurrent.futures` executor past one machine.

A cluster that cannot be reached in `connect_timeout` seconds, or a missing `distributed` module, is told in
French (ClusterUnavailable); the build's task time-out (`pipeline.build_report`) keeps a cluster whose workers
or scheduler died from hanging it, and shutting the executor down never waits for tasks that will not end.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
import time
from concurrent.futures import BrokenExecutor, Executor, ProcessPoolExecutor


from .errors import ParapheError

CONNECT_TIMEOUT = 10.0
"""Seconds to reach a Dask scheduler before giving up (`--delai-connexion`)."""
TASK_TIMEOUT = 300.0
"""Seconds a cluster build waits without any contract coming back before failing those left (`--delai-tache`)."""
CLOSE_TIMEOUT = 5.0
"""Seconds given to the Dask client to close its connection at the end of the build."""


class ClusterUnavailable(ParapheError):
    """The Dask cluster cannot be used: `distributed` is not installed, or its scheduler does not answer."""


def process_pool(workers: int) -> "RenewingProcessPool":
    """Return a pool of `workers` fresh processes (spawned: no state inherited) that end if the build does, and
    that starts afresh when one of them dies."""
    return RenewingProcessPool(workers, initializer=exit_with_parent, initargs=(os.getpid(),))


class RenewingProcessPool(Executor):
    """A pool of spawned processes that starts afresh when one of its processes died (killed by the system for
    memory, say): Python's pool is broken for good then, and refuses every task after. The tasks lost with the
    broken pool are the caller's to submit again (`pipeline` tries them one at a time)."""

    def __init__(self, workers: int, initializer=None, initargs: tuple = ()):
        self.workers = workers
        self._new = lambda: ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn"),
                                                initializer=initializer, initargs=initargs)
        self._pool = self._new()

    def submit(self, fn, /, *args, **kwargs):
        try:
            return self._pool.submit(fn, *args, **kwargs)
        except BrokenExecutor:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = self._new()
            return self._pool.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


def exit_with_parent(parent_pid: int) -> None:
    """End this worker as soon as the process that started it is gone (a build killed with SIGKILL, say):
    a pool's workers would otherwise wait for tasks forever."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True, name="paraphe-parent-watch").start()


def dask_executor(address: str, connect_timeout: float = CONNECT_TIMEOUT) -> "DaskExecutor":
    """Return an executor whose tasks run on the Dask cluster whose scheduler is at `address`; raise
    ClusterUnavailable (in French) when `distributed` is missing or the scheduler does not answer in
    `connect_timeout` seconds."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterUnavailable("construire sur une grappe Dask demande le module « distributed », absent : "
                                 "installez-le avec « pip install -e '.[cluster]' »") from None
    # the build tells in French what went wrong with the cluster: distributed's own logs (reconnection
    # attempts, tracebacks of lost connections) would bury it
    for name in ["distributed", *logging.root.manager.loggerDict]:
        if name.split(".")[0] in ("distributed", "tornado"):
            logging.getLogger(name).setLevel(logging.CRITICAL + 1)
    try:
        client = Client(address, timeout=connect_timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ClusterUnavailable(f"l'ordonnanceur Dask {address} ne répond pas en {connect_timeout:g} s "
                                 f"({type(exc).__name__}) : vérifiez l'adresse (tcp://hôte:8786) et qu'il "
                                 "tourne, ou allongez --delai-connexion") from None
    return DaskExecutor(client)


class DaskExecutor(Executor):
    """The executor of a Dask client, closing the client with it, without waiting for tasks left over."""

    def __init__(self, client):
        self.client = client
        self._executor = client.get_executor()

    def submit(self, fn, /, *args, **kwargs):
        return self._executor.submit(fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Cancel the tasks left (the build collected every result it waits for) and close the client."""
        try:
            self._executor.shutdown(wait=False)
            self.client.close(timeout=CLOSE_TIMEOUT)
        except Exception:  # noqa: BLE001 - a scheduler already gone: nothing left to close
            pass
