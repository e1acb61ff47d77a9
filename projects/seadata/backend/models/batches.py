"""Ingestion batches and the quality-check jobs run on them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.auth.models import UTCDateTime, utcnow

# A batch's life: created (empty), importing (a zip is being unpacked), imported, failed.
CREATED, IMPORTING, IMPORTED, FAILED = "created", "importing", "imported", "failed"
BATCH_STATUSES = (CREATED, IMPORTING, IMPORTED, FAILED)


class Base(DeclarativeBase):
    pass


class Batch(Base):
    __tablename__ = "seadata_batches"

    # Batch ids are global (like SeaDataCloud's), so one URL names one batch for its owner and admins.
    id: Mapped[str] = mapped_column(String(128), primary_key=True)
    owner: Mapped[str] = mapped_column(String(255), index=True)
    path: Mapped[str] = mapped_column(String(2700))
    status: Mapped[str] = mapped_column(String(16), default=CREATED)
    message: Mapped[str] = mapped_column(Text, default="")
    files: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    # The zip being imported (a hidden object in the batch) and the import's attempts so far:
    # a task redelivered after its worker died counts again, and gives up after too many.
    upload: Mapped[str | None] = mapped_column(String(2700), default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The owner's storage credentials (sealed), for the worker to act as them (iRODS user mode).
    sealed_credentials: Mapped[str | None] = mapped_column(Text, default=None)
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class QualityCheck(Base):
    """A core job (backend.workflows) that ran a QC workflow on a batch."""

    __tablename__ = "seadata_quality_checks"

    job_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("seadata_batches.id", ondelete="CASCADE"),
                                          index=True)
    workflow: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    outputs: Mapped[str] = mapped_column(String(2700))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
