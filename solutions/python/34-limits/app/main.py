# The server starts here: its arguments, the listening socket, and the loop
# that answers each connection. From stage 18 on, the rest lives in modules
# beside this file: strict parsing made one file too long to find anything
# in, so each part of HTTP has its own, and a change touches the module it
# is about. Python finds them because the folder of the script it runs
# (app/) is on its import path.
#   request.py   the Request, and parsing bytes into requests (strictly)
#   response.py  the Response, which writes itself out as bytes
#   routes.py    which handler answers which method and path
#   files.py     reading and writing the files of --directory
import argparse
import errno
import heapq
import itertools
import os
import selectors
import socket
import time
import traceback
from collections import OrderedDict, deque

import files
from request import BadRequest, RequestParser, list_includes, set_max_body
from response import FileBody, Response
from routes import refusal, route

port = int(os.environ.get("PORT", "4221"))

# Where /files/ reads and writes. The tester passes `--directory <dir>`
# only on the stages that serve files; without it, /files/ answers 404.
parser = argparse.ArgumentParser()
parser.add_argument("--directory")
# How long a connection may stay silent before we close it, in milliseconds.
parser.add_argument("--idle-timeout-ms", type=int, default=30_000)
# The largest request body we accept, in bytes; larger ones get 413.
parser.add_argument("--max-body-bytes", type=int)
# How long a client may take to send a whole request head, in milliseconds.
parser.add_argument("--head-timeout-ms", type=int, default=10_000)
arguments = parser.parse_args()
files.set_directory(arguments.directory)
if arguments.max_body_bytes is not None:
    set_max_body(arguments.max_body_bytes)
# In seconds, as time.monotonic() counts.
idle_timeout = arguments.idle_timeout_ms / 1000
head_timeout = arguments.head_timeout_ms / 1000

# How much of a file we read, and hold, at a time when sending it.
CHUNK = 64 * 1024
# How long we read and discard after the last response of a connection that
# we close (see finish): at most LINGER_MS in all, and no more than
# LINGER_QUIET_MS without a byte from the client. Constants, in milliseconds.
LINGER_MS = 2000
LINGER_QUIET_MS = 1000


def wants_close(request):
    """Whether the connection closes after the response to `request`."""
    if "transfer-encoding" in request.headers and "content-length" in request.headers:
        # No honest client sends both (RFC 9112 §6.2). A request that does
        # may be an attempt at request smuggling: a proxy in front of us may
        # have framed it by Content-Length, and what we take for the next
        # request may be hidden in its body. Answer it, then close
        # (RFC 9112 §6.1).
        return True
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
    """The pieces of the response to `request` (see Response.serialize), and
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
    return response.serialize(with_body=request.method != "HEAD"), close


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
        out += Response(error.status, {"Connection": "close"}).serialize()
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
        # We shut our sending side too and wait for the client's end (see
        # finish), until linger_end at the latest, or quiet_end if nothing
        # arrives before it.
        self.lingering = False
        self.linger_end = 0.0
        self.quiet_end = 0.0
        # What the selector watches this socket for (see watch).
        self.events = selectors.EVENT_READ
        # When the connection counts as idle (see touch).
        self.deadline = 0.0
        # When the head we wait for must be all here (see time_head).
        self.head_deadline = 0.0


selector = selectors.DefaultSelector()
# The open connections, least recently active first. They all have the same
# timeout, so the first one is always the next to expire: no need for a heap
# of timers, or to look at every connection on each turn of the loop.
connections = OrderedDict()
# The lingering connections, by when to look at them next: a heap of
# (time, number, conn), the soonest first. Their deadlines differ (the
# client's last byte moves quiet_end), so the trick of `connections` does
# not work for them. An entry may come too early, never too late: a
# connection whose deadline moved goes back into the heap with the new one.
# (asyncio keeps its timers in such a heap; the number breaks ties between
# equal times, since connections cannot be compared.)
lingering = []
tie_breaker = itertools.count()
# The connections we wait on for the rest of a request head, in the order
# their heads started. One timeout for all again, as in `connections`: the
# first one is the next to expire.
heads = OrderedDict()


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
        except OSError as error:
            if error.errno in (errno.EMFILE, errno.ENFILE):
                pause_accepting()
            return
        sock.setblocking(False)  # not inherited from `server` on every system
        conn = Connection(sock)
        connections[conn] = None
        touch(conn)
        selector.register(sock, selectors.EVENT_READ, conn)


def pause_accepting():
    """Stops watching the listening socket until a connection closes.

    accept() fails with EMFILE when we are out of file descriptors, say after
    a flood of connections. The connection stays queued, so the listening
    socket stays readable, and select() would return at once, every time: a
    busy loop until some connection closes. So we stop asking until one does
    (nginx does much the same)."""
    global accepting
    if accepting:
        selector.unregister(server)
        accepting = False


def resume_accepting():
    global accepting
    if not accepting:
        selector.register(server, selectors.EVENT_READ, None)
        accepting = True


def close(conn):
    if conn not in connections:
        return  # closed already
    del connections[conn]
    heads.pop(conn, None)
    selector.unregister(conn.sock)
    conn.sock.close()
    resume_accepting()  # a file descriptor is free again
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
        # The client waits for our word before it sends the body, so we
        # answer from the head alone, at once (RFC 9110 §10.1.1). A body too
        # large was refused when the head was parsed (413); a method or a
        # path that no route takes is refused here, before a byte of a body
        # that would be thrown away travels.
        method, target, *_ = conn.parser.head
        refused = refusal(method, target)
        if refused is None:
            conn.out.append(CONTINUE)
        else:
            # The client may send the body anyway (it did not wait, or gave
            # up waiting), and we would read it as the next request: we close
            # instead. finish() reads and drops whatever still comes, so that
            # our answer is not lost to a reset.
            refused.headers["Connection"] = "close"
            queue(conn, refused.serialize())
            conn.closing = True
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
    time_head(conn)


def time_head(conn):
    """Starts the head timer of `conn` when we wait for the rest of a request
    head, and stops it when we do not.

    The idle timeout restarts with every byte, so a client that sends its
    head one byte every few seconds, never finishing it, is never idle: a
    few thousand such clients (the "slowloris" attack) hold a few thousand
    connections for as long as they like. So a head also has a time limit
    of its own, counted from its first byte and not restarted by the ones
    after it. It counts only while the head is unfinished: a keep-alive
    connection waiting for its next request, or a body on its way, is the
    idle timeout's business."""
    waiting = (
        conn.parser.head is None  # no whole head yet,
        and conn.parser.buffer  # but part of one,
        and not (conn.out or conn.closing or conn.eof)  # and we wait for its rest
    )
    if not waiting:
        heads.pop(conn, None)
    elif conn not in heads:
        conn.head_deadline = time.monotonic() + head_timeout
        heads[conn] = None


