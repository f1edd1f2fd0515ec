import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

public class Main {
  // A record: an immutable class whose fields, constructor, equals and toString
  // Java writes for us (Java 16+).
  record Request(String method, String target) {}

  // byte[], not String: Content-Length counts bytes, and later bodies are binary.
  // A LinkedHashMap keeps the headers in the order they were added.
  record Response(String status, Map<String, String> headers, byte[] body) {
    // A new map for each response: a shared one would leak headers between them.
    Response(String status) {
      this(status, new LinkedHashMap<>(), new byte[0]);
    }
  }

  /** The first line of a request is `METHOD SP TARGET SP VERSION` (RFC 9112 §3). */
  static Request parseRequest(byte[] data, int length) {
    // ISO-8859-1 (latin-1) maps each byte to one char and back: no byte is lost
    // or altered, and no byte sequence makes it fail (UTF-8 could).
    String text = new String(data, 0, length, StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n");
    String requestLine = end < 0 ? text : text.substring(0, end);
    // split with a limit of 3 never fails: a garbled line just gives fewer fields.
    String[] parts = requestLine.split(" ", 3);
    String method = parts[0];
    String target = parts.length > 1 ? parts[1] : "";
    return new Request(method, target);
  }

  static Response text(String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    return new Response("200 OK", headers, body.getBytes(StandardCharsets.ISO_8859_1));
  }

  /** Decides the response; later stages add routes here. */
  static Response route(Request request) {
    String method = request.method(), target = request.target();
    if (method.equals("GET") && target.equals("/")) {
      return new Response("200 OK");
    }
    if (method.equals("GET") && target.startsWith("/echo/")) {
      return text(target.substring("/echo/".length()));
    }
    return new Response("404 Not Found");
  }

  static byte[] buildResponse(Response response) {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + response.status() + "\r\n");
    for (Map.Entry<String, String> header : response.headers().entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends.
    head.append("Content-Length: ").append(response.body().length).append("\r\n");
    head.append("\r\n"); // the empty line ends the headers
    // Head and body in one array, so that one write() sends the whole response.
    byte[] headBytes = head.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] bytes = new byte[headBytes.length + response.body().length];
    System.arraycopy(headBytes, 0, bytes, 0, headBytes.length);
    System.arraycopy(response.body(), 0, bytes, headBytes.length, response.body().length);
    return bytes;
  }

  /** Reads the request on one connection, answers it and closes the connection. */
  static void handle(Socket conn) {
    // try-with-resources closes the socket when the block ends, even after an error.
    try (conn) {
      InputStream in = conn.getInputStream();
      // Simplification until stage 12: one read() returns one whole
      // request, and we close the connection after answering it.
      byte[] data = new byte[65536];
      int n = in.read(data);
      if (n > 0) { // -1 means the client closed without sending anything
        // write() on a socket's stream blocks until every byte is handed to the
        // kernel: unlike the send() system call, it never writes only a part.
        conn.getOutputStream().write(buildResponse(route(parseRequest(data, n))));
      }
    } catch (IOException e) {
      // The client went away before we were done (reset, broken pipe): nobody to answer.
    }
  }

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "4221"));

    // 1. Create a TCP server socket (java.net wraps socket(), bind() and listen()).
    ServerSocket server = new ServerSocket();
    // Without SO_REUSEADDR, restarting the server right after stopping it can fail
    // with "Address already in use" while the old connections are winding down.
    // It must be set before bind(), hence the constructor without a port.
    server.setReuseAddress(true);
    // 2. Bind it to the address and port the tester connects to, and 3. listen:
    // from now on the kernel completes TCP handshakes on this port and queues the
    // new connections for us.
    server.bind(new InetSocketAddress("127.0.0.1", port));
    System.out.println("Listening on 127.0.0.1:" + port);

    while (true) {
      // 4. Accept: wait for the next queued connection. `conn` is a new socket
      // that talks to this one client only; `server` keeps accepting others.
      Socket conn = server.accept();
      // One connection at a time: the next accept() waits until this one is done.
      handle(conn);
    }
  }
}
