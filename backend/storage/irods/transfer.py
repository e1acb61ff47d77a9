"""Streamed transfers with python-irodsclient, on one connection or striped over several.

PRC's own parallel put/get (`data_objects.put(..., num_threads=N)`) needs a
local file it can read at N offsets at once. The API has a stream instead (an
HTTP body arriving, or a response being sent), so we drive the same PRC pieces
PRC's parallel module uses (open_with_FileRaw, replica_access_info, extra opens
carrying the replica token, non-finalizing closes, then the finalizing one),
and deal the stream out in chunks: chunk k goes to connection k mod N. Each
connection keeps at most one chunk queued, so memory stays at about 2N chunks
whatever the file's size. Nothing on PyPI streams into iRODS in parallel.
"""

from __future__ import annotations

import queue
import threading
from typing import Iterable, Iterator

import irods.keywords as kw

from backend.storage.irods.errors import SourceFailed

_STOP = object()


class _Stripe(threading.Thread):
    """One connection's worker: performs the (offset, ...) jobs handed to it, in order."""

    def __init__(self, handle, work):
        super().__init__(daemon=True)
        self.handle = handle
        self.work = work  # function(handle, job) -> result
        self.jobs: queue.Queue = queue.Queue(maxsize=1)
        # Unbounded, but readers hand each stripe one job at a time, so it holds one chunk.
        self.results: queue.Queue = queue.Queue()
        self.error: BaseException | None = None

    def run(self) -> None:
        while (job := self.jobs.get()) is not _STOP:
            if self.error is not None:
                continue
            try:
                result = self.work(self.handle, job)
            except BaseException as exc:  # reported to the caller's thread
                self.error = exc
                result = exc
            if result is not None:
                self.results.put(result)

    def stop(self) -> None:
        self.jobs.put(_STOP)
        self.join()


def _open_stripes(session, path: str, mode: str, raw, threads: int, size: int) -> list:
    """Extra handles on the replica `raw` has open, or none where the server refuses them."""
    token, hierarchy = raw.replica_access_info()
    handles = []
    try:
        for _ in range(threads - 1):
            handles.append(session.data_objects.open(
                path, mode, create=False, finalize_on_close=False, allow_redirect=False,
                **{kw.NUM_THREADS_KW: str(threads), kw.DATA_SIZE_KW: str(size),
                   kw.RESC_HIER_STR_KW: hierarchy, kw.REPLICA_TOKEN_KW: token}))
    except Exception:
        # Parallel transfer is an optimisation: a server that refuses it gets one stream.
        _close_all(handles)
        return []
    return handles


def _close_all(handles) -> None:
    for handle in handles:
        try:
            handle.close()
        except Exception:
            pass


def _pulled(chunks: Iterable[bytes]) -> Iterator[bytes]:
    """`chunks`, with its own failures (a client that went away) told apart from iRODS'."""
    iterator = iter(chunks)
    while True:
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        except Exception as exc:
            raise SourceFailed(exc) from exc
        yield chunk


def _write(handle, job) -> None:
    offset, chunk = job
    handle.seek(offset)
    handle.write(chunk)


# Stripes get pieces of at most this size: with a piece queued and one being sent
# (PRC packs it into one more buffer) per connection, 3 connections hold ~18 MiB.
STRIPE_PIECE = 2 * 1024 * 1024


def _pieces(chunks: Iterable[bytes], size: int) -> Iterator[memoryview]:
    for chunk in chunks:
        view = memoryview(chunk)
        for start in range(0, len(view), size):
            yield view[start:start + size]


