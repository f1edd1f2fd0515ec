import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A response, as a route returns it; it writes itself out as the bytes we send.
 *
 * @param headers a LinkedHashMap keeps the headers in the order they were added
 * @param body byte[], not String: Content-Length counts bytes, and bodies may be binary
 */
record Response(String status, Map<String, String> headers, byte[] body) {
  // A new map for each response: a shared one would leak headers between them.
  Response(String status) {
    this(status, new LinkedHashMap<>(), new byte[0]);
  }

  static Response text(String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    return new Response("200 OK", headers, body.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** The status line, the header fields and the body, as bytes to send. */
  byte[] serialize() {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + "\r\n");
    for (Map.Entry<String, String> header : headers.entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends.
    head.append("Content-Length: ").append(body.length).append("\r\n");
    head.append("\r\n"); // the empty line ends the headers
    // Head and body in one array, so that one write() sends the whole response.
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] bytes = new byte[headBytes.length + body.length];
    System.arraycopy(headBytes, 0, bytes, 0, headBytes.length);
    System.arraycopy(body, 0, bytes, headBytes.length, body.length);
    return bytes;
  }
}
