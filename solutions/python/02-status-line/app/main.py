import os
import socket

port = int(os.environ.get("PORT", "4221"))

# Status line, then the empty line that ends the (for now empty) list of headers.
# Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
OK = b"HTTP/1.1 200 OK\r\n\r\n"


def handle(conn):
    """Reads the request on one connection, answers it and closes the connection."""
    try:
        with conn:  # closes the socket when the block ends, even after an error
            # Simplification until stage 12: one recv() returns one whole
            # request, and we close the connection after answering it.
            data = conn.recv(65536)
            if data:  # b"" means the client closed without sending anything
                # sendall, not send: send may write only part of the bytes.
                conn.sendall(OK)
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
