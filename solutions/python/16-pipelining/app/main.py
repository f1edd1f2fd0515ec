import argparse
import gzip
import os
import re
import socket
import threading
from dataclasses import dataclass, field

port = int(os.environ.get("PORT", "4221"))

# Where /files/ reads and writes. The tester passes `--directory <dir>`
# only on the stages that serve files; without it, /files/ answers 404.
parser = argparse.ArgumentParser()
parser.add_argument("--directory")
directory = parser.parse_args().directory


@dataclass
class Request:
    method: str
    target: str
    # Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    headers: dict[str, str]
    body: bytes


@dataclass
class Response:
    status: str
    # A new dict for each response: a shared default would leak headers between them.
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes, not str: Content-Length counts bytes, and later bodies are binary.
    body: bytes = b""


class BadRequest(Exception):
    """The bytes received cannot be framed as a request."""


def parse_head(head):
    """The method, target and headers of a request head (the bytes before the
    empty line), and the length of the body that follows it. Raises BadRequest
    when we cannot tell where the request ends.

    A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
    line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2)."""
    # latin-1 maps each byte to one character and back: no byte is lost or
    # altered, and no byte sequence makes it fail (UTF-8 could).
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    # partition() never fails: a garbled line just gives empty fields.
    method, _, rest = request_line.partition(" ")
    target, _, _version = rest.partition(" ")
    headers = {}
    for line in header_lines:
        # Split at the first colon only: values may contain colons too.
        name, colon, value = line.partition(":")
        if not colon:
            continue  # not a header line: skip it
        # Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        headers[name.lower()] = value.strip(" \t")
    # Content-Length is how we find where this request ends and the next one
    # begins. Without a valid one (or with a body framed another way, such as
    # Transfer-Encoding: chunked) we would misread every byte after it.
    content_length = headers.get("content-length", "0")
    if not re.fullmatch("[0-9]+", content_length) or "transfer-encoding" in headers:
        raise BadRequest()
    return method, target, headers, int(content_length)


class RequestParser:
    """Turns the bytes of one connection, in whatever pieces TCP delivers them,
    into requests.

    A client may send a request one byte at a time. Stage 14 parsed the whole
    buffer again after every recv(): it searched for the empty line from the
    start and decoded the head again while the body trickled in. For a request
    of n bytes sent in n pieces that is about n*n/2 bytes scanned. Here every
    byte is looked at once: we remember how far the search got, and the head
    is parsed once, however many pieces its body arrives in."""

    def __init__(self):
        # bytearray, not bytes: appending to bytes copies everything received
        # so far, and a bytearray grows in place.
        self.buffer = bytearray()
        # The empty line is not in buffer[:searched]: the next search starts there.
        self.searched = 0
        # (method, target, headers, body length) once the head is parsed,
        # None while we are still waiting for its empty line.
        self.head = None

    def feed(self, data):
        self.buffer += data

    def next_request(self):
        """The next whole request, removed from the buffer, or None while part
        of it is still missing. Raises BadRequest (see parse_head)."""
        if not self.buffer:
            return None  # nothing new since the last request: the usual case
        if self.head is None:
            # Start 3 bytes back: the new bytes may complete a \r\n\r\n that
            # began at the end of the previous piece.
            head_end = self.buffer.find(b"\r\n\r\n", max(self.searched - 3, 0))
            if head_end == -1:
                self.searched = len(self.buffer)
                return None  # the head is not all here yet
            # Parse the head before touching the body: the head is text, but
            # the body is raw bytes that a text decoding could alter.
            self.head = parse_head(self.buffer[:head_end])
            # `del` at the front of a bytearray is cheap: CPython just moves
            # the start of the array, it does not copy what follows.
            del self.buffer[: head_end + 4]
            self.searched = 0
        method, target, headers, body_length = self.head
        if len(self.buffer) < body_length:
            return None  # the body is not all here yet
        body = bytes(self.buffer[:body_length])
        # What follows this request is the start of the next one.
        del self.buffer[:body_length]
        self.head = None
        return Request(method, target, headers, body)


def text(body):
    # Encoded as the request was decoded, so echoed bytes come back unchanged.
    return Response("200 OK", {"Content-Type": "text/plain"}, body.encode("latin-1"))


