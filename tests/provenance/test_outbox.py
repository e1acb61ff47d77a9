"""The outbox keeps what a store that is down could not take, and delivers it later:
nothing lost, nothing saved twice into the graph, several processes writing at once."""

from __future__ import annotations

import multiprocessing
from decimal import Decimal
from pathlib import Path

import pytest
from prov.model import ProvDocument

from backend.errors import BadRequest, ServiceUnavailable
from backend.provenance import vocabulary as v
from backend.provenance.outbox import Outbox
from backend.provenance.store.base import ProvenanceStore
from backend.provenance.store.sql import SqlStore
from backend.settings import Settings
from tests.provenance.documents import linear_run

# A real PostgreSQL URL on a port where nothing listens: the store is down.
DOWN_URL = "postgresql+psycopg://postgres@127.0.0.1:1/test"


class Flaky(ProvenanceStore):
    """A store in front of a real one that can be switched off, or refuse some bundles."""

    def __init__(self, inner: ProvenanceStore):
        self.inner, self.up, self.refused, self.saved = inner, True, set(), []

    def save(self, bundle, document):
        if not self.up:
            raise ServiceUnavailable("switched off")
        if bundle in self.refused:
            raise RuntimeError(f"{bundle} refused")
        self.inner.save(bundle, document)
        self.saved.append(bundle)

    def find_entity(self, location, checksum=None):
        return self.inner.find_entity(location, checksum)

    def counts(self):
        return self.inner.counts()

    def health(self):
        return self.inner.health()

    def close(self):
        self.inner.close()

    def _write(self, bundle, parts):
        raise AssertionError("not used")

    _read_log = _subgraph = _write


@pytest.fixture
def sqlite_store(tmp_path):
    store = SqlStore(f"sqlite:///{tmp_path / 'provenance.sqlite'}")
    yield store
    store.close()


def outbox_path(tmp_path) -> Path:
    return tmp_path / "provenance-outbox.sqlite"


def test_a_record_goes_through_when_the_store_is_up(tmp_path, sqlite_store):
    outbox = Outbox.from_settings(Settings(data_dir=tmp_path), sqlite_store)
    run = linear_run("j1")
    assert outbox.record(run.bundle, run.document) is True
    assert outbox.pending() == 0
    assert sqlite_store.bundle(run.bundle) == run.document
    assert outbox.path == tmp_path / "provenance-outbox.sqlite"
    assert outbox.path.stat().st_mode & 0o777 == 0o600


def test_nothing_is_lost_while_a_real_store_is_down(tmp_path, sqlite_store):
    down = SqlStore(DOWN_URL)
    outbox = Outbox(outbox_path(tmp_path), down)
    runs = [linear_run(f"j{i}") for i in range(3)]
    for run in runs:
        assert outbox.record(run.bundle, run.document) is False
    assert outbox.pending() == 3
    first = outbox.entries()[0]
    assert first.bundle == "job:j0" and first.attempts == 1
    assert "ServiceUnavailable" in first.last_error and "OperationalError" in first.last_error
    # Still down: a flush delivers nothing and keeps everything, one more attempt each time.
    assert outbox.flush(down) == 0
    assert outbox.pending() == 3 and outbox.entries()[0].attempts == 2
    # The store is back (here: another store, reachable).
    assert outbox.flush(sqlite_store) == 3
    assert outbox.pending() == 0 and outbox.flush(sqlite_store) == 0
    for run in runs:
        assert sqlite_store.bundle(run.bundle) == run.document
    counts = sqlite_store.counts()
    assert counts["bundles"] == 3 and counts["records"] == 3 * len(runs[0].document.get_records())
    down.close()


