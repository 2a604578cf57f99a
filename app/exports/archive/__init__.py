"""The JSON archive of a whole event: `schema` (its shape and limits), `build` (from an event)
and `restore` (as a new event). The names callers use are gathered here."""

from app.exports.archive.build import build_archive
from app.exports.archive.restore import import_archive
from app.exports.archive.schema import MAX_BYTES, Archive, Imported, parse_archive

__all__ = ["MAX_BYTES", "Archive", "Imported", "build_archive", "import_archive", "parse_archive"]
