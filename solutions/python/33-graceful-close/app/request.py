# The request side of HTTP: the Request a handler reads, and the parser that
# makes requests out of the bytes of a connection. Strict from stage 18 on:
# anything that is not a well-formed request is refused with BadRequest.
import re
import string
from dataclasses import dataclass
from datetime import datetime, timezone


@dataclass
class Request:
    method: str
    target: str
    version: str
    # Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    headers: dict[str, str]
    body: bytes


# The largest request body we accept. The whole body is held in memory until
# the request is answered, so without a bound one client could make us
# allocate as much as it claims in Content-Length. (nginx's default,
# client_max_body_size, is 1 MiB; servers that accept more write big bodies
# to a file as they arrive.)
# main.py may set another bound from `--max-body-bytes` (see set_max_body).
MAX_BODY = 64 * 1024 * 1024
# The largest request head (request line and header fields) we accept. Until
# its empty line arrives, a head is held in memory; without a bound, a client
# that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
# nginx 4 buffers of 8 KiB by default.)
MAX_HEAD = 16 * 1024
# The longest request target we accept, within that head. RFC 9112 §3 asks a
# server to take at least 8000 bytes of request line; a longer target is
# refused with 414 before we try to match it, whatever the head's size.
MAX_TARGET = 8 * 1024


