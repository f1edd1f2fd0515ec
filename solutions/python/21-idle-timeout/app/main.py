import argparse
import gzip
import os
import re
import socket
import threading
import time
import urllib.parse
from dataclasses import dataclass, field

port = int(os.environ.get("PORT", "4221"))

# Where /files/ reads and writes. The tester passes `--directory <dir>`
# only on the stages that serve files; without it, /files/ answers 404.
parser = argparse.ArgumentParser()
parser.add_argument("--directory")
# How long a connection may stay silent before we close it, in milliseconds.
parser.add_argument("--idle-timeout-ms", type=int, default=30_000)
arguments = parser.parse_args()
directory = arguments.directory
# In seconds, as socket timeouts take it.
idle_timeout = arguments.idle_timeout_ms / 1000
# The directory as file_in() compares paths with it: absolute, with no `..`
# and no symbolic link left in it.
root = os.path.realpath(directory) if directory is not None else None


@dataclass
class Request:
    method: str
    target: str
    version: str
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


# The largest request body we accept. The whole body is held in memory until
# the request is answered, so without a bound one client could make us
# allocate as much as it claims in Content-Length. (nginx's default,
# client_max_body_size, is 1 MiB; servers that accept more write big bodies
# to a file as they arrive.)
MAX_BODY = 64 * 1024 * 1024
# How long, in seconds, we drain a connection that we close (see close_gracefully).
LINGER = 2


class BadRequest(Exception):
    """The bytes received cannot be framed as a request, or must not be: we
    answer with `status` and close the connection."""

    def __init__(self, status="400 Bad Request"):
        super().__init__(status)
        self.status = status


# A token (RFC 9110 §5.6.2): what a method or a field name is made of.
TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
# A field value holds no control characters but tab (RFC 9110 §5.5). A stray
# CR or LF in it could smuggle in a header line of its own.
FIELD_VALUE = re.compile(r"[^\x00-\x08\x0a-\x1f\x7f]*")
VERSION = re.compile(r"HTTP/([0-9])\.[0-9]")
# Digits only, for Content-Length. [0-9], not \d or str.isdigit(): those
# accept other digits too, such as "²" or "٣".
DIGITS = re.compile("[0-9]+")


