"""In-process transport from the wechatpayv3 SDK to the sandbox gateway of this server.

With the sandbox mounted in the same server (PUBLIC_URL/sandbox/wechatpay), calling it
over HTTP from inside a request needs a second free request thread: under load every
thread waits on a gateway call that no free thread can answer, until the calls time out
(payments starve the server). So the SDK's requests under that prefix are handed to
Django's URL resolver and the sandbox views in the calling thread instead of a socket.
The SDK still builds, signs and verifies every request and answer exactly as on the wire:
only the socket is skipped. Writes nothing itself; the sandbox views write their own
tables (in their own transactions, on the caller's database connection).

The SDK calls the module-level `requests.get/post/...` (no session, no transport hook),
so `route_in_process` gives one client's `Core.request` a copy whose `requests` name is a
`SdkTransport`: a session with the in-process adapter mounted on the prefix. Other URLs
go out over the network as before.
"""

from __future__ import annotations

import io
import sys
import types
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import requests
from django.core.handlers.base import BaseHandler
from django.core.handlers.exception import convert_exception_to_response
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponseBase
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict
from requests.utils import get_encoding_from_headers


class _ViewsOnly(BaseHandler):
    """Django's request handling (URL resolution, views, error pages) without middleware:
    the v3 views need none, and middleware must not change the calling request's state
    (LocaleMiddleware would switch its language, sessions would touch its cookies)."""

    def __init__(self) -> None:
        super().__init__()
        self._view_middleware = []
        self._template_response_middleware = []
        self._exception_middleware = []
        self._middleware_chain = convert_exception_to_response(self._get_response)


def _environ(request: requests.PreparedRequest) -> dict[str, Any]:
    url = urlsplit(request.url or "")
    body = request.body or b""
    if isinstance(body, str):
        body = body.encode("utf-8")
    secure = url.scheme == "https"
    environ: dict[str, Any] = {
        "REQUEST_METHOD": (request.method or "GET").upper(),
        "SCRIPT_NAME": "",
        # WSGI carries the decoded path as latin-1 characters of its bytes.
        "PATH_INFO": unquote_to_bytes(url.path or "/").decode("latin-1"),
        "QUERY_STRING": url.query,
        "SERVER_NAME": url.hostname or "localhost",
        "SERVER_PORT": str(url.port or (443 if secure else 80)),
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": url.scheme or "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    for name, value in request.headers.items():
        key = name.upper().replace("-", "_")
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key != "CONTENT_LENGTH":
            environ[f"HTTP_{key}"] = value
    environ.setdefault("HTTP_HOST", url.netloc)
    return environ


class InProcessAdapter(BaseAdapter):
    """A `requests` adapter that answers from this process's Django views."""

    def __init__(self) -> None:
        super().__init__()
        self._handler = _ViewsOnly()

    def send(self, request: requests.PreparedRequest, stream: bool = False, timeout: Any = None,
             verify: Any = True, cert: Any = None, proxies: Any = None) -> requests.Response:
        answer: HttpResponseBase = self._handler.get_response(WSGIRequest(_environ(request)))
        # Not answer.close(): it sends request_finished, whose handler would close the
        # database connection the calling request is still using.
        content = (b"".join(answer.streaming_content) if answer.streaming  # type: ignore[attr-defined]
                   else answer.content)  # type: ignore[attr-defined]
        response = requests.Response()
        response.status_code = answer.status_code
        response.reason = answer.reason_phrase
        response.headers = CaseInsensitiveDict(answer.items())
        response.encoding = get_encoding_from_headers(response.headers)
        response._content = content
        response.url = request.url or ""
        response.request = request
        response.connection = self
        return response

    def close(self) -> None:
        pass


class SdkTransport:
    """Stands in for the `requests` module inside one SDK client."""

    def __init__(self, prefix: str, adapter: InProcessAdapter) -> None:
        self.prefix = prefix
        self.adapter = adapter

    def request(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        with requests.Session() as session:
            session.mount(self.prefix, self.adapter)
            return session.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", url, **kwargs)

    def patch(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PATCH", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("PUT", url, **kwargs)

    def delete(self, url: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", url, **kwargs)


def route_in_process(core: Any, prefix: str) -> None:
    """Send `core`'s (a wechatpayv3 Core) requests under `prefix` to this process's views."""
    original = type(core).request
    transport = SdkTransport(prefix.rstrip("/") + "/", InProcessAdapter())
    # The SDK's own request code, unchanged, with `requests` resolved to the transport.
    scope = {**original.__globals__, "requests": transport}
    request = types.FunctionType(original.__code__, scope, original.__name__, original.__defaults__,
                                 original.__closure__)
    core.request = types.MethodType(request, core)
