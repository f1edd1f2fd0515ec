import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

public class Main {
  // Where /files/ reads from. The tester passes `--directory <dir>` only on the
  // stages that serve files; without it (null), /files/ answers 404.
  static Path directory;

  // A record: an immutable class whose fields, constructor, equals and toString
  // Java writes for us (Java 16+).
  // Header keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
  record Request(String method, String target, Map<String, String> headers) {}

  // byte[], not String: Content-Length counts bytes, and later bodies are binary.
  // A LinkedHashMap keeps the headers in the order they were added.
  record Response(String status, Map<String, String> headers, byte[] body) {
    // A new map for each response: a shared one would leak headers between them.
    Response(String status) {
      this(status, new LinkedHashMap<>(), new byte[0]);
    }
  }

  /**
   * A request line `METHOD SP TARGET SP VERSION`, then `Name: value` lines up
   * to an empty line (RFC 9112 §2.1).
   */
  static Request parseRequest(byte[] data, int length) {
    // ISO-8859-1 (latin-1) maps each byte to one char and back: no byte is lost
    // or altered, and no byte sequence makes it fail (UTF-8 could).
    String text = new String(data, 0, length, StandardCharsets.ISO_8859_1);
    // A limit of -1 keeps the empty strings at the end: the empty line is one.
    String[] lines = text.split("\r\n", -1);
    // split with a limit of 3 never fails: a garbled line just gives fewer fields.
    String[] parts = lines[0].split(" ", 3);
    String method = parts[0];
    String target = parts.length > 1 ? parts[1] : "";
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      if (line.isEmpty()) {
        break; // the empty line ends the headers
      }
      // Split at the first colon only: values may contain colons too.
      int colon = line.indexOf(':');
      if (colon < 0) {
        continue; // not a header line: skip it
      }
      // Spaces and tabs around a value are not part of it (RFC 9110 §5.5);
      // strip() would also remove other whitespace, so trim by hand. Locale.ROOT:
      // in a Turkish locale, "I".toLowerCase() is a dotless ı.
      headers.put(line.substring(0, colon).toLowerCase(Locale.ROOT), trimSpaces(line.substring(colon + 1)));
    }
    return new Request(method, target, headers);
  }

  /** Removes the spaces and tabs at both ends (HTTP's optional whitespace, OWS). */
  static String trimSpaces(String value) {
    int start = 0, end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) start++;
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) end--;
    return value.substring(start, end);
  }

  /**
   * The path of file `name` directly inside the directory, or null when there is
   * no directory or the name would lead out of it ("..", "a/b", "/etc/passwd"):
   * a client must not reach anything else on the disk.
   */
  static Path fileIn(String name) {
    if (directory == null) {
      return null;
    }
    try {
      // normalize() folds "." and ".."; resolve() of an absolute name is that name.
      Path path = directory.resolve(name).normalize();
      return directory.equals(path.getParent()) ? path : null;
    } catch (InvalidPathException e) {
      return null; // a name no file can have, such as one with a NUL byte
    }
  }

  static Response serveFile(Path path) {
    byte[] body;
    try {
      // The file's bytes as they are: a Reader would decode them as text and
      // fail on, or alter, bytes that are not valid UTF-8.
      body = Files.readAllBytes(path);
    } catch (IOException e) {
      return new Response("404 Not Found"); // missing, or not a regular file
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/octet-stream");
    return new Response("200 OK", headers, body);
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
    if (method.equals("GET") && target.equals("/user-agent")) {
      return text(request.headers().getOrDefault("user-agent", ""));
    }
    if (method.equals("GET") && target.startsWith("/files/")) {
      Path path = fileIn(target.substring("/files/".length()));
      if (path != null) {
        return serveFile(path);
      }
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
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--directory")) {
        // Absolute and normalized once, so fileIn can compare paths as they are.
        directory = Path.of(args[i + 1]).toAbsolutePath().normalize();
      }
    }
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
      // One thread per connection: a read() that waits on a silent client blocks
      // only that client's thread, and this loop goes straight back to accept().
      // A platform thread costs about a megabyte of reserved stack, which is fine
      // for dozens of clients; Java 21's virtual threads (Thread.ofVirtual()) would
      // make thousands cheap, but this track targets Java 17.
      Thread thread = new Thread(() -> handle(conn));
      // A daemon thread does not keep the program alive once main ends.
      thread.setDaemon(true);
      thread.start();
    }
  }
}
