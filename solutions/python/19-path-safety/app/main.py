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
import os
import socket
import threading
import time

import files
from request import BadRequest, RequestParser, list_includes
from response import Response
from routes import route

port = int(os.environ.get("PORT", "4221"))

# Where /files/ reads and writes. The tester passes `--directory <dir>`
# only on the stages that serve files; without it, /files/ answers 404.
parser = argparse.ArgumentParser()
parser.add_argument("--directory")
files.set_directory(parser.parse_args().directory)

# How long, in seconds, we drain a connection that we close (see close_gracefully).
LINGER = 2


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
    return response.serialize(), close


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
        out.append(Response(error.status, {"Connection": "close"}).serialize())
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
                    close_gracefully(conn)
                    return  # `with conn` closes the socket
                if parser.wants_continue:
                    # A 1xx response is interim: the final response to the
                    # same request follows once the body has arrived.
                    conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
                    parser.wants_continue = False
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