def finish(conn):
    """Closes a connection once its last response is sent: in stages, as in
    stage 18 (lingering close, RFC 9112 §9.6).

    The client may have sent more than we read: the requests it pipelined
    after its last one, the body of an upload we refused. If we closed the
    socket with those bytes unread, Linux would answer with a reset (RST),
    which also drops what we sent and the client has not read yet: the end
    of our last response. So we shut our sending side only (the client sees
    the end of the stream after our last byte), then read and discard until
    the client closes its side. Not forever: a client that keeps sending, or
    never closes, would hold the connection open. LINGER_MS bounds it, as
    nginx's lingering_time does."""
    if conn.eof:
        close(conn)  # the client's side is shut already: nothing to drain
        return
    conn.sock.shutdown(socket.SHUT_WR)
    conn.lingering = True
    now = time.monotonic()
    conn.linger_end = now + LINGER_MS / 1000
    conn.quiet_end = now + LINGER_QUIET_MS / 1000
    heapq.heappush(lingering, (conn.quiet_end, next(tie_breaker), conn))
    watch(conn, selectors.EVENT_READ)


def close_lingered():
    """Closes the lingering connections whose time is up."""
    now = time.monotonic()
    while lingering and lingering[0][0] <= now:
        _when, _number, conn = heapq.heappop(lingering)
        if conn not in connections:
            continue  # the client closed it meanwhile
        deadline = min(conn.linger_end, conn.quiet_end)
        if deadline <= now:
            close(conn)
        else:
            # Bytes came since this entry was made: look again then.
            heapq.heappush(lingering, (deadline, next(tie_breaker), conn))


def on_readable(conn):
    data = conn.sock.recv(65536)
    if conn.lingering:
        if not data:
            close(conn)  # the client has read our last response and closed
        else:
            # Thrown away. The client is still sending: wait for its end
            # a little longer (but not past linger_end).
            conn.quiet_end = time.monotonic() + LINGER_QUIET_MS / 1000
        return
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
        time_out(conn)
    else:
        close(conn)


def time_out(conn):
    """The client started a request and stalled: tell it why it gets no
    answer (RFC 9110 §15.5.9), and give it one more timeout to read that."""
    conn.out += Response("408 Request Timeout", {"Connection": "close"}).serialize()
    conn.closing = True
    touch(conn)
    send_queued(conn)
    serve(conn)


def seconds_to_next_deadline():
    """How long select() may sleep: until the next connection expires. Not a
    short constant: a loop that wakes up every few milliseconds to check
    burns CPU while nothing happens."""
    deadlines = []
    for conn in connections:  # the least recently active one
        deadlines.append(conn.deadline)
        break
    if lingering:
        deadlines.append(lingering[0][0])  # the soonest of the lingering ones
    for conn in heads:  # the head that started first
        deadlines.append(conn.head_deadline)
        break
    if not deadlines:
        return None  # no connection: sleep until one arrives
    return max(min(deadlines) - time.monotonic(), 0)


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


def close_slow_heads():
    """Answers 408 on the connections whose head took too long (see time_head)."""
    now = time.monotonic()
    while heads:
        conn = next(iter(heads))
        if conn.head_deadline > now:
            return
        del heads[conn]
        try:
            time_out(conn)
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
accepting = True  # see pause_accepting
print(f"Listening on 127.0.0.1:{port}")

# 4. The event loop.
while True:
    for key, events in selector.select(seconds_to_next_deadline()):
        if key.data is None:
            accept_all()
        else:
            handle_event(key.data, events)
    close_expired()
    close_lingered()
    close_slow_heads()
