"""The website a prober sees: a static site answered the way stock nginx answers.

A relay that a censor's scanner can tell apart from an ordinary web server gets blocked, and
the most ordinary web server there is is nginx serving files. So every request that is not the
relay's websocket upgrade is answered as nginx 1.22 with `server_tokens off` answers it: the
same status for every method and path (200 for a file, 404 for anything else, 405 for methods
other than GET and HEAD, 301 for a directory without its slash), the same headers in the same
order (ETag and Last-Modified built as nginx builds them), the same error pages byte for byte,
and the same keep-alive and pipelining. tests/relay/test_relay_prober.py probes a real nginx and
the relay side by side to keep it so.

The files come from `site` (a directory the operator fills with their own website); without
one, the relay serves the page a freshly installed nginx shows, which is what millions of
ordinary servers show. Pure: request in, bytes out; the clock is passed in.
"""

from __future__ import annotations

import email.utils
import mimetypes
import os
import posixpath
import time
from urllib.parse import unquote, urlsplit

from relay.errors import ConfigError
from relay.http1 import Refusal, Request

__all__ = ["DEFAULT_PAGE", "Site", "error_page"]

# nginx's own index.html (Debian's /usr/share/nginx/html/index.html), served when the operator
# gives no site: the page of every freshly installed nginx.
DEFAULT_PAGE = b"""<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
<style>
html { color-scheme: light dark; }
body { width: 35em; margin: 0 auto;
font-family: Tahoma, Verdana, Arial, sans-serif; }
</style>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and
working. Further configuration is required.</p>

<p>For online documentation and support please refer to
<a href="http://nginx.org/">nginx.org</a>.<br/>
Commercial support is available at
<a href="http://nginx.com/">nginx.com</a>.</p>

<p><em>Thank you for using nginx.</em></p>
</body>
</html>
"""

_REASONS = {
    200: "OK", 301: "Moved Permanently", 400: "Bad Request", 404: "Not Found",
    405: "Not Allowed", 414: "Request-URI Too Large", 429: "Too Many Requests",
    500: "Internal Server Error", 503: "Service Temporarily Unavailable",
    505: "HTTP Version Not Supported",
}
_TYPES = {".html": "text/html", ".htm": "text/html", ".css": "text/css",
          ".js": "application/javascript", ".txt": "text/plain", ".png": "image/png",
          ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif",
          ".svg": "image/svg+xml", ".ico": "image/x-icon", ".json": "application/json",
          ".xml": "text/xml", ".webp": "image/webp", ".woff2": "font/woff2",
          ".woff": "font/woff", ".pdf": "application/pdf"}
MAX_FILE = 16 * 1024 * 1024  # a decoy site, not a file server


def error_page(status: int, detail: str | None = None) -> bytes:
    """nginx's built-in error page for `status`, byte for byte (server_tokens off)."""
    title = f"{status} {_REASONS[status]}"
    head = f"{status} {detail}" if detail else title
    extra = f"<center>{detail}</center>\r\n" if detail else ""
    return (f"<html>\r\n<head><title>{head}</title></head>\r\n<body>\r\n"
            f"<center><h1>{title}</h1></center>\r\n{extra}<hr><center>nginx</center>\r\n"
            "</body>\r\n</html>\r\n").encode()


def _head(status: int, headers: list[tuple[str, str]], now: float) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS[status]}", "Server: nginx",
             f"Date: {email.utils.formatdate(now, usegmt=True)}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def error(status: int, now: float, keep_alive: bool, head_only: bool = False,
          detail: str | None = None, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    body = error_page(status, detail)
    headers = [("Content-Type", "text/html"), ("Content-Length", str(len(body))), *extra,
               ("Connection", "keep-alive" if keep_alive else "close")]
    return _head(status, headers, now) + (b"" if head_only else body)


def refusal(refused: Refusal, now: float) -> bytes:
    """The answer to a request nginx refuses before routing (the connection closes after)."""
    detail = "Request Header Or Cookie Too Large" if refused.cause == "header_too_large" else None
    return error(refused.status, now, False, detail=detail)


class Site:
    """Files under `root` (or nginx's default page) answered as nginx answers them."""

    def __init__(self, root: str | None) -> None:
        if root is not None and not os.path.isdir(root):
            raise ConfigError(f"site {root!r} is not a directory")
        self.root = os.path.realpath(root) if root is not None else None
        self._started = time.time()

    def answer(self, request: Request, now: float, port: int = 80,
               tls: bool = False) -> tuple[bytes, bool]:
        """(response bytes, whether to close the connection after them). `port` and `tls`
        are the listener's, for redirects as nginx writes them."""
        if request.version == (0, 9):  # the bare body, then close
            raw, _ = self.answer(Request("GET", request.target, (1, 0), (), b""), now, port, tls)
            return raw.partition(b"\r\n\r\n")[2], True
        keep = request.keep_alive and not request.chunked
        head_only = request.method == "HEAD"
        path = self._path(request.target)
        if path is None:
            return error(400, now, False, head_only), True
        found = self._find(path)  # nginx's try_files: a missing file is 404 whatever the method
        if found is None:
            return error(404, now, keep, head_only), not keep
        if request.method not in ("GET", "HEAD"):
            return error(405, now, keep, head_only), not keep
        if isinstance(found, str):  # a directory without its slash
            host = (request.header("host") or "localhost").rsplit(":", 1)[0]
            scheme = "https" if tls else "http"
            shown = "" if port == (443 if tls else 80) else f":{port}"
            extra = (("Location", f"{scheme}://{host}{shown}{found}"),)
            return error(301, now, keep, head_only, extra=extra), not keep
        body, mtime, kind = found
        headers = [("Content-Type", kind), ("Content-Length", str(len(body))),
                   ("Last-Modified", email.utils.formatdate(mtime, usegmt=True)),
                   ("Connection", "keep-alive" if keep else "close"),
                   ("ETag", f'"{int(mtime):x}-{len(body):x}"'), ("Accept-Ranges", "bytes")]
        return _head(200, headers, now) + (b"" if head_only else body), not keep

    @staticmethod
    def _path(target: str) -> str | None:
        """The decoded, normalised path; None where nginx answers 400 (escaping the root)."""
        if target.startswith(("http://", "https://")):
            target = urlsplit(target).path or "/"
        if not target.startswith("/"):
            return None
        raw = unquote(target.split("?", 1)[0])
        if "\x00" in raw:
            return None
        parts: list[str] = []
        for part in raw.split("/"):
            if part in ("", "."):
                continue
            if part == "..":
                if not parts:
                    return None
                parts.pop()
            else:
                parts.append(part)
        path = "/" + "/".join(parts)
        return path + "/" if raw.endswith("/") and path != "/" else path

    def _find(self, path: str) -> tuple[bytes, float, str] | str | None:
        if self.root is None:
            if path in ("/", "/index.html"):
                return DEFAULT_PAGE, self._started, "text/html"
            return None
        full = os.path.realpath(os.path.join(self.root, path.lstrip("/")))
        if full != self.root and not full.startswith(self.root + os.sep):
            return None
        if os.path.isdir(full):
            if not path.endswith("/"):
                return path + "/"
            full = os.path.join(full, "index.html")
        try:
            with open(full, "rb") as f:
                stat = os.fstat(f.fileno())
                if not os.path.isfile(full) or stat.st_size > MAX_FILE:
                    return None
                body = f.read()
        except OSError:
            return None
        ext = posixpath.splitext(full)[1].lower()
        kind = _TYPES.get(ext) or mimetypes.types_map.get(ext) or "application/octet-stream"
        return body, stat.st_mtime, kind
