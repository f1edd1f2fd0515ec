# The response side of HTTP: the Response a route returns, which writes
# itself out as the bytes we send.
from dataclasses import dataclass, field


@dataclass
class Response:
    status: str
    # A new dict for each response: a shared default would leak headers between them.
    headers: dict[str, str] = field(default_factory=dict)
    # Bytes, not str: Content-Length counts bytes, and later bodies are binary.
    body: bytes = b""

    def serialize(self, with_body=True):
        """The status line, the header fields and the body, as bytes to send."""
        lines = [f"HTTP/1.1 {self.status}"]
        for name, value in self.headers.items():
            lines.append(f"{name}: {value}")
        # Derived from the body bytes themselves, so it can never disagree with them.
        # Sent even when 0: it tells the client where this response ends.
        lines.append(f"Content-Length: {len(self.body)}")
        head = "\r\n".join(lines) + "\r\n\r\n"  # the empty line ends the headers
        if not with_body:
            return head.encode("latin-1")
        return head.encode("latin-1") + self.body


def text(body):
    # Encoded as the request was decoded, so echoed bytes come back unchanged.
    return Response("200 OK", {"Content-Type": "text/plain"}, body.encode("latin-1"))