def write(session, path: str, chunks: Iterable[bytes], *, size: int | None, threads: int,
          min_size: int, options: dict, append_at: int | None = None) -> int:
    """Write `chunks` to a new data object at `path`; return the number of bytes written.

    With `append_at`, append them to the object instead (created when missing), which
    must hold that many bytes (OffsetMismatch otherwise): a resumable upload's part.
    Parallel when the size is known and at least `min_size`. The caller removes
    the object if this raises (a part's bytes stay); iRODS computes the checksum afterwards.
    """
    chunks = _pulled(chunks)
    parallel = threads > 1 and size is not None and size >= min_size
    open_options = dict(options)
    if parallel:
        open_options.update({kw.NUM_THREADS_KW: str(threads), kw.DATA_SIZE_KW: str(size)})
    first, raw = session.data_objects.open_with_FileRaw(
        path, "w" if append_at is None else "a", finalize_on_close=True, **open_options)
    handles = [first]
    stripes: list[_Stripe] = []
    start = append_at or 0
    written = 0
    try:
        if append_at is not None and first.tell() != append_at:
            raise OffsetMismatch(first.tell())
        if parallel:
            handles += _open_stripes(session, path, "a", raw, threads, size)
        if len(handles) == 1:
            for chunk in chunks:
                first.write(chunk)
                written += len(chunk)
            return written
        stripes = [_Stripe(handle, _write) for handle in handles]
        for stripe in stripes:
            stripe.start()
        for index, piece in enumerate(_pieces(chunks, STRIPE_PIECE)):
            stripe = stripes[index % len(stripes)]
            if stripe.error is not None:
                raise stripe.error
            stripe.jobs.put((start + written, piece))
            written += len(piece)
        for stripe in stripes:
            stripe.stop()
        errors = [s.error for s in stripes if s.error is not None]
        if errors:
            raise errors[0]
        return written
    finally:
        for stripe in stripes:
            if stripe.is_alive():
                stripe.stop()
        # Extra handles close first; the first handle's close updates the catalog.
        _close_all(handles[1:])
        first.close()


class OffsetMismatch(Exception):
    def __init__(self, size: int):
        super().__init__(f"the upload holds {size} bytes")
        self.size = size


def _read(handle, job) -> bytes:
    offset, length = job
    handle.seek(offset)
    return handle.read(length)


def read(session, path: str, *, offset: int, length: int, chunk_size: int, threads: int,
         min_size: int, options: dict | None = None) -> Iterator[bytes]:
    """Open now (so errors surface before the first byte), then yield `length` bytes."""
    parallel = threads > 1 and length >= min_size
    first, raw = session.data_objects.open_with_FileRaw(path, "r", finalize_on_close=True,
                                                        **(options or {}))
    handles = [first]
    try:
        if parallel:
            handles += _open_stripes(session, path, "r", raw, threads, length)
    except BaseException:
        _close_all(handles)
        raise
    return _read_chunks(handles, offset, length, chunk_size)


def _read_chunks(handles, offset: int, length: int, chunk_size: int) -> Iterator[bytes]:
    jobs = [(start, min(chunk_size, offset + length - start))
            for start in range(offset, offset + length, chunk_size)]
    stripes: list[_Stripe] = []
    try:
        if len(handles) == 1:
            handles[0].seek(offset)
            for _, size in jobs:
                chunk = handles[0].read(size)
                if len(chunk) != size:
                    raise EOFError("the data object is shorter than the catalog says")
                yield chunk
            return
        stripes = [_Stripe(handle, _read) for handle in handles]
        for stripe in stripes:
            stripe.start()
        ahead = len(stripes)  # one job per stripe in flight, handed out in order
        for index, job in enumerate(jobs[:ahead]):
            stripes[index].jobs.put(job)
        for index, (_, size) in enumerate(jobs):
            stripe = stripes[index % len(stripes)]
            chunk = stripe.results.get()
            if isinstance(chunk, BaseException):
                raise chunk
            if len(chunk) != size:
                raise EOFError("the data object is shorter than the catalog says")
            if index + ahead < len(jobs):
                stripe.jobs.put(jobs[index + ahead])
            yield chunk
    finally:
        for stripe in stripes:
            stripe.stop()
        _close_all(handles[1:])
        _close_all(handles[:1])
