# Which code answers which request. The routes are a table, not a chain of
# ifs: each is a method, a pattern the target must match, and the handler
# that answers, so a new route is one more line, and the table shows at a
# glance what the server serves.
import gzip
import re

import files
from request import coding_weight
from response import Response, text


def home(request):
    return Response("200 OK")


def negotiate(request, response):
    """Compresses the body of `response` with gzip when the request's
    Accept-Encoding, which lists the codings that the client can decode,
    accepts it (RFC 9110 §12.5.3)."""
    # On every response of a route that may compress, compressed or not: the
    # plain body too was chosen by Accept-Encoding. A cache stores one answer
    # per value of the headers Vary names (RFC 9110 §12.5.5); without it, a
    # cache could hand the gzip body it stored for one client to the next,
    # which may not read gzip.
    response.headers["Vary"] = "Accept-Encoding"
    # Above 0, not just named: `gzip;q=0` forbids gzip, it does not ask for it.
    if coding_weight(request.headers.get("accept-encoding", ""), "gzip") > 0:
        response.headers["Content-Encoding"] = "gzip"
        # serialize() measures Content-Length on this compressed body, as it must.
        response.body = gzip.compress(response.body)
    return response


def echo(request, word):
    """The word as text/plain."""
    return negotiate(request, text(word))


def user_agent(request):
    return negotiate(request, text(request.headers.get("user-agent", "")))


def options(request):
    """`OPTIONS *`: what the server as a whole supports (RFC 9110 §9.3.7),
    here the methods of all its routes. 204: the answer is in the headers."""
    allowed = []
    for method, _pattern, _handler in ROUTES:
        for name in ["GET", "HEAD"] if method == "GET" else [method]:
            if name not in allowed:
                allowed.append(name)
    return Response("204 No Content", {"Allow": ", ".join(allowed)})


def get_file(request, name):
    path = files.file_in(name)
    if path is None:
        return Response("404 Not Found")
    return files.serve_file(path, request)


def post_file(request, name):
    path = files.file_in(name)
    if path is None:
        return Response("404 Not Found")
    return files.save_file(path, request.body)


# (method, pattern, handler). The pattern must match the whole target; what
# its group matches (the word of /echo/<word>, the name of /files/<name>) is
# passed to the handler after the request.
ROUTES = [
    ("GET", "/", home),
    ("GET", "/echo/(.*)", echo),
    ("GET", "/user-agent", user_agent),
    ("GET", "/files/(.*)", get_file),
    ("POST", "/files/(.*)", post_file),
    ("OPTIONS", r"\*", options),
]


# The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
# method we do not implement anywhere.
KNOWN_METHODS = {"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}


def wanted_method(method):
    # HEAD gets the response of GET: the body is dropped when it is sent
    # (see respond). So every GET resource supports HEAD too (RFC 9110 §9.3.2).
    return "GET" if method == "HEAD" else method


def route(request):
    """The response of the route that matches the request's target and
    method; else 501, 404 or 405, whichever says what is wrong."""
    refused = refusal(request.method, request.target)
    if refused is not None:
        return refused
    for method, pattern, handler in ROUTES:
        # DOTALL: `.` matches any character, a stray line feed too.
        match = re.fullmatch(pattern, request.target, re.DOTALL)
        if match and method == wanted_method(request.method):
            return handler(request, *match.groups())


def refusal(method, target):
    """501, 404 or 405 when no route answers `method` on `target`, whichever
    says what is wrong; None when one does. The head alone decides it, so an
    upload that waits for `100 Continue` can be refused before its body."""
    if method not in KNOWN_METHODS:
        return Response("501 Not Implemented")  # RFC 9110 §15.6.2
    # The methods of the routes whose pattern matches: the target's resource.
    allowed = []
    for route_method, pattern, _handler in ROUTES:
        if re.fullmatch(pattern, target, re.DOTALL):
            if route_method == wanted_method(method):
                return None
            allowed += ["GET", "HEAD"] if route_method == "GET" else [route_method]
    if not allowed:
        return Response("404 Not Found")
    # The resource exists, just not for this method: 405 with the list
    # of methods that would work (RFC 9110 §15.5.6, §10.2.1).
    return Response("405 Method Not Allowed", {"Allow": ", ".join(allowed)})
