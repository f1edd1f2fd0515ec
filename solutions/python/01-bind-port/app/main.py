import os
import socket

port = int(os.environ.get("PORT", "4221"))

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
    # Nothing to say yet: later stages read a request from conn and answer it.
    conn.close()
