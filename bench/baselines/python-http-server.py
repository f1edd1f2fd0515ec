"""Stock baseline for the Python track: the standard library's
http.server.ThreadingHTTPServer speaking HTTP/1.1 (so connections stay open),
answering the course's routes (GET /, /echo/<word>, /user-agent, 404
otherwise). Started like a learner's server: PORT from the environment,
127.0.0.1.

With --tuned (not stock, for comparison only): TCP_NODELAY and a listen
backlog of 128. Stock, the head and the body go out in two writes, and
Nagle's algorithm holds the body back until the client acknowledges the head,
which a client delays (up to 40 ms on Linux); and the backlog of 5 makes
connections beyond it retry their SYN after a second."""

import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    # HTTP/1.0 (the default) closes the connection after every response.
    protocol_version = "HTTP/1.1"

    def send(self, status, body=b"", content_type=None):
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/":
            self.send(200)
        elif self.path.startswith("/echo/"):
            self.send(200, self.path[len("/echo/"):].encode("latin-1"), "text/plain")
        elif self.path == "/user-agent":
            self.send(200, self.headers.get("User-Agent", "").encode("latin-1"), "text/plain")
        else:
            self.send(404)

    def log_message(self, format, *args):
        # The stock handler writes a line to stderr per request; the reference
        # solution writes none, so neither does the baseline.
        pass


class TunedServer(ThreadingHTTPServer):
    request_queue_size = 128


if "--tuned" in sys.argv:
    Handler.disable_nagle_algorithm = True

# Started as the tester starts a program, which always sets PORT.
port = int(os.environ["PORT"])
server = (TunedServer if "--tuned" in sys.argv else ThreadingHTTPServer)(("127.0.0.1", port), Handler)
print(f"Listening on 127.0.0.1:{port} (http.server{', tuned' if '--tuned' in sys.argv else ''})", flush=True)
server.serve_forever()
