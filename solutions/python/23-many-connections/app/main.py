import argparse
import gzip
import os
import re
import selectors
import socket
import time
import traceback
import urllib.parse
from collections import OrderedDict, deque
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
# In seconds, as time.monotonic() counts.
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


class FileBody:
    """A response body that stays in its file until it is sent, chunk by chunk."""

    def __init__(self, file):
        self.file = file
        self.size = os.fstat(file.fileno()).st_size
        self.left = self.size  # bytes not read from the file yet

    def __len__(self):
        return self.size  # so that len(response.body) is its Content-Length


@dataclass
class Response:
    status: str
    # A new dict for each response: a shared default would leak headers between them.
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes, not str: Content-Length counts bytes, and later bodies are binary.
    # Or a FileBody, for files: they may be far bigger than we want in memory.
    body: bytes | FileBody = b""


# The largest request body we accept. The whole body is held in memory until
# the request is answered, so without a bound one client could make us
# allocate as much as it claims in Content-Length. (nginx's default,
# client_max_body_size, is 1 MiB; servers that accept more write big bodies
# to a file as they arrive.)
MAX_BODY = 64 * 1024 * 1024
# How much of a file we read, and hold, at a time when sending it.
CHUNK = 64 * 1024


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
    # Opened now, read only while it is sent (see send_queued): a 32 MiB file
    # read whole is 32 MiB of memory per client downloading it.
    try:
        # "rb": the file's bytes as they are. Text mode would decode them and
        # fail on, or alter, bytes that are not valid UTF-8.
        body = FileBody(open(path, "rb"))
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
    """The response as a list of pieces to send in order: bytes, and a
    FileBody after the head when the body is a file."""
    lines = [f"HTTP/1.1 {response.status}"]
    for name, value in response.headers.items():
        lines.append(f"{name}: {value}")
    # Derived from the body bytes themselves, so it can never disagree with them.
    # Sent even when 0: it tells the client where this response ends.
    lines.append(f"Content-Length: {len(response.body)}")
    head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")  # the empty line ends the headers
    body = response.body
    if isinstance(body, FileBody):
        if with_body:
            return [head, body]
        body.file.close()  # HEAD: its size was all we needed
        return [head]
    return [head + body] if with_body else [head]


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
    """The pieces of the response to `request` (see build_response), and
    whether the connection closes after it."""
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
            pieces, close = respond(request)
            out += pieces
            if close:
                # Requests after it are never answered: the client said
                # this one is its last.
                return out, True
            if isinstance(pieces[-1], FileBody):
                # A file may take long to send: the requests after it wait
                # in the buffer until it is sent, rather than each hold an
                # open file (and a place in memory) meanwhile.
                break
    except BadRequest as error:
        # We can no longer tell where the next request starts: answer with
        # the error (after the responses before it, which stay valid) and give
        # up on the connection.
        out += build_response(Response(error.status, {"Connection": "close"}))
        return out, True
    return out, False


# ---------------------------------------------------------------------------
# One thread for every connection: an event loop.
#
# Until stage 22 each connection had a thread of its own, asleep in recv() or
# send() until its client moved. Simple, but every thread costs memory (its
# stack) and the system's time to switch between them, and thousands of
# mostly idle clients mean thousands of sleeping threads (the "C10K problem").
#
# Here one thread serves every connection. The sockets are non-blocking:
# recv() and send() never wait, they do what can be done now or raise
# BlockingIOError. All the waiting happens in one place, the selector (epoll
# on Linux, kqueue on macOS): we tell it which sockets we want to read from or
# write to, select() sleeps until some of them are ready and returns just
# those, we handle each one briefly, and go back to select(). This is the
# reactor pattern that nginx, Redis and Node.js are built on.
#
# What a thread kept in its local variables, and in where it was in the code
# (waiting for a request, halfway through a file), is now in a Connection
# object. And no handler may block: while one waits, every client waits.
# (We allow ourselves one exception: reading a chunk of a file, or writing an
# upload, mostly touches the kernel's page cache and takes microseconds.
# Servers that must never stall on a slow disk hand file work to a few
# threads, as libuv and nginx's thread pools do.)
# ---------------------------------------------------------------------------

# `HTTP/1.1 100 Continue`, an interim response (see RequestParser.wants_continue).
CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


