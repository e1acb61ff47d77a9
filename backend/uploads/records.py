"""The table of unfinished resumable uploads, in the users database (SQLite or PostgreSQL).

Only the session is kept here; its bytes are a partial object in storage, whose size is
the upload's offset (so a dropped connection or a restart cannot make the two disagree).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, String, Text, delete, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from backend.auth.db import Database
from backend.auth.models import UTCDateTime


class Base(DeclarativeBase):
    pass


class Upload(Base):
    __tablename__ = "resumable_uploads"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 32 hex digits, the URL's
    owner: Mapped[str] = mapped_column(String(255), index=True)
    path: Mapped[str] = mapped_column(Text)
    length: Mapped[int] = mapped_column(BigInteger)
    force: Mapped[bool] = mapped_column(Boolean, default=False)
    checksum: Mapped[str | None] = mapped_column(String(128), default=None)  # of the whole upload
    metadata_header: Mapped[str] = mapped_column(Text, default="")  # tus Upload-Metadata, echoed
    created: Mapped[datetime] = mapped_column(UTCDateTime)
    expires: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class UploadStore:
    def __init__(self, db: Database):
        self.db = db
        with db.schema_lock() as session:
            Base.metadata.create_all(session.connection())

    def add(self, upload: Upload) -> None:
        with self.db.transaction(write=True) as session:
            session.add(upload)

    def get(self, upload_id: str) -> Upload | None:
        with self.db.transaction() as session:
            return session.get(Upload, upload_id)

    def remove(self, upload_id: str) -> None:
        with self.db.transaction(write=True) as session:
            session.execute(delete(Upload).where(Upload.id == upload_id))

    def reserved(self, owner: str) -> int:
        """The bytes `owner`'s unfinished uploads will add: they count against the quota."""
        with self.db.transaction() as session:
            return session.scalar(select(func.coalesce(func.sum(Upload.length), 0))
                                  .where(Upload.owner == owner)) or 0

    def expired(self, now: datetime, limit: int = 100) -> list[Upload]:
        with self.db.transaction() as session:
            return list(session.scalars(select(Upload).where(Upload.expires <= now)
                                        .order_by(Upload.expires).limit(limit)))
