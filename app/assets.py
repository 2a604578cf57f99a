"""Static files: content-hashed URLs that phones may cache for a year, and revalidation otherwise.

`static_url("css/lenswalk.css")` gives `/static/css/lenswalk.css?v=<hash>`; a changed file gets a new
hash, so a long cache can never serve a stale copy. Our own scripts and stylesheets are kept readable
in the repository and served minified (rjsmin, rcssmin): a phone on poor signal downloads a third less.
Compression is the GZip middleware's job."""

import hashlib
import os
from functools import lru_cache
from pathlib import Path

import rcssmin
import rjsmin
from starlette.datastructures import QueryParams
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

STATIC_DIR = Path(__file__).parent / "static"
IMMUTABLE = "public, max-age=31536000, immutable"
MINIFIERS = {
    ".js": ("text/javascript; charset=utf-8", rjsmin.jsmin),
    ".css": ("text/css; charset=utf-8", rcssmin.cssmin),
}


@lru_cache(maxsize=256)
def _file_hash(path: str, _mtime_ns: int) -> str:
    return hashlib.sha256((STATIC_DIR / path).read_bytes()).hexdigest()[:12]


def static_url(path: str) -> str:
    # The modification time is part of the cache key, so an edited file is re-hashed at once.
    return f"/static/{path}?v={_file_hash(path, os.stat(STATIC_DIR / path).st_mtime_ns)}"


@lru_cache(maxsize=32)
def _minified(path: str, _mtime_ns: int) -> bytes:
    _, minify = MINIFIERS[Path(path).suffix]
    minified: str = minify((STATIC_DIR / path).read_text(encoding="utf-8"))
    return minified.encode()


def minified(path: str) -> str:
    """A stylesheet or script as it is served, e.g. to inline it in a page that must stand alone."""
    return _minified(path, os.stat(STATIC_DIR / path).st_mtime_ns).decode()


def _minifiable(relative: str) -> bool:
    # Vendored files come minified already.
    return Path(relative).suffix in MINIFIERS and not relative.startswith("vendor/")


class HashedStaticFiles(StaticFiles):
    def file_response(
        self,
        full_path: str | os.PathLike[str],
        stat_result: os.stat_result,
        scope: Scope,
        status_code: int = 200,
    ) -> Response:
        relative = Path(full_path).resolve().relative_to(STATIC_DIR.resolve()).as_posix()
        response: Response
        if _minifiable(relative) and status_code == 200:
            media_type, _ = MINIFIERS[Path(relative).suffix]
            response = Response(_minified(relative, stat_result.st_mtime_ns), media_type=media_type)
        else:
            response = super().file_response(full_path, stat_result, scope, status_code)
        version = QueryParams(scope.get("query_string", b"")).get("v")
        if version and version == _file_hash(relative, stat_result.st_mtime_ns):
            response.headers["Cache-Control"] = IMMUTABLE
            # Never revalidated, so validators and ranges are bytes a phone need not download.
            for name in ("ETag", "Last-Modified", "Accept-Ranges"):
                if name in response.headers:
                    del response.headers[name]
        else:
            # An old or missing hash: serve the file, but never let it be cached as that version.
            response.headers["Cache-Control"] = "no-cache"
        return response
