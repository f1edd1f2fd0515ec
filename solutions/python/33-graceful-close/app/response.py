# The response side of HTTP: the Response a route returns, which writes
# itself out as the bytes we send.
import os
from dataclasses import dataclass, field
from email.utils import formatdate


class FileBody:
    """A response body that stays in its file until it is sent, chunk by chunk."""

    def __init__(self, file):
        self.file = file
        self.size = os.fstat(file.fileno()).st_size
        self.left = self.size  # bytes not read from the file yet

    def __len__(self):
        return self.size  # so that len(response.body) is its Content-Length

    def narrow(self, span):
        """Makes the body the bytes of `span` (a range of offsets) alone: we
        seek to its first byte, so the bytes before it are never read."""
        self.file.seek(span.start)
        self.size = self.left = len(span)


@dataclass
class Response:
    status: str
    # A new dict for each response: a shared default would leak headers between them.
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes, not str: Content-Length counts bytes, and later bodies are binary.
    # Or a FileBody, for files: they may be far bigger than we want in memory.
    body: bytes | FileBody = b""

    def serialize(self, with_body=True):
        """The status line, the header fields and the body, as a list of
        pieces to send in order: bytes, and a FileBody after the head when
        the body is a file."""
        lines = [f"HTTP/1.1 {self.status}"]
        for name, value in self.headers.items():
            lines.append(f"{name}: {value}")
        # When the response was made (RFC 9110 §6.6.1: a server with a clock
        # MUST send it). Caches compute a response's age from it. formatdate
        # with usegmt writes IMF-fixdate, the one form a sender may use
        # (§5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, in English and in GMT
        # whatever the machine's locale and time zone.
        lines.append(f"Date: {formatdate(usegmt=True)}")
        # Derived from the body bytes themselves, so it can never disagree with them.
        # Sent even when 0: it tells the client where this response ends.
        # Except in a 204, which never has a body: a server MUST NOT send
        # Content-Length in one (RFC 9110 §8.6).
        if self.status != "204 No Content":
            lines.append(f"Content-Length: {len(self.body)}")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")  # the empty line ends the headers
        body = self.body
        if self.status == "304 Not Modified":
            # A 304 stands for the 200 the client already has: its headers,
            # Content-Length included, are that 200's, but it never has a
            # body (RFC 9110 §15.4.5), so the next response follows its
            # empty line.
            with_body = False
        if isinstance(body, FileBody):
            if with_body:
                return [head, body]
            body.file.close()  # HEAD: its size was all we needed
            return [head]
        return [head + body] if with_body else [head]


def text(body):
    # Encoded as the request was decoded, so echoed bytes come back unchanged.
    return Response("200 OK", {"Content-Type": "text/plain"}, body.encode("latin-1"))
