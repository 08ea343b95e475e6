"""The HTTP layer: health, CORS preflight, 100-continue, pipelining and unsupported methods."""

from __future__ import annotations

import json
import socket
from urllib.parse import urlparse

import requests


def connect(net) -> socket.socket:
    url = urlparse(net.rpc_url)
    sock = socket.create_connection((url.hostname, url.port), timeout=10)
    return sock


def read_responses(sock: socket.socket, count: int) -> list[tuple[bytes, bytes]]:
    """Read `count` HTTP responses with Content-Length bodies; return (status line, body) pairs."""
    buffer = b""
    responses = []
    while len(responses) < count:
        header_end = buffer.find(b"\r\n\r\n")
        if header_end >= 0:
            head = buffer[:header_end].decode()
            length = next(int(line.split(":")[1]) for line in head.split("\r\n") if line.lower().startswith("content-length"))
            end = header_end + 4 + length
            if len(buffer) >= end:
                responses.append((head.split("\r\n")[0].encode(), buffer[header_end + 4 : end]))
                buffer = buffer[end:]
                continue
        chunk = sock.recv(65536)
        assert chunk, "server closed the connection early"
        buffer += chunk
    return responses


def post(body: bytes, extra_headers: bytes = b"") -> bytes:
    return (
        b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" + extra_headers
        + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
    )


def test_health_and_cors(litesvm_only):
    assert requests.get(litesvm_only.rpc_url + "/health", timeout=5).text == "ok"
    preflight = requests.options(litesvm_only.rpc_url, timeout=5)
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] == "*"
    assert requests.put(litesvm_only.rpc_url, timeout=5).status_code == 405


def test_pipelined_requests_answered_in_order(litesvm_only):
    with connect(litesvm_only) as sock:
        bodies = [json.dumps({"jsonrpc": "2.0", "id": i, "method": "getHealth"}).encode() for i in range(20)]
        sock.sendall(b"".join(post(body) for body in bodies))
        responses = read_responses(sock, 20)
    assert [json.loads(body)["id"] for _, body in responses] == list(range(20))


def test_expect_100_continue(litesvm_only):
    body = json.dumps({"jsonrpc": "2.0", "id": 7, "method": "getHealth"}).encode()
    with connect(litesvm_only) as sock:
        headers = post(body, b"Expect: 100-continue\r\n")[: -len(body)]
        sock.sendall(headers)
        interim = sock.recv(100)
        assert interim.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(body)
        (status, reply), = read_responses(sock, 1)
    assert status == b"HTTP/1.1 200 OK"
    assert json.loads(reply)["result"] == "ok"


def test_warp_in_pipeline_keeps_order(private_localnet):
    with connect(private_localnet) as sock:
        slot = private_localnet.result("getSlot", [{"commitment": "processed"}])
        bodies = [
            json.dumps({"jsonrpc": "2.0", "id": 1, "method": "kgpu_warpSlot", "params": [slot + 500]}).encode(),
            json.dumps({"jsonrpc": "2.0", "id": 2, "method": "getSlot", "params": [{"commitment": "processed"}]}).encode(),
        ]
        sock.sendall(b"".join(post(body) for body in bodies))
        first, second = read_responses(sock, 2)
    assert json.loads(first[1])["id"] == 1
    assert json.loads(second[1])["result"] >= slot + 500