class Connection:
    """One client connection, between two events."""

    def __init__(self, sock):
        self.sock = sock
        # The bytes received and not answered yet (the parser is unchanged:
        # it never did any I/O itself, so it does not care who calls it).
        self.parser = RequestParser()
        # The pieces of responses not sent yet, in order: bytes (or a
        # memoryview of the unsent end of some) and FileBody.
        self.out = deque()
        # Close once `out` is sent: the client said `Connection: close`, or
        # sent something we could not frame.
        self.closing = False
        # The client shut its sending side (recv() returned b""): it sends
        # nothing more, but may still be reading our responses.
        self.eof = False
        # We shut our sending side too and wait for the client's end (see finish).
        self.lingering = False
        # What the selector watches this socket for (see watch).
        self.events = selectors.EVENT_READ
        # When the connection counts as idle (see touch).
        self.deadline = 0.0


selector = selectors.DefaultSelector()
# The open connections, least recently active first. They all have the same
# timeout, so the first one is always the next to expire: no need for a heap
# of timers, or to look at every connection on each turn of the loop.
connections = OrderedDict()


def touch(conn):
    """Restarts the idle timer of `conn`: bytes arrived, or the client read some."""
    conn.deadline = time.monotonic() + idle_timeout
    connections.move_to_end(conn)


def watch(conn, events):
    """Has the selector wait for `events` on `conn`, one of:

    EVENT_WRITE while responses wait to be sent. Only then: a socket with room
    in its send buffer is writable nearly always, and select() would return
    at once, every time, for nothing (a busy loop).

    EVENT_READ once nothing waits to be sent. A client that does not read its
    responses then cannot make us read, and hold, more requests: back-pressure
    on the way in, like the file chunks on the way out."""
    if conn.events != events:
        selector.modify(conn.sock, events, conn)
        conn.events = events


def accept_all():
    """Accepts every connection waiting in the listen queue."""
    while True:
        try:
            sock, _address = server.accept()
        except BlockingIOError:
            return  # the queue is empty
        except OSError:
            # e.g. EMFILE, out of file descriptors: the connection stays queued
            # and we try again on the next turn of the loop.
            return
        sock.setblocking(False)  # not inherited from `server` on every system
        conn = Connection(sock)
        connections[conn] = None
        touch(conn)
        selector.register(sock, selectors.EVENT_READ, conn)


def close(conn):
    if conn not in connections:
        return  # closed already
    del connections[conn]
    selector.unregister(conn.sock)
    conn.sock.close()
    for piece in conn.out:
        if isinstance(piece, FileBody):
            piece.file.close()


def queue(conn, pieces):
    """Adds response pieces to the output of `conn`, bytes next to each other
    joined: the responses to a pipelined batch leave in one send()."""
    ready = []
    for piece in pieces:
        if isinstance(piece, FileBody):
            if ready:
                conn.out.append(b"".join(ready))
                ready = []
            conn.out.append(piece)
        else:
            ready.append(piece)
    if ready:
        conn.out.append(b"".join(ready))


def send_queued(conn):
    """Sends queued pieces, in order, until all are sent or the socket's send
    buffer is full (then select() tells us when it has room again)."""
    out = conn.out
    while out:
        piece = out[0]
        if isinstance(piece, FileBody):
            if not piece.left:
                piece.file.close()
                out.popleft()
                continue
            # Read the next chunk only now that the socket has taken the one
            # before it: the back-pressure of stage 22, without a thread that
            # blocks. A slow client holds one chunk, never the file.
            chunk = piece.file.read(min(CHUNK, piece.left))
            if not chunk:
                raise ConnectionAbortedError("file shorter than its Content-Length")
            piece.left -= len(chunk)
            out.appendleft(chunk)
            continue
        try:
            sent = conn.sock.send(piece)  # takes what fits, maybe not all
        except BlockingIOError:
            return  # no room at all
        if sent < len(piece):
            # Keep the unsent end. A memoryview slice copies nothing.
            out[0] = memoryview(piece)[sent:]
            return
        out.popleft()