def test_flush_delivers_oldest_first_and_leaves_failures(tmp_path, sqlite_store):
    store = Flaky(sqlite_store)
    store.up = False
    outbox = Outbox(outbox_path(tmp_path), store)
    for i in range(5):
        outbox.record(f"op:{i}", linear_run(f"j{i}", steps=1).document)
    assert store.saved == [] and outbox.pending() == 5
    store.up, store.refused = True, {"op:2"}
    assert outbox.flush(store) == 4
    assert store.saved == ["op:0", "op:1", "op:3", "op:4"]
    (left,) = outbox.entries()
    assert (left.bundle, left.attempts) == ("op:2", 1) and "refused" in left.last_error
    store.refused = set()
    assert outbox.flush(store) == 1 and outbox.pending() == 0


def test_record_waits_behind_older_records_and_a_store_found_down(tmp_path, sqlite_store):
    store = Flaky(sqlite_store)
    outbox = Outbox(outbox_path(tmp_path), store, batch=2)
    store.up = False
    assert outbox.record("op:0", ProvDocument()) is False
    store.up = True
    # Found down a moment ago: record() does not knock again until retry_after has passed.
    assert outbox.record("op:1", ProvDocument()) is False and store.saved == []
    # An explicit flush always tries (and ends the quiet period when the store answers).
    assert outbox.flush(store, limit=1) == 1 and store.saved == ["op:0"]
    # Each record() delivers at most `batch` records, oldest first: op:1 goes before op:2.
    assert outbox.record("op:2", ProvDocument()) is True
    assert outbox.record("op:3", ProvDocument()) is True
    assert store.saved == ["op:0", "op:1", "op:2", "op:3"]
    # With more waiting than one batch, the newest waits its turn.
    store.up = False
    for i in range(4, 7):
        outbox.record(f"op:{i}", ProvDocument())
    store.up, outbox.retry_after = True, 0
    outbox.flush(store, limit=0)  # tries nothing, but the store is known to answer again
    assert outbox.record("op:7", ProvDocument()) is False
    assert store.saved[4:] == ["op:4", "op:5"]
    assert outbox.flush(store) == 2 and store.saved[6:] == ["op:6", "op:7"]


def test_a_document_that_cannot_be_encoded_is_refused_before_it_is_kept(tmp_path, sqlite_store):
    outbox = Outbox(outbox_path(tmp_path), sqlite_store)
    document = ProvDocument()
    document.entity(v.ID["data/x"], {v.SIZE: Decimal("1.5")})
    with pytest.raises(BadRequest):
        outbox.record("op:bad", document)
    assert outbox.pending() == 0


def _write_records(path: str, url: str, worker: int, count: int) -> None:
    outbox = Outbox(Path(path), SqlStore(url), retry_after=0)
    for index in range(count):
        outbox.record(f"op:{worker}-{index}", linear_run(f"w{worker}-{index}", steps=1).document)
    outbox.close()


@pytest.mark.parametrize("up", [False, True], ids=["store down", "store up"])
def test_concurrent_writers_lose_nothing(tmp_path, up):
    """Four processes record at once: with the store down every record is kept and a
    flush delivers them all; with it up they deliver to it (and each other's) directly."""
    url = f"sqlite:///{tmp_path / 'provenance.sqlite'}" if up else DOWN_URL
    workers, count = 4, 15
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_write_records, args=(str(outbox_path(tmp_path)), url, w, count))
                 for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
        assert process.exitcode == 0
    store = SqlStore(f"sqlite:///{tmp_path / 'provenance.sqlite'}")
    outbox = Outbox(outbox_path(tmp_path), store)
    if up:
        assert outbox.pending() == 0
    else:
        assert outbox.pending() == workers * count
        assert sorted(e.bundle for e in outbox.entries(limit=1000)) == sorted(
            f"op:{w}-{i}" for w in range(workers) for i in range(count))
        assert outbox.flush(store) == workers * count
    assert outbox.pending() == 0
    expected = linear_run("w0-0", steps=1).document.get_records()
    counts = store.counts()
    assert counts["bundles"] == workers * count
    assert counts["records"] == workers * count * len(expected)
    for w in range(workers):
        for i in range(count):
            assert store.bundle(f"op:{w}-{i}") == linear_run(f"w{w}-{i}", steps=1).document
    store.close()
