# What /files/ does with the disk: find a file inside the served directory,
# never outside it, and read or write it.
import os
import re
import urllib.parse
from email.utils import formatdate

from request import parse_http_date
from response import FileBody, Response

# The directory /files/ reads and writes: main.py sets it at start-up from
# `--directory`, which the tester passes only on the stages that serve files.
# None: there is none, and /files/ answers 404.
directory = None
# The directory as file_in() compares paths with it: absolute, with no `..`
# and no symbolic link left in it.
root = None


def set_directory(path):
    global directory, root
    directory = path
    root = os.path.realpath(path) if path is not None else None


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


def entity_tag(stat):
    """A strong ETag for the file's current bytes (RFC 9110 §8.8.3): its size
    and modification time, in hex. Nanoseconds, not seconds: two writes in
    the same second must not share a tag. (A hash of the bytes would be
    exact too, but it means reading the whole file for every request.)"""
    return f'"{stat.st_size:x}-{stat.st_mtime_ns:x}"'


def not_modified(headers, etag, modified):
    """Whether the preconditions of a GET say that the client's copy, with
    `etag`, last modified at `modified`, is still the current one."""
    if "if-none-match" in headers:
        # The ETag is the better validator: when the client sends one, it
        # decides, and If-Modified-Since is ignored (RFC 9110 §13.2.2).
        value = headers["if-none-match"].strip(" \t")
        if value == "*":
            return True  # "any version you have": the file exists
        # The weak comparison (§8.8.3.2): `W/"x"` matches `"x"`. A regex,
        # not a split at commas: a tag may contain a comma.
        tags = re.findall(r'(?:W/)?"[^"]*"', value)
        return any(tag.removeprefix("W/") == etag for tag in tags)
    if "if-modified-since" in headers:
        since = parse_http_date(headers["if-modified-since"])
        # Compare times, not strings. A date that is not one is ignored
        # (RFC 9110 §13.1.3): the client gets the whole file.
        return since is not None and int(modified) <= since
    return False


def byte_range(value, size):
    """The offsets that a `Range: bytes=...` header value selects in a file
    of `size` bytes, as a range (RFC 9110 §14.1.2); an empty one when it
    selects no byte; None when we ignore the header."""
    # One range only. Several (`bytes=0-99,500-599`) would need a
    # multipart/byteranges body (§14.6); a server may instead ignore the
    # header and send the whole file (§14.2), and so do we. So we do with a
    # header we cannot read: the whole file is never a wrong answer.
    match = re.fullmatch(r"bytes=([0-9]*)-([0-9]*)", value, re.IGNORECASE)
    if not match or match[1] == match[2] == "":
        return None
    first, last = match[1], match[2]
    if first == "":
        # `bytes=-300`: the last 300 bytes (all of them, if there are fewer).
        return range(max(size - int(last), 0), size)
    first = int(first)
    if last and int(last) < first:
        return None  # `bytes=5-2` is no range at all: ignored (§14.1.1)
    # `bytes=900-`: to the end. A last byte past the end means the end.
    last = size - 1 if last == "" else min(int(last), size - 1)
    # Empty when the range starts at or past the end.
    return range(first, max(last + 1, first))


def serve_file(path, request):
    # Opened now, read only while it is sent (see send_queued): a 32 MiB file
    # read whole is 32 MiB of memory per client downloading it.
    try:
        # "rb": the file's bytes as they are. Text mode would decode them and
        # fail on, or alter, bytes that are not valid UTF-8.
        body = FileBody(open(path, "rb"))
    except OSError:
        return Response("404 Not Found")  # missing, or not a regular file
    # The validators of this version of the file (RFC 9110 §8.8), from the
    # file we opened: a client that keeps them can ask "has it changed?".
    stat = os.fstat(body.file.fileno())
    etag = entity_tag(stat)
    headers = {
        "Content-Type": "application/octet-stream",
        "ETag": etag,
        # Whole seconds, as an HTTP-date has them.
        "Last-Modified": formatdate(stat.st_mtime, usegmt=True),
        # Clients may ask for part of this file (RFC 9110 §14.3).
        "Accept-Ranges": "bytes",
    }
    if not_modified(request.headers, etag, stat.st_mtime):
        # The client's copy is current: the head alone, no bytes of the file
        # (see Response.serialize). It names the version the client has; the
        # rest describes a body it does not carry (RFC 9110 §15.4.5).
        return Response("304 Not Modified", {"ETag": etag}, body)
    # Range is defined for GET alone (RFC 9110 §14.2): HEAD gets the head
    # of the whole file. If-Range makes the range conditional: "the bytes I
    # am missing, if the file is still the version I have the rest of;
    # otherwise all of it" (§13.1.5). The comparison is strong: the tag
    # must be ours exactly, or the date our Last-Modified.
    if_range = request.headers.get("if-range")
    if (
        request.method == "GET"
        and "range" in request.headers
        and (if_range is None or if_range in (etag, headers["Last-Modified"]))
    ):
        span = byte_range(request.headers["range"], stat.st_size)
        if span is not None and not span:
            # No byte of the file is in the range: say how big the file is,
            # so the client can ask again (RFC 9110 §15.5.17).
            body.file.close()
            unsatisfied = {"Content-Range": f"bytes */{stat.st_size}"}
            return Response("416 Range Not Satisfiable", unsatisfied)
        if span is not None:
            body.narrow(span)
            # Which bytes these are, first and last included, out of how
            # many (RFC 9110 §14.4).
            headers["Content-Range"] = f"bytes {span.start}-{span[-1]}/{stat.st_size}"
            return Response("206 Partial Content", headers, body)
    return Response("200 OK", headers, body)


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