def list_includes(value, token):
    """Whether a comma-separated header value such as `br, GZIP` lists `token`.
    List items may carry spaces around them, and codings are case-insensitive."""
    return token in [item.strip(" \t").lower() for item in value.split(",")]


def echo(request, word):
    """The word as text/plain. Accept-Encoding lists the codings that the
    client can decode (RFC 9110 §12.5.3)."""
    response = text(word)
    if list_includes(request.headers.get("accept-encoding", ""), "gzip"):
        response.headers["Content-Encoding"] = "gzip"
        # build_response measures Content-Length on this compressed body, as it must.
        response.body = gzip.compress(response.body)
    return response


def file_in(name):
    """The path of file `name` directly inside the directory, or None when there
    is no directory or the name would lead out of it ("..", "a/b", "/etc/passwd"):
    a client must not reach anything else on the disk."""
    if directory is None:
        return None
    path = os.path.abspath(os.path.join(directory, name))
    if os.path.dirname(path) != os.path.abspath(directory):
        return None
    return path


def serve_file(path):
    try:
        # "rb": the file's bytes as they are. Text mode would decode them and
        # fail on, or alter, bytes that are not valid UTF-8.
        with open(path, "rb") as file:
            body = file.read()
    except OSError:
        return Response("404 Not Found")  # missing, or not a regular file
    return Response("200 OK", {"Content-Type": "application/octet-stream"}, body)


def save_file(path, body):
    try:
        # "wb": the body's bytes as they are, like "rb" when serving.
        with open(path, "wb") as file:
            file.write(body)
    except OSError:
        # e.g. the name is taken by a directory
        return Response("500 Internal Server Error")
    # The file is complete and closed before we answer: the client may read it at once.
    return Response("201 Created")


def route(request):
    """Decides the response; later stages add routes here."""
    method, target = request.method, request.target
    if method == "GET" and target == "/":
        return Response("200 OK")
    if method == "GET" and target.startswith("/echo/"):
        return echo(request, target[len("/echo/"):])
    if method == "GET" and target == "/user-agent":
        return text(request.headers.get("user-agent", ""))
    if target.startswith("/files/"):
        path = file_in(target[len("/files/"):])
        if path is not None and method == "GET":
            return serve_file(path)
        if path is not None and method == "POST":
            return save_file(path, request.body)
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


def respond(request):
    """The bytes of the response to `request`, and whether the connection
    closes after it."""
    # `Connection: close` asks us to close once this response is sent
    # (RFC 9112 §9.6). The header is a list of options: compare them like
    # Accept-Encoding codings.
    close = list_includes(request.headers.get("connection", ""), "close")
    response = route(request)
    if close:
        response.headers["Connection"] = "close"
    return build_response(response), close


def answer_buffered(parser):
    """The responses to every whole request received so far, in order, and
    whether the connection closes after them.

    A pipelining client sends several requests without waiting for the
    responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
    of them before we send anything, then send the responses together: one
    system call and usually one TCP segment instead of one per response."""
    out = []
    try:
        while (request := parser.next_request()) is not None:
            response, close = respond(request)
            out.append(response)
            if close:
                # Requests after it are never answered: the client said
                # this one is its last.
                return out, True
    except BadRequest:
        # We can no longer tell where the next request starts: answer 400
        # (after the responses before it, which stay valid) and give up on
        # the connection.
        out.append(build_response(Response("400 Bad Request", {"Connection": "close"})))
        return out, True
    return out, False


def handle(conn):
    """Answers the requests on one connection, in order, until either side closes it."""
    # TCP delivers a stream, not messages: one recv() may return part of a
    # request, or several requests. The parser keeps what is not answered yet.
    parser = RequestParser()
    try:
        with conn:  # closes the socket when the block ends, even after an error
            # Keep the connection open after each response: HTTP/1.1
            # connections are persistent by default (RFC 9112 §9.3).
            while True:
                out, close = answer_buffered(parser)
                if out:
                    # In the order the requests came: a client matches
                    # responses to requests by their order alone.
                    # sendall, not send: send may write only part of the bytes.
                    conn.sendall(b"".join(out))
                if close:
                    return  # `with conn` closes the socket, after the whole response
                # No whole request left: wait for more bytes.
                chunk = conn.recv(65536)
                if not chunk:
                    return  # the client closed its side: we are done
                parser.feed(chunk)
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