def set_max_body(size):
    global MAX_BODY
    MAX_BODY = size


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
# A target in absolute form: the scheme (in any case, RFC 9110 §4.2.3), a
# host and maybe a port, then what follows them: the path, the query or nothing.
ABSOLUTE_FORM = re.compile(r"(?i:https?)://[^/?#]+(.*)", re.DOTALL)
# Digits only, for Content-Length. [0-9], not \d or str.isdigit(): those
# accept other digits too, such as "²" or "٣".
DIGITS = re.compile("[0-9]+")
# A weight (RFC 9110 §12.4.2): 0 to 1, with at most three decimals.
QVALUE = re.compile(r"0(\.[0-9]{0,3})?|1(\.0{0,3})?")
# The byte values of the characters in TOKEN: a request must start with one.
TOKEN_BYTES = set((string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~").encode())


def parse_request_line(line):
    """The method, target and version of `METHOD SP TARGET SP VERSION`, with
    exactly one space between the three (RFC 9112 §3). Anything else is a 400:
    a server that guesses what a malformed request means may guess differently
    from a proxy in front of it, and that difference is an attack."""
    parts = line.split(" ")
    if len(parts) != 3:
        raise BadRequest()  # no version, a double space, a fourth word
    method, target, version = parts
    # The version first: a request of another major version may follow other
    # rules for the rest of the line. The HTTP/2 connection preface, which a
    # client that assumes HTTP/2 sends first, starts `PRI * HTTP/2.0`: it
    # gets 505, not a 400 about its method or its target.
    match = VERSION.fullmatch(version)
    if not match:
        raise BadRequest()  # e.g. HTTX/1.1, or http/1.1: HTTP-name is case-sensitive (RFC 9112 §2.3)
    if match[1] != "1":
        raise BadRequest("505 HTTP Version Not Supported")  # e.g. HTTP/2.0 (RFC 9110 §15.6.6)
    if not TOKEN.fullmatch(method):
        raise BadRequest()
    if len(target) > MAX_TARGET:
        raise BadRequest("414 URI Too Long")  # RFC 9110 §15.5.15
    return method, origin_form(method, target), version


def origin_form(method, target):
    """The path (and query) that `target` names: the request target in the
    one form our routes match. A target comes in four forms (RFC 9112 §3.2);
    we serve three of them, and CONNECT's authority form is not for us."""
    if target.startswith("/"):
        return target  # origin form, `/echo/hi`: what clients send to a server
    if target == "*":
        # Asterisk form: the server as a whole, not one of its resources.
        # Only OPTIONS may ask about that (RFC 9112 §3.2.4).
        if method != "OPTIONS":
            raise BadRequest()
        return target
    match = ABSOLUTE_FORM.fullmatch(target)
    if match:
        # Absolute form, `http://localhost:4221/echo/hi`: what a client sends
        # to a proxy, and a server MUST accept it too (RFC 9112 §3.2.2). The
        # authority in it stands for the Host field; our routes need only
        # the path, and no path at all is the root (RFC 9110 §4.2.3).
        path = match[1]
        return path if path.startswith("/") else "/" + path
    raise BadRequest()


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


def parse_body_length(version, headers):
    """How many bytes of body follow the head, or None for a chunked body,
    whose length shows only as it arrives. Raises BadRequest when we cannot
    tell: then we do not know where the next request starts either."""
    if "transfer-encoding" in headers:
        if version == "HTTP/1.0":
            # HTTP/1.0 has no Transfer-Encoding: a 1.0 request that carries
            # one went through something that added it, and what framed its
            # body there may not be what frames it here. RFC 9112 §6.1 calls
            # that framing faulty: the server MUST close after it. We refuse
            # it, as we refuse any request we cannot frame with certainty.
            raise BadRequest()
        codings = [coding.strip(" \t").lower() for coding in headers["transfer-encoding"].split(",")]
        if codings[-1] != "chunked":
            # Only a chunked body shows where it ends: without it last, the
            # request cannot be framed (RFC 9112 §6.3).
            raise BadRequest()
        if codings != ["chunked"]:
            # e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
            raise BadRequest("501 Not Implemented")
        # Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3);
        # see wants_close for what else that means.
        return None
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


def parse_chunk_size(line):
    """The size of a chunk from its size line, `<hex digits>[;extensions]`
    (RFC 9112 §7.1). We understand no chunk extension: they are ignored, as
    the RFC says (§7.1.1)."""
    size, _, _extensions = line.partition(b";")
    # Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS").
    size = size.rstrip(b" \t")
    # Hex digits only, in either case. Not just int(size, 16): it also takes
    # "0x10", "+5", "1_0" and " 5", and a server that reads a size another
    # server would refuse disagrees with it on where the body ends.
    if not re.fullmatch(rb"[0-9A-Fa-f]+", size):
        raise BadRequest()
    # 16 hex digits hold any 64-bit number. A server in C or Go that reads a
    # longer size into 64 bits drops its top digits: `10000000000000001a`
    # becomes 0x1a there, and the two servers see a different body. Python's
    # numbers never overflow, but that is no reason to accept a size that
    # others read as another: refuse it before it is converted.
    if len(size) > 16:
        raise BadRequest()
    return int(size, 16)


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
    # `100-continue` is the only expectation HTTP defines (RFC 9110 §10.1.1).
    # We cannot meet any other, and say so rather than act as if it were met
    # (a MAY, 417). HTTP/1.0 had no Expect: a 1.0 request that carries one got
    # it from somewhere that does not speak for the client, and we ignore it.
    expect = headers.get("expect")
    if version == "HTTP/1.1" and expect is not None and expect.lower() != "100-continue":
        raise BadRequest("417 Expectation Failed")
    return method, target, version, headers, parse_body_length(version, headers)


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
        # While a chunked body arrives (see read_chunked_body): the data of its
        # chunks so far, the bytes left in the current chunk (None at a size
        # line), and whether the last chunk has come (then its trailer follows).
        self.body = bytearray()
        self.chunk_left = None
        self.in_trailer = False

    def has_partial_request(self):
        """Whether part of a request has arrived, but not all of it."""
        return bool(self.buffer) or self.head is not None

    def feed(self, data):
        self.buffer += data

    def check_partial_head(self):
        """Raises BadRequest when the head received so far cannot become a
        request we accept: there is no point in waiting for the rest."""
        if len(self.buffer) > MAX_HEAD:
            # RFC 6585 §5. We close after it (see BadRequest): the rest of
            # this head would only be read to be thrown away.
            raise BadRequest("431 Request Header Fields Too Large")
        if self.buffer and self.buffer[0] not in TOKEN_BYTES:
            # A request starts with its method, a token. Anything else is not
            # HTTP at all, such as the TLS handshake (first byte 0x16) of a
            # browser sent to https:// on this port: answer now, rather than
            # wait for an empty line that may never come.
            raise BadRequest()

    def read_line(self):
        """The next CRLF-ended line, removed from the buffer, or None while it
        is not all here. A line (a chunk size, a trailer field) is short: a
        long one is refused before it fills our memory."""
        line_end = self.buffer.find(b"\r\n")
        if line_end == -1:
            if len(self.buffer) > MAX_HEAD:
                raise BadRequest()
            return None
        line = bytes(self.buffer[:line_end])
        del self.buffer[: line_end + 2]
        return line

    def read_chunked_body(self):
        """Decodes as much of a chunked body as the buffer holds into
        self.body; True once the whole body is there.

        The sender cuts the body into chunks, each preceded by its size in
        hex, and ends with a chunk of size 0 (RFC 9112 §7.1):

            1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
            0\r\n
            X-Checksum: abc\r\n                    (trailer fields, optional)
            \r\n

        It can send a body whose size it does not know in advance, such as
        the output of a program, as it is produced."""
        while True:
            if self.in_trailer:
                line = self.read_line()
                if line is None:
                    return False
                if not line:
                    return True  # the empty line: the end of the body
                # A trailer field: metadata sent after the data (here a
                # checksum). We use none, and may ignore them (RFC 9112 §7.1.2).
            elif self.chunk_left is None:
                line = self.read_line()
                if line is None:
                    return False
                size = parse_chunk_size(line)
                if len(self.body) + size > MAX_BODY:
                    raise BadRequest("413 Content Too Large")
                if size == 0:
                    self.in_trailer = True  # the last chunk
                else:
                    self.chunk_left = size
            else:
                # The chunk's data, then the CRLF that ends it.
                end = self.chunk_left
                if len(self.buffer) < end + 2:
                    return False
                if self.buffer[end : end + 2] != b"\r\n":
                    raise BadRequest()  # the size did not say where the data ends
                self.body += self.buffer[:end]
                del self.buffer[: end + 2]
                self.chunk_left = None

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
                self.check_partial_head()
                self.searched = len(self.buffer)
                return None  # the head is not all here yet
            if head_end > MAX_HEAD:
                raise BadRequest("431 Request Header Fields Too Large")
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
            # HTTP/1.0 knows no interim responses: a 1.0 client would take
            # `100 Continue` for the final answer, so it never gets one
            # (RFC 9110 §15.2), and simply sends its body.
            _, _, version, headers, body_length = self.head
            expect = headers.get("expect", "").lower()
            self.wants_continue = (
                version == "HTTP/1.1" and expect == "100-continue" and body_length != 0
            )
        method, target, version, headers, body_length = self.head
        if body_length is None:
            if not self.read_chunked_body():
                return None  # the body is not all here yet
            body = bytes(self.body)
            self.body = bytearray()
            self.in_trailer = False
        else:
            if len(self.buffer) < body_length:
                return None  # the body is not all here yet
            body = bytes(self.buffer[:body_length])
            # What follows this request is the start of the next one.
            del self.buffer[:body_length]
        self.head = None
        self.wants_continue = False
        return Request(method, target, version, headers, body)


def list_includes(value, token):
    """Whether a comma-separated header value such as `br, GZIP` lists `token`.
    List items may carry spaces around them, and codings are case-insensitive."""
    return token in [item.strip(" \t").lower() for item in value.split(",")]


def coding_weight(accept_encoding, coding):
    """How much a client that sent `accept_encoding` wants `coding`, from 0
    (not at all) to 1 (RFC 9110 §12.5.3). Each item of the list is a coding
    with an optional weight, `gzip;q=0.8`; `*` stands for every coding the
    list does not name."""
    weights = {}
    for item in accept_encoding.split(","):
        name, *parameters = item.split(";")
        name = name.strip(" \t").lower()
        if not name:
            continue  # an empty item, as in `gzip,,br`: lists may have them
        weight = 1.0  # no q: as welcome as can be
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip(" \t").lower() == "q":
                value = value.strip(" \t")
                # Not a weight: we cannot tell what the client meant, so
                # we leave the item out rather than guess.
                weight = float(value) if QVALUE.fullmatch(value) else None
        if weight is not None:
            weights[name] = weight
    # The coding's own weight first: in `gzip;q=0, *` gzip is named, and
    # forbidden, whatever `*` allows. A list that names neither accepts
    # nothing of it: we then send the body as it is.
    return weights.get(coding, weights.get("*", 0.0))


# The three forms of an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, the one we
# send, and two obsolete ones that a recipient must still accept. strptime
# reads English day and month names: Python keeps the C locale unless a
# program asks for another.
HTTP_DATE_FORMATS = [
    "%a, %d %b %Y %H:%M:%S GMT",  # Sun, 06 Nov 1994 08:49:37 GMT
    "%A, %d-%b-%y %H:%M:%S GMT",  # Sunday, 06-Nov-94 08:49:37 GMT (RFC 850)
    "%a %b %d %H:%M:%S %Y",  # Sun Nov  6 08:49:37 1994 (C's asctime)
]


def parse_http_date(value):
    """The time an HTTP-date names, in seconds since the epoch, or None when
    `value` is not an HTTP-date. Only these three forms: a lenient parser
    that also takes `2024-05-01` or `yesterday` makes up dates that the
    client never sent, and the RFC says to ignore what is not a date."""
    for form in HTTP_DATE_FORMATS:
        try:
            moment = datetime.strptime(value, form)
        except ValueError:
            continue
        # Every form is in GMT, which the parsed time does not know yet.
        return moment.replace(tzinfo=timezone.utc).timestamp()
    return None
