"""A lean HTTP/1.1 server for JSON-RPC: an asyncio protocol with the httptools parser.

Requests are handled in order on the event loop thread, so pipelined and keep-alive requests
need no locking. `POST /` (any path) carries JSON-RPC; `GET /health` returns `ok` as the agave
RPC does; `OPTIONS` answers CORS preflight for browser clients.
"""

from __future__ import annotations

import asyncio
import logging

import httptools

from kgpu_localnet.rpc import Rpc

log = logging.getLogger("kgpu_localnet.http")

MAX_BODY_BYTES = 50 * 1024 * 1024
CORS_HEADERS = (
    b"Access-Control-Allow-Origin: *\r\n"
    b"Access-Control-Allow-Methods: POST, GET, OPTIONS\r\n"
    b"Access-Control-Allow-Headers: Content-Type, solana-client\r\n"
)


def _response(status: bytes, body: bytes, content_type: bytes = b"application/json", keep_alive: bool = True) -> bytes:
    connection = b"keep-alive" if keep_alive else b"close"
    return (
        b"HTTP/1.1 " + status + b"\r\nContent-Type: " + content_type
        + b"\r\nContent-Length: " + str(len(body)).encode()
        + b"\r\nConnection: " + connection + b"\r\n" + CORS_HEADERS + b"\r\n" + body
    )


class HttpProtocol(asyncio.Protocol):
    def __init__(self, rpc: Rpc) -> None:
        self.rpc = rpc
        self.parser = httptools.HttpRequestParser(self)
        self.transport: asyncio.Transport | None = None
        self.url = b""
        self.body: list[bytes] = []
        self.body_size = 0
        # Responses of requests that await (kgpu warps) must not overtake later ones.
        self.queue: asyncio.Future | None = None
        # Responses produced while one received chunk is parsed go out in one write, so
        # pipelined requests cost one send system call per chunk instead of one per request.
        self.output: list[bytes] | None = None
        self.close_after_output = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.output = []
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self.output.append(_response(b"400 Bad Request", b"upgrade not supported", b"text/plain", False))
            self.close_after_output = True
        except httptools.HttpParserError as error:
            log.debug("invalid HTTP request: %s", error)
            self.output.append(_response(b"400 Bad Request", b"invalid HTTP request", b"text/plain", False))
            self.close_after_output = True
        output, self.output = self.output, None
        if output:
            self._send(b"".join(output), close=self.close_after_output)
        elif self.close_after_output:
            self._send(b"", close=True)

    def on_message_begin(self) -> None:
        self.url = b""
        self.body = []
        self.body_size = 0

    def on_header(self, name: bytes, value: bytes) -> None:
        # curl sends `Expect: 100-continue` before large bodies and waits for this interim reply.
        if name.lower() == b"expect" and value.lower() == b"100-continue":
            interim = b"HTTP/1.1 100 Continue\r\n\r\n"
            if self.output is not None:
                self.output.append(interim)
            else:
                self._send(interim, close=False)

    def on_url(self, url: bytes) -> None:
        self.url += url

    def on_body(self, body: bytes) -> None:
        self.body_size += len(body)
        if self.body_size <= MAX_BODY_BYTES:
            self.body.append(body)

    def on_message_complete(self) -> None:
        method = self.parser.get_method()
        keep_alive = self.parser.should_keep_alive()
        if method == b"POST":
            if self.body_size > MAX_BODY_BYTES:
                self._reply(_response(b"413 Payload Too Large", b"request body too large", b"text/plain", False), False)
                return
            body = b"".join(self.body)
            if self.queue is None:
                answer = self.rpc.handle_body_sync(body)
                if answer is not None:
                    self._reply(_response(b"200 OK", answer, keep_alive=keep_alive), keep_alive)
                    return
            self._defer(body, keep_alive)
        elif method == b"GET" and self.url.split(b"?")[0] == b"/health":
            self._reply(_response(b"200 OK", b"ok", b"text/plain", keep_alive), keep_alive)
        elif method == b"OPTIONS":
            self._reply(_response(b"200 OK", b"", b"text/plain", keep_alive), keep_alive)
        else:
            self._reply(_response(b"405 Method Not Allowed", b"Used HTTP Method is not allowed. POST or OPTIONS is required", b"text/plain", keep_alive), keep_alive)

    def _defer(self, body: bytes, keep_alive: bool) -> None:
        previous = self.queue
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        self.queue = done

        async def run() -> None:
            try:
                if previous is not None:
                    await previous
                answer = await self.rpc.handle_body(body)
                self._reply(_response(b"200 OK", answer, keep_alive=keep_alive), keep_alive)
            except Exception:
                log.exception("request failed")
                self._reply(_response(b"500 Internal Server Error", b"internal error", b"text/plain", False), False)
            finally:
                done.set_result(None)
                if self.queue is done:
                    self.queue = None

        loop.create_task(run())

    def _reply(self, response: bytes, keep_alive: bool) -> None:
        if self.output is not None:
            self.output.append(response)
            if not keep_alive:
                self.close_after_output = True
            return
        self._send(response, close=not keep_alive)

    def _send(self, data: bytes, close: bool) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        if data:
            self.transport.write(data)
        if close:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


async def serve_http(rpc: Rpc, host: str, port: int) -> asyncio.base_events.Server:
    loop = asyncio.get_running_loop()
    return await loop.create_server(lambda: HttpProtocol(rpc), host, port, reuse_address=True, backlog=1024)