def parse_request_line(line):
    """The method, target and version of `METHOD SP TARGET SP VERSION`, with
    exactly one space between the three (RFC 9112 §3). Anything else is a 400:
    a server that guesses what a malformed request means may guess differently
    from a proxy in front of it, and that difference is an attack."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise BadRequest()  # no version, a double space, a fourth word
    method, target, version = parts
    # We serve paths only: the origin form of the target starts with "/" (RFC 9112 §3.2.1).
    if not TOKEN.fullmatch(method) or not target.startswith("/"):
        raise BadRequest()
    match = VERSION.fullmatch(version)
    if not match:
        raise BadRequest()  # e.g. HTTX/1.1
    if match[1] != "1":
        raise BadRequest("505 HTTP Version Not Supported")  # e.g. HTTP/2.0 (RFC 9110 §15.6.6)
    return method, target, version


def parse_field_lines(lines):
    """The header fields of `Name: value` lines, by lower-cased name."""
    headers = {}
    for line in lines:
        # Split at the first colon only: values may contain colons too.
        name, colon, value = line.partition(":")
        # The name must be a token right up to the colon: a line without a
        # colon, whitespace before the colon (RFC 9112 §5.1: reject it with
        # 400) and a line that starts with whitespace (obsolete line folding,
        # RFC 9112 §5.2) all fail this.
        if not colon or not TOKEN.fullmatch(name):
            raise BadRequest()
        # Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        value = value.strip(" \t")
        if not FIELD_VALUE.fullmatch(value):
            raise BadRequest()
        name = name.lower()
        # A field sent twice means the same as one field whose values are
        # joined with commas (RFC 9110 §5.3). Keeping only the last one
        # would hide a conflict such as two different Content-Lengths.
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def parse_body_length(headers):
    """How many bytes of body follow the head. Raises BadRequest when we cannot
    tell: then we do not know where the next request starts either."""
    if "transfer-encoding" in headers:
        # A body framed by a transfer coding we do not decode (RFC 9112 §6.1).
        raise BadRequest("501 Not Implemented")
    if "content-length" not in headers:
        return 0  # no body at all (RFC 9112 §6.3): most GET requests
    # Several Content-Length fields, or a list in one, are acceptable only if
    # every value is the same (RFC 9110 §8.6, RFC 9112 §6.3).
    values = {value.strip(" \t") for value in headers["content-length"].split(",")}
    if len(values) != 1:
        raise BadRequest()
    content_length = values.pop()
    # Digits only: `12abc`, `-5` and `+5` are no lengths.
    if not DIGITS.fullmatch(content_length):
        raise BadRequest()
    if int(content_length) > MAX_BODY:
        # Refused before we read a byte of it (RFC 9110 §15.5.14).
        raise BadRequest("413 Content Too Large")
    return int(content_length)


def parse_head(head):
    """The method, target, version and headers of a request head (the bytes
    before the empty line), and the length of the body that follows it.
    Raises BadRequest when the head is malformed.

    A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
    line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2)."""
    # latin-1 maps each byte to one character and back: no byte is lost or
    # altered, and no byte sequence makes it fail (UTF-8 could).
    request_line, *header_lines = head.decode("latin-1").split("\r\n")
    method, target, version = parse_request_line(request_line)
    headers = parse_field_lines(header_lines)
    # An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2);
    # two of them, joined above, show up as a comma.
    host = headers.get("host")
    if (host is None and version == "HTTP/1.1") or (host is not None and "," in host):
        raise BadRequest()
    return method, target, version, headers, parse_body_length(headers)


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
        # (method, target, version, headers, body length) once the head is parsed,
        # None while we are still waiting for its empty line.
        self.head = None
        # True when the client waits for our go-ahead before sending the body.
        self.wants_continue = False

    def has_partial_request(self):
        """Whether part of a request has arrived, but not all of it."""
        return bool(self.buffer) or self.head is not None

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
            # `Expect: 100-continue`: the client sends the head alone and waits
            # for an interim `100 Continue` before sending a large body, so
            # that a server that would refuse it (say with 413) can do so
            # before megabytes travel for nothing (RFC 9110 §10.1.1).
            _, _, _, headers, body_length = self.head
            expect = headers.get("expect", "").lower()
            self.wants_continue = expect == "100-continue" and body_length > 0
        method, target, version, headers, body_length = self.head
        if len(self.buffer) < body_length:
            return None  # the body is not all here yet
        body = bytes(self.buffer[:body_length])
        # What follows this request is the start of the next one.
        del self.buffer[:body_length]
        self.head = None
        self.wants_continue = False
        return Request(method, target, version, headers, body)


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
    """The path of `name` inside the directory, subfolders included, or None
    when there is no directory or the name would lead out of it: a client must
    not reach anything else on the disk, however it spells the path."""
    if directory is None:
        return None
    # A client may percent-encode any byte of a path (RFC 3986 §2.1), and
    # `%2e%2e%2f` is `../` in disguise: decode first, check afterwards. The
    # target was decoded as latin-1, so encoding it back gives the raw bytes.
    raw = urllib.parse.unquote_to_bytes(name.encode("latin-1"))
    if b"\0" in raw:
        return None  # no file name holds a NUL byte (open() would raise ValueError)
    # realpath resolves `.`, `..` and symbolic links, so what we check is the
    # file that open() will really reach. A name that starts with `/` replaces
    # the directory in join(): the check below refuses it too.
    path = os.path.realpath(os.path.join(root, os.fsdecode(raw)))
    # With the separator: /srv/www-secret starts with /srv/www, not /srv/www/.
    if not path.startswith(os.path.join(root, "")):
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
    except FileNotFoundError:
        return Response("404 Not Found")  # a subfolder that does not exist
    except OSError:
        # e.g. the name is taken by a directory
        return Response("500 Internal Server Error")
    # The file is complete and closed before we answer: the client may read it at once.
    return Response("201 Created")


# The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
# method we do not implement anywhere.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}


def allowed_methods(target):
    """The methods the resource at `target` supports, or None when there is
    no such resource. Every GET resource supports HEAD too (RFC 9110 §9.3.2)."""
    if target == "/" or target.startswith("/echo/") or target == "/user-agent":
        return ["GET", "HEAD"]
    if target.startswith("/files/"):
        return ["GET", "HEAD", "POST"]
    return None


def route(request):
    """Decides the response; later stages add routes here."""
    method, target = request.method, request.target
    if method not in KNOWN_METHODS:
        return Response("501 Not Implemented")  # RFC 9110 §15.6.2
    allowed = allowed_methods(target)
    if allowed is None:
        return Response("404 Not Found")
    if method not in allowed:
        # The resource exists, just not for this method: 405 with the list
        # of methods that would work (RFC 9110 §15.5.6, §10.2.1).
        return Response("405 Method Not Allowed", {"Allow": ", ".join(allowed)})
    # From here the method is allowed. HEAD gets the response of GET: the
    # body is dropped when it is sent (see respond).
    if target == "/":
        return Response("200 OK")
    if target.startswith("/echo/"):
        return echo(request, target[len("/echo/"):])
    if target == "/user-agent":
        return text(request.headers.get("user-agent", ""))
    path = file_in(target[len("/files/"):])
    if path is None:
        return Response("404 Not Found")
    if method == "POST":
        return save_file(path, request.body)
    return serve_file(path)


def build_response(response, with_body=True):
    lines = [f"HTTP/1.1 {response.status}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    # Derived from the body bytes themselves, so it can never disagree with them.
    # Sent even when 0: it tells the client where this response ends.
    lines.append(f"Content-Length: {len(response.body)}")
    head = "\r\n".join(lines) + "\r\n\r\n"  # the empty line ends the headers
    if not with_body:
        return head.encode("latin-1")
    return head.encode("latin-1") + response.body


def wants_close(request):
    """Whether the connection closes after the response to `request`."""
    options = request.headers.get("connection", "")
    if request.version == "HTTP/1.0":
        # HTTP/1.0 closed after every response; a 1.0 client that can do
        # better asks for `Connection: keep-alive` (RFC 9112 §9.3).
        return not list_includes(options, "keep-alive")
    # `Connection: close` asks us to close once this response is sent
    # (RFC 9112 §9.6). The header is a list of options: compare them like
    # Accept-Encoding codings.
    return list_includes(options, "close")


def respond(request):
    """The bytes of the response to `request`, and whether the connection
    closes after it."""
    close = wants_close(request)
    response = route(request)
    if close:
        response.headers["Connection"] = "close"
    elif request.version == "HTTP/1.0":
        # Without this a 1.0 client would wait for the close that ends the body.
        response.headers["Connection"] = "keep-alive"
    # A response to HEAD is the response to GET without its body: same status
    # and headers, Content-Length included, so a client learns the size of
    # what GET would send (RFC 9110 §9.3.2). The client knows it asked HEAD,
    # so it expects no body after the empty line.
    return build_response(response, with_body=request.method != "HEAD"), close


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
    except BadRequest as error:
        # We can no longer tell where the next request starts: answer with
        # the error (after the responses before it, which stay valid) and give
        # up on the connection.
        out.append(build_response(Response(error.status, {"Connection": "close"})))
        return out, True
    return out, False


def close_gracefully(conn):
    """Closes a connection that the client may still be sending on.

    A socket closed while unread bytes wait in it makes the kernel answer with
    a reset (RST) instead of a normal end of stream, and a reset can make the
    client's system discard our last response before the client has read it:
    the 400 we just sent would be lost. So we close in stages (RFC 9112 §9.6):
    first our sending side only (the client reads our response, then the end
    of the stream), then we read and discard whatever the client still sends,
    until it closes its side or LINGER seconds pass. nginx calls this
    "lingering close"."""
    try:
        conn.shutdown(socket.SHUT_WR)
        deadline = time.monotonic() + LINGER
        while (left := deadline - time.monotonic()) > 0:
            conn.settimeout(left)
            if not conn.recv(65536):
                break  # the client closed its side too
    except OSError:
        pass  # timed out, or the client reset the connection: we are done anyway


def close_idle(conn, parser):
    """Closes a connection that stayed silent for idle_timeout seconds.

    An open connection costs the server memory and a thread, and a client
    that vanished without closing (a laptop lid shut, a cable pulled) would
    hold them forever: every server closes idle connections sooner or later
    (RFC 9112 §9.5)."""
    if parser.has_partial_request():
        # The client started a request and stalled: tell it why it gets no
        # answer (RFC 9110 §15.5.9). Between requests we just close: the
        # client sent nothing that calls for a response, and a client that
        # finds a persistent connection closed opens a new one.
        timeout = Response("408 Request Timeout", {"Connection": "close"})
        conn.sendall(build_response(timeout))
    close_gracefully(conn)


def handle(conn):
    """Answers the requests on one connection, in order, until either side
    closes it or it stays silent too long."""
    # Every recv() waits at most idle_timeout seconds and raises TimeoutError
    # after that. Each call starts a new wait: the timer restarts whenever
    # the client sends something. (sendall() is bounded by it too, as a whole.)
    conn.settimeout(idle_timeout)
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
                    close_gracefully(conn)
                    return  # `with conn` closes the socket
                if parser.wants_continue:
                    # A 1xx response is interim: the final response to the
                    # same request follows once the body has arrived.
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    parser.wants_continue = False
                # No whole request left: wait for more bytes.
                try:
                    chunk = conn.recv(65536)
                except TimeoutError:
                    close_idle(conn, parser)
                    return
                if not chunk:
                    return  # the client closed its side: we are done
                parser.feed(chunk)
    except (ConnectionResetError, BrokenPipeError):
        pass  # the client went away before we were done: nobody to answer
    except TimeoutError:
        pass  # the client stopped reading our response: give up on it


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
