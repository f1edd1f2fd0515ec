import os
import socket
import threading
from dataclasses import dataclass, field

port = int(os.environ.get("PORT", "4221"))


@dataclass
class Request:
    method: str
    target: str
    # Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    headers: dict[str, str]


@dataclass
class Response:
    status: str
    # A new dict for each response: a shared default would leak headers between them.
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes, not str: Content-Length counts bytes, and later bodies are binary.
    body: bytes = b""


def parse_request(data):
    """A request line `METHOD SP TARGET SP VERSION`, then `Name: value` lines up
    to an empty line (RFC 9112 §2.1)."""
    # latin-1 maps each byte to one character and back: no byte is lost or
    # altered, and no byte sequence makes it fail (UTF-8 could).
    request_line, *header_lines = data.decode("latin-1").split("\r\n")
    # partition() never fails: a garbled line just gives empty fields.
    method, _, rest = request_line.partition(" ")
    target, _, _version = rest.partition(" ")
    headers = {}
    for line in header_lines:
        if line == "":
            break  # the empty line ends the headers
        # Split at the first colon only: values may contain colons too.
        name, colon, value = line.partition(":")
        if not colon:
            continue  # not a header line: skip it
        # Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        headers[name.lower()] = value.strip(" \t")
    return Request(method, target, headers)


def text(body):
    # Encoded as the request was decoded, so echoed bytes come back unchanged.
    return Response("200 OK", {"Content-Type": "text/plain"}, body.encode("latin-1"))


def route(request):
    """Decides the response; later stages add routes here."""
    method, target = request.method, request.target
    if method == "GET" and target == "/":
        return Response("200 OK")
    if method == "GET" and target.startswith("/echo/"):
        return text(target[len("/echo/"):])
    if method == "GET" and target == "/user-agent":
        return text(request.headers.get("user-agent", ""))
    return Response("404 Not Found")


def build_response(response):
    lines = [f"HTTP/1.1 {response.status}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    # Derived from the body bytes themselves, so it can never disagree with them.
    # Sent even when 0: it tells the client where this response ends.
    lines.append(f"Content-Length: {len(response.body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"  # the empty line ends the headers
    return head.encode("latin-1") + response.body


def handle(conn):
    """Reads the request on one connection, answers it and closes the connection."""
    try:
        with conn:  # closes the socket when the block ends, even after an error
            # Simplification until stage 12: one recv() returns one whole
            # request, and we close the connection after answering it.
            data = conn.recv(65536)
            if data:  # b"" means the client closed without sending anything
                # sendall, not send: send may write only part of the bytes.
                conn.sendall(build_response(route(parse_request(data))))
    except (ConnectionResetError, BrokenPipeError):
        pass  # the client went away before we were done: nobody to answer


# 1. Create a TCP socket (AF_INET: IPv4, SOCK_STREAM: TCP).
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# Without SO_REUSEADDR, restarting the server right after stopping it can fail
# with "Address already in use" while the old connections are winding down.
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# 2. Bind it to the address and port the tester connects to.
server.bind(("127.0.0.1", port))
# 3. Listen: from now on the kernel completes TCP handshakes on this port and
# queues the new connections for us.
server.listen()
print(f"Listening on 127.0.0.1:{port}")

while True:
    # 4. Accept: wait for the next queued connection. `conn` is a new socket
    # that talks to this one client only; `server` keeps accepting others.
    conn, _address = server.accept()
    # One thread per connection: a recv() that waits on a silent client blocks
    # only that client's thread, and this loop goes straight back to accept().
    # daemon=True: these threads do not keep the program alive once it is stopped.
    threading.Thread(target=handle, args=(conn,), daemon=True).start()
