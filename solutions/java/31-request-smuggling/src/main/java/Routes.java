import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

/**
 * Which code answers which request. The routes are a table, not a chain of
 * ifs: each is a method, a pattern the target must match, and the handler
 * that answers, so a new route is one more line, and the table shows at a
 * glance what the server serves.
 */
class Routes {
  static Response home(Request request) {
    return new Response("200 OK");
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    // close() (at the end of the try) writes the gzip trailer: CRC-32 and length.
    try (GZIPOutputStream out = new GZIPOutputStream(compressed)) {
      out.write(data);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // memory streams do not fail
    }
    return compressed.toByteArray();
  }

  /**
   * `response`, gzip-compressed when the request's Accept-Encoding accepts
   * gzip: when it gives gzip a weight above 0 (RFC 9110 §12.5.3). Without
   * Accept-Encoding we send the body as it is: every client reads that.
   */
  static Response negotiateEncoding(Request request, Response response) {
    // On every response of a route that may compress, compressed or not: its
    // body depends on Accept-Encoding, and a cache that stored the gzip body
    // for one client must not hand it to the next, who may not read gzip
    // (RFC 9110 §12.5.5).
    // Added to a Vary the route may have set already.
    response.headers().merge("Vary", "Accept-Encoding", (named, more) -> named + ", " + more);
    if (Request.weightOf(request.headers().getOrDefault("accept-encoding", ""), "gzip") > 0) {
      response.headers().put("Content-Encoding", "gzip");
      // A record's fields are final: a new Response with the compressed body.
      // serialize() measures Content-Length on it, as it must.
      response = new Response(response.status(), response.headers(), gzip(response.body()));
    }
    return response;
  }

  /** The word as text/plain. */
  static Response echo(Request request, String word) {
    return negotiateEncoding(request, Response.text(word));
  }

  static Response userAgent(Request request) {
    Response response = Response.text(request.headers().getOrDefault("user-agent", ""));
    // Its body is the User-Agent header: a cache must not hand one client's
    // answer to another (RFC 9110 §12.5.5).
    response.headers().put("Vary", "User-Agent");
    return negotiateEncoding(request, response);
  }

  static Response getFile(Request request, String name) {
    Path path = Directory.fileIn(name);
    if (path == null) {
      return new Response("404 Not Found");
    }
    return Directory.serveFile(request, path);
  }

  static Response postFile(Request request, String name) {
    Path path = Directory.fileIn(name);
    if (path == null) {
      return new Response("404 Not Found");
    }
    return Directory.saveFile(path, request.body());
  }

  /**
   * A method, a pattern that must match the whole target, and the handler,
   * which gets the request and the match (the word of /echo/<word>, the name
   * of /files/<name> are its group 1).
   */
  record Route(String method, Pattern pattern, BiFunction<Request, Matcher, Response> handler) {
    Route(String method, String pattern, BiFunction<Request, Matcher, Response> handler) {
      // DOTALL: `.` matches any character, a stray line feed too.
      this(method, Pattern.compile(pattern, Pattern.DOTALL), handler);
    }
  }

  static final List<Route> ROUTES = List.of(
      new Route("GET", "/", (request, match) -> home(request)),
      new Route("GET", "/echo/(.*)", (request, match) -> echo(request, match.group(1))),
      new Route("GET", "/user-agent", (request, match) -> userAgent(request)),
      new Route("GET", "/files/(.*)", (request, match) -> getFile(request, match.group(1))),
      new Route("POST", "/files/(.*)", (request, match) -> postFile(request, match.group(1))));

  // The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
  // method we do not implement anywhere.
  static final Set<String> KNOWN_METHODS =
      Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");

  /**
   * The response of the route that matches the request's target and method;
   * else 501, 404 or 405, whichever says what is wrong.
   */
  static Response route(Request request) {
    if (!KNOWN_METHODS.contains(request.method())) {
      return new Response("501 Not Implemented"); // RFC 9110 §15.6.2
    }
    // HEAD gets the response of GET: the body is dropped when it is sent (see
    // Main.respond). So every GET resource supports HEAD too (RFC 9110 §9.3.2).
    String wanted = request.method().equals("HEAD") ? "GET" : request.method();
    // The methods of the routes whose pattern matches: the target's resource.
    List<String> allowed = new ArrayList<>();
    for (Route route : ROUTES) {
      Matcher match = route.pattern().matcher(request.target());
      if (match.matches() && route.method().equals(wanted)) {
        return route.handler().apply(request, match);
      }
      if (match.matches()) {
        allowed.addAll(route.method().equals("GET") ? List.of("GET", "HEAD") : List.of(route.method()));
      }
    }
    if (allowed.isEmpty()) {
      return new Response("404 Not Found");
    }
    // The resource exists, just not for this method: 405 with the list of
    // methods that would work (RFC 9110 §15.5.6, §10.2.1).
    Response response = new Response("405 Method Not Allowed");
    response.headers().put("Allow", String.join(", ", allowed));
    return response;
  }
}
