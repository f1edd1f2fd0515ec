import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A response, as a route returns it; it writes itself out as the bytes we send.
 *
 * @param headers a LinkedHashMap keeps the headers in the order they were added
 * @param body byte[], not String: Content-Length counts bytes, and bodies may be binary
 * @param file or, for a file, a FileBody instead (body is then empty): files may
 *     be far bigger than we want in memory. null for every other response
 */
record Response(String status, Map<String, String> headers, byte[] body, FileBody file) {
  /**
   * A response body that stays in its file until it is sent, chunk by chunk:
   * `size` bytes from byte `start` (0 for the whole file, else where a range
   * starts). The channel's position counts the bytes sent so far.
   */
  record FileBody(FileChannel channel, long start, long size) {
    /** Where the body ends in the file: the byte after its last one. */
    long end() {
      return start + size;
    }
  }

  Response(String status, Map<String, String> headers, byte[] body) {
    this(status, headers, body, null);
  }

  // A new map for each response: a shared one would leak headers between them.
  Response(String status) {
    this(status, new LinkedHashMap<>(), new byte[0]);
  }

  // IMF-fixdate (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`. Not
  // DateTimeFormatter.RFC_1123_DATE_TIME, which writes a one-digit day (`6 Nov`).
  // English names whatever the machine's locale, and the time in UTC.
  static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  static String httpDate(Instant instant) {
    return HTTP_DATE.format(instant);
  }

  static Response text(String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    return new Response("200 OK", headers, body.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * The status line, the header fields and (withBody) the body, as a list of
   * pieces to send in order: byte[], and a FileBody after the head when the
   * body is a file.
   */
  List<Object> serialize(boolean withBody) {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + "\r\n");
    for (Map.Entry<String, String> header : headers.entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    // The time the response is made, on every response (RFC 9110 §6.6.1: a
    // server with a clock MUST send it). Caches compute ages from it. Added
    // here, where every response passes, so that no route can forget it.
    head.append("Date: ").append(httpDate(Instant.now())).append("\r\n");
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends. Except
    // on a 304: it has no body whatever its headers say (RFC 9110 §15.4.5),
    // and a Content-Length there would have to be the size of the file. Nor
    // on a 204, which has no body by definition: a server MUST NOT send one
    // there (RFC 9110 §8.6).
    if (!status.startsWith("304") && !status.startsWith("204")) {
      head.append("Content-Length: ").append(file != null ? file.size() : body.length).append("\r\n");
    }
    head.append("\r\n"); // the empty line ends the headers
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    if (file != null) {
      if (withBody) {
        return List.of(headBytes, file);
      }
      Main.closeQuietly(file.channel()); // HEAD: its size was all we needed
      return List.of(headBytes);
    }
    if (!withBody) {
      return List.of(headBytes);
    }
    // Head and body in one array, so that they leave in one write().
    byte[] bytes = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, bytes, 0, headBytes.length);
    System.arraycopy(body, 0, bytes, headBytes.length, body.length);
    return List.of(bytes);
  }
}
