"""Orders: files packed into one zip, downloadable for a while through a read ticket."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.auth.models import UTCDateTime, utcnow

# Statuses. A ready order whose ticket expired reports "expired"; it is stored as such once
# its zip was removed (orders.sweep_expired).
QUEUED, PREPARING, READY, FAILED, EXPIRED = "queued", "preparing", "ready", "failed", "expired"


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "seadata_orders"

    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    # JSON: [[name in the zip, storage path], ...] as checked when the order was accepted.
    files: Mapped[str] = mapped_column(Text)
    path: Mapped[str] = mapped_column(String(2700))  # the zip
    status: Mapped[str] = mapped_column(String(16), default=QUEUED)
    message: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    size: Mapped[int | None] = mapped_column(BigInteger, default=None)
    checksum: Mapped[str | None] = mapped_column(String(80), default=None)
    # The read ticket on the zip (a credential: never shown but as the download link).
    ticket: Mapped[str | None] = mapped_column(String(255), default=None)
    expires: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    sealed_credentials: Mapped[str | None] = mapped_column(Text, default=None)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