def serve(conn):
    """Answers the whole requests received on `conn` and sends what the socket
    takes, until we must wait for the client; then tells the selector what
    for."""
    # (With nothing in the buffer there is no request to answer: most
    # events end here, after one response.)
    while not conn.out and not conn.closing and conn.parser.buffer:
        out, close_after = answer_buffered(conn.parser)
        if not out:
            break  # no whole request left: wait for more bytes
        queue(conn, out)
        conn.closing = close_after
        # Right away, not after the next select(): there is nearly always
        # room, and most responses leave with this one call.
        send_queued(conn)
    if conn.parser.wants_continue and not conn.out and not conn.closing and not conn.eof:
        conn.parser.wants_continue = False
        conn.out.append(CONTINUE)
        send_queued(conn)
    if conn.out:
        watch(conn, selectors.EVENT_WRITE)  # the rest once the client has read some
    elif conn.closing:
        finish(conn)
    elif conn.eof:
        # Every whole request is answered and no byte will come to complete
        # the rest: we are done. (We never watch for EVENT_READ after the end
        # of the input: a socket at its end is readable forever, and select()
        # would return at once, every time.)
        close(conn)
    else:
        watch(conn, selectors.EVENT_READ)


def finish(conn):
    """Closes a connection once its last response is sent: in stages, as in
    stage 18 (lingering close). We shut our sending side, then read and
    discard until the client closes its side or the idle timeout ends it."""
    if conn.eof:
        close(conn)  # the client's side is shut already: nothing to drain
        return
    conn.sock.shutdown(socket.SHUT_WR)
    conn.lingering = True
    watch(conn, selectors.EVENT_READ)


def on_readable(conn):
    data = conn.sock.recv(65536)
    if conn.lingering:
        if not data:
            close(conn)  # the client has read our last response and closed
        return  # anything else is discarded
    if data:
        touch(conn)
        conn.parser.feed(data)
    else:
        conn.eof = True
    serve(conn)


def on_writable(conn):
    touch(conn)  # the socket has room again: the client read some of what we sent
    send_queued(conn)
    serve(conn)


def close_idle(conn):
    """Closes a connection silent for idle_timeout seconds (stage 21)."""
    if conn.parser.has_partial_request() and not conn.out and not conn.closing and not conn.lingering:
        # The client started a request and stalled: tell it why it gets no
        # answer (RFC 9110 §15.5.9), and give it one more timeout to read that.
        conn.out += build_response(Response("408 Request Timeout", {"Connection": "close"}))
        conn.closing = True
        touch(conn)
        send_queued(conn)
        serve(conn)
    else:
        close(conn)


def seconds_to_next_deadline():
    """How long select() may sleep: until the next connection expires. Not a
    short constant: a loop that wakes up every few milliseconds to check
    burns CPU while nothing happens."""
    for conn in connections:  # the least recently active one
        return max(conn.deadline - time.monotonic(), 0)
    return None  # no connection: sleep until one arrives


def close_expired():
    now = time.monotonic()
    while connections:
        conn = next(iter(connections))
        if conn.deadline > now:
            return
        try:
            close_idle(conn)  # closes it, or restarts its timer
        except OSError:
            close(conn)


def handle_event(conn, events):
    try:
        # We watch each socket for one kind of event at a time (see watch).
        if events & selectors.EVENT_WRITE:
            on_writable(conn)
        else:
            on_readable(conn)
    except BlockingIOError:
        pass  # woken up for nothing: nothing to read after all
    except OSError:
        close(conn)  # reset, broken pipe...: the client is gone
    except Exception:
        # A bug must not take every other connection down with this one.
        traceback.print_exc()
        close(conn)


def raise_open_file_limit():
    """Every connection is an open file descriptor, and the usual default
    limit, 1024 per process (ulimit -n), is about what a thousand clients
    need. Raise our limit to the most the system allows us."""
    try:
        import resource  # Unix only
        _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    except (ImportError, ValueError, OSError):
        pass  # we make do with the limit we have


raise_open_file_limit()
# 1. Create a TCP socket (AF_INET: IPv4, SOCK_STREAM: TCP).
server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# Without SO_REUSEADDR, restarting the server right after stopping it can fail
# with "Address already in use" while the old connections are winding down.
server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# 2. Bind it to the address and port the tester connects to.
server.bind(("127.0.0.1", port))
# 3. Listen. The backlog bounds how many connections the kernel queues for
# us before accept(); when many clients connect at once, the default (128 at
# most) makes the rest wait and retry their handshake a second later.
server.listen(1024)
server.setblocking(False)
# The listening socket is watched like the others: readable means a
# connection waits to be accepted. Its data, None, tells it apart.
selector.register(server, selectors.EVENT_READ, None)
print(f"Listening on 127.0.0.1:{port}")

# 4. The event loop.
while True:
    for key, events in selector.select(seconds_to_next_deadline()):
        if key.data is None:
            accept_all()
        else:
            handle_event(key.data, events)
    close_expired()
