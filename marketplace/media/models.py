from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from marketplace.core.types import TimestampMixin
from marketplace.extensions import db


class Image(TimestampMixin, db.Model):
    """A processed photo. Renditions are stored as `<sha256>-<width>.webp` and `.jpg`, named by content."""

    __tablename__ = "images"
    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    width: Mapped[int]  # of the largest rendition
    height: Mapped[int]
    widths: Mapped[str] = mapped_column(String(40))  # rendition widths made, e.g. "320,640,1280"

    @property
    def rendition_widths(self) -> list[int]:
        return [int(w) for w in self.widths.split(",") if w]
