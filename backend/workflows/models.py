"""The registry's table: one row per (name, version) of a registered workflow."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.auth.models import UTCDateTime, utcnow


class Base(DeclarativeBase):
    pass


class Workflow(Base):
    __tablename__ = "workflows"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_workflow_name_version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    version: Mapped[str] = mapped_column(String(64))
    owner: Mapped[str] = mapped_column(String(255))
    created: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cwl: Mapped[str] = mapped_column(Text)
    # JSON: the default inputs (a job object), and what validation found (class, ports, steps).
    default_inputs: Mapped[str | None] = mapped_column(Text, default=None)
    summary: Mapped[str] = mapped_column(Text)
    checksum: Mapped[str] = mapped_column(String(80))
    storage_path: Mapped[str] = mapped_column(String(1024))

    def as_dict(self, *, with_document: bool = False) -> dict:
        import json

        data = {"name": self.name, "version": self.version, "owner": self.owner,
                "created": self.created.isoformat(), "updated": self.updated.isoformat(),
                "checksum": self.checksum, "path": self.storage_path, **json.loads(self.summary),
                "default_inputs": json.loads(self.default_inputs) if self.default_inputs else None}
        if with_document:
            data["cwl"] = self.cwl
        return data
