"""The local PID service's handle records: where each PID points, and what it pointed to
when it was minted (checksum, owner, time)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Handle(Base):
    __tablename__ = "b2stage_handles"

    pid: Mapped[str] = mapped_column(String(255), primary_key=True)
    # Logical iRODS path; indexed: renaming a collection rewrites every path below it.
    path: Mapped[str] = mapped_column(Text, index=True)
    checksum: Mapped[str | None] = mapped_column(String(255))
    owner: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(DateTime(timezone=True))
