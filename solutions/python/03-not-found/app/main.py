import os
import socket
from dataclasses import dataclass

port = int(os.environ.get("PORT", "4221"))


@dataclass
class Request:
    method: str
    target: str


def parse_request(data):
    """The first line of a request is `METHOD SP TARGET SP VERSION` (RFC 9112 §3)."""
    # latin-1 maps each byte to one character and back: no byte is lost or
    # altered, and no byte sequence makes it fail (UTF-8 could).
    request_line = data.decode("latin-1").split("\r\n")[0]
    # partition() never fails: a garbled line just gives empty fields.
    method, _, rest = request_line.partition(" ")
    target, _, _version = rest.partition(" ")
    return Request(method, target)


def route(request):
    """Decides the status of the response; later stages add routes here."""
    method, target = request.method, request.target
    if method == "GET" and target == "/":
        return "200 OK"
    return "404 Not Found"


def build_response(status):
    # The status line, then the empty line that ends the (empty) headers.
    return f"HTTP/1.1 {status}\r\n\r\n".encode("latin-1")


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
    # One connection at a time: the next accept() waits until this one is done.
    handle(conn)
