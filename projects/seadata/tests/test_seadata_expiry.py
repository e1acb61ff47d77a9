"""Limits, on the `limited` deployment (conftest.py): an order's link expires, a zip that
unpacks to too much fails its batch."""

from __future__ import annotations

import time
from datetime import datetime, timezone

TIMEOUT = 30  # a safeguard against a hang, not a measurement
EXPIRY = 4  # conftest's SHORT_EXPIRY
MAX_UNPACKED = 4096  # conftest's SMALL_UNPACKED


def test_an_expired_order_says_so_and_its_link_is_refused(limited):
    seadata = limited
    alice = seadata.session_of("alice")
    batch = seadata.imported_batch(alice, {"data.csv": b"1,2,3\n"})["path"]
    order = seadata.unique("order")
    assert seadata.order(alice, [f"{batch}/data.csv"], order=order).status_code == 202
    ready = seadata.wait_order(alice, order)
    assert ready["status"] == "ready", ready
    expires = datetime.fromisoformat(ready["expires"])
    assert 0 < (expires - datetime.fromisoformat(ready["updated"])).total_seconds() <= EXPIRY + 1
    assert seadata.anonymous().get(ready["download"], timeout=TIMEOUT).status_code == 200

    time.sleep(max(0.0, (expires - datetime.now(timezone.utc)).total_seconds()) + 0.5)
    expired = alice.get(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).json()
    assert expired["status"] == "expired" and expired["download"] is None
    refused = seadata.anonymous().get(ready["download"], timeout=TIMEOUT)
    assert refused.status_code == 403 and "expired" in refused.json()["error"]
    # The owner's next order removes the expired order's zip; the order stays, expired.
    zip_path = f"/api/data{seadata.home('alice')}/orders/{order}/{order}.zip"
    assert alice.get(seadata.url(zip_path), params={"stat": "true"}, timeout=TIMEOUT).status_code == 200
    following = seadata.unique("order")
    assert seadata.order(alice, [f"{batch}/data.csv"], order=following).status_code == 202
    assert seadata.wait_order(alice, following)["status"] == "ready"
    assert alice.get(seadata.url(zip_path), params={"stat": "true"}, timeout=TIMEOUT).status_code == 404
    swept = alice.get(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).json()
    assert swept["status"] == "expired" and swept["download"] is None
    assert "zip was removed" in swept["message"]
    assert alice.delete(seadata.url(f"/api/orders/{order}"), timeout=TIMEOUT).status_code == 204

def test_a_zip_that_unpacks_to_too_much_fails_before_anything_is_written(limited):
    seadata = limited
    alice = seadata.session_of("alice")
    batch = seadata.new_batch(alice)
    # 1 MiB of zeros deflates to about a kilobyte: small upload, too much once unpacked.
    bomb = seadata.zip_of({"small.txt": b"fine", "zeros.bin": bytes(1024 * 1024)})
    assert len(bomb) < MAX_UNPACKED
    assert seadata.put_zip(alice, batch, bomb)["status"] in ("importing", "failed")
    failed = seadata.wait_batch(alice, batch)
    assert failed["status"] == "failed" and "SEADATA_MAX_UNPACKED" in failed["message"], failed
    listing = alice.get(seadata.url(f"/api/data{seadata.home('alice')}/batches/{batch}"), timeout=TIMEOUT)
    assert [item["name"] for item in listing.json()["items"]] == []
