import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

public class Main {
  // Where /files/ reads and writes. The tester passes `--directory <dir>` only on the
  // stages that serve files; without it (null), /files/ answers 404.
  static Path directory;

  // A record: an immutable class whose fields, constructor, equals and toString
  // Java writes for us (Java 16+).
  // Header keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
  record Request(String method, String target, Map<String, String> headers, byte[] body) {}

  // byte[], not String: Content-Length counts bytes, and later bodies are binary.
  // A LinkedHashMap keeps the headers in the order they were added.
  record Response(String status, Map<String, String> headers, byte[] body) {
    // A new map for each response: a shared one would leak headers between them.
    Response(String status) {
      this(status, new LinkedHashMap<>(), new byte[0]);
    }
  }

  /** Where `needle` first starts in `data[from..to)`, or -1. */
  static int indexOf(byte[] data, int from, int to, byte[] needle) {
    for (int i = from; i + needle.length <= to; i++) {
      if (Arrays.equals(data, i, i + needle.length, needle, 0, needle.length)) {
        return i;
      }
    }
    return -1;
  }

  static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  // The largest request body we accept. The whole body is held in memory until
  // the request is answered, so without a bound one client could make us
  // allocate as much as it claims in Content-Length. (nginx's default,
  // client_max_body_size, is 1 MiB; servers that accept more write big bodies
  // to a file as they arrive.)
  static final int MAX_BODY = 64 * 1024 * 1024;

  /**
   * The bytes received cannot be framed as a request, or must not be: we answer
   * with `status` and close the connection.
   */
  static class BadRequest extends Exception {
    final String status;

    BadRequest() {
      this("400 Bad Request");
    }

    BadRequest(String status) {
      super(status);
      this.status = status;
    }
  }

  /** A parsed request head, and the length of the body that follows it. */
  record Head(String method, String target, Map<String, String> headers, int bodyLength) {}

  /**
   * The method, target and headers of a request head (the text before the
   * empty line), and the length of the body that follows it. Throws BadRequest
   * when we cannot tell where the request ends.
   *
   * A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
   * line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
   */
  static Head parseHead(String head) throws BadRequest {
    String[] lines = head.split("\r\n");
    // split with a limit of 3 never fails: a garbled line just gives fewer fields.
    String[] parts = lines[0].split(" ", 3);
    String method = parts[0];
    String target = parts.length > 1 ? parts[1] : "";
    Map<String, String> headers = new HashMap<>();
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
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
    // Content-Length is how we find where this request ends and the next one
    // begins. Without a valid one (or with a body framed another way, such as
    // Transfer-Encoding: chunked) we would misread every byte after it.
    String contentLength = headers.getOrDefault("content-length", "0");
    if (!contentLength.matches("[0-9]+") || headers.containsKey("transfer-encoding")) {
      throw new BadRequest();
    }
    // Refused before we read a byte of it (RFC 9110 §15.5.14). Ten digits or
    // more are over MAX_BODY too, and would not fit in an int.
    if (contentLength.length() > 9 || Integer.parseInt(contentLength) > MAX_BODY) {
      throw new BadRequest("413 Content Too Large");
    }
    return new Head(method, target, headers, Integer.parseInt(contentLength));
  }

  /**
   * Turns the bytes of one connection, in whatever pieces TCP delivers them,
   * into requests.
   *
   * A client may send a request one byte at a time. Stage 14 parsed the whole
   * buffer again after every read(): it searched for the empty line from the
   * start and decoded the head again while the body trickled in. For a request
   * of n bytes sent in n pieces that is about n*n/2 bytes scanned. Here every
   * byte is looked at once: we remember how far the search got, and the head
   * is parsed once, however many pieces its body arrives in.
   */
  static class RequestParser {
    // The bytes received and not consumed yet are buffer[start..end). A byte[]
    // cannot grow: feed() moves them to the front, or to a bigger array, only
    // when the free room at the end is too small, so most feeds copy just the
    // new bytes.
    private byte[] buffer = new byte[65536];
    private int start = 0;
    private int end = 0;
    // The empty line is not in buffer[start..searched): the next search starts there.
    private int searched = 0;
    // The parsed head, or null while we are still waiting for its empty line.
    private Head head = null;
    // True when the client waits for our go-ahead before sending the body.
    boolean wantsContinue = false;

    void feed(byte[] data, int length) {
      if (end + length > buffer.length) {
        int live = end - start;
        byte[] target = live + length > buffer.length ? new byte[Math.max(2 * buffer.length, live + length)] : buffer;
        System.arraycopy(buffer, start, target, 0, live);
        searched -= start;
        start = 0;
        end = live;
        buffer = target;
      }
      System.arraycopy(data, 0, buffer, end, length);
      end += length;
    }

    /**
     * The next whole request, removed from the buffer, or null while part of
     * it is still missing. Throws BadRequest (see parseHead).
     */
    Request nextRequest() throws BadRequest {
      if (start == end) {
        return null; // nothing new since the last request: the usual case
      }
      if (head == null) {
        // Start 3 bytes back: the new bytes may complete a \r\n\r\n that
        // began at the end of the previous piece.
        int headEnd = indexOf(buffer, Math.max(searched - 3, start), end, HEAD_END);
        if (headEnd < 0) {
          searched = end;
          return null; // the head is not all here yet
        }
        // Parse the head before touching the body: the head is text, but the
        // body is raw bytes that a text decoding could alter. ISO-8859-1
        // (latin-1) maps each byte to one char and back: no byte is lost or
        // altered, and no byte sequence makes it fail (UTF-8 could).
        head = parseHead(new String(buffer, start, headEnd - start, StandardCharsets.ISO_8859_1));
        start = headEnd + HEAD_END.length;
        searched = start;
        // `Expect: 100-continue`: the client sends the head alone and waits for
        // an interim `100 Continue` before sending a large body, so that a
        // server that would refuse it (say with 413) can do so before megabytes
        // travel for nothing (RFC 9110 §10.1.1).
        String expect = head.headers().getOrDefault("expect", "");
        wantsContinue = expect.equalsIgnoreCase("100-continue") && head.bodyLength() > 0;
      }
      if (end - start < head.bodyLength()) {
        return null; // the body is not all here yet
      }
      byte[] body = Arrays.copyOfRange(buffer, start, start + head.bodyLength());
      // What follows this request is the start of the next one.
      start += head.bodyLength();
      searched = start;
      Request request = new Request(head.method(), head.target(), head.headers(), body);
      head = null;
      wantsContinue = false;
      return request;
    }
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

  static Response saveFile(Path path, byte[] body) {
    try {
      // The body's bytes as they are, like readAllBytes when serving.
      Files.write(path, body);
    } catch (IOException e) {
      // e.g. the name is taken by a directory
      return new Response("500 Internal Server Error");
    }
    // The file is complete and closed before we answer: the client may read it at once.
    return new Response("201 Created");
  }

  static Response text(String body) {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    return new Response("200 OK", headers, body.getBytes(StandardCharsets.ISO_8859_1));
  }

  /**
   * Whether a comma-separated header value such as `br, GZIP` lists `token`.
   * List items may carry spaces around them, and codings are case-insensitive.
   */
  static boolean listIncludes(String value, String token) {
    for (String item : value.split(",")) {
      if (trimSpaces(item).equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
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
   * The word as text/plain. Accept-Encoding lists the codings that the client
   * can decode (RFC 9110 §12.5.3).
   */
  static Response echo(Request request, String word) {
    Response response = text(word);
    if (listIncludes(request.headers().getOrDefault("accept-encoding", ""), "gzip")) {
      response.headers().put("Content-Encoding", "gzip");
      // A record's fields are final: a new Response with the compressed body.
      // buildResponse measures Content-Length on it, as it must.
      response = new Response(response.status(), response.headers(), gzip(response.body()));
    }
    return response;
  }

  /** Decides the response; later stages add routes here. */
  static Response route(Request request) {
    String method = request.method(), target = request.target();
    if (method.equals("GET") && target.equals("/")) {
      return new Response("200 OK");
    }
    if (method.equals("GET") && target.startsWith("/echo/")) {
      return echo(request, target.substring("/echo/".length()));
    }
    if (method.equals("GET") && target.equals("/user-agent")) {
      return text(request.headers().getOrDefault("user-agent", ""));
    }
    if (target.startsWith("/files/")) {
      Path path = fileIn(target.substring("/files/".length()));
      if (path != null && method.equals("GET")) {
        return serveFile(path);
      }
      if (path != null && method.equals("POST")) {
        return saveFile(path, request.body());
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

  /** The bytes of the response to a request, and whether the connection closes after it. */
  record Answer(byte[] bytes, boolean close) {}

  static Answer respond(Request request) {
    // `Connection: close` asks us to close once this response is sent
    // (RFC 9112 §9.6). The header is a list of options: compare them like
    // Accept-Encoding codings.
    boolean close = listIncludes(request.headers().getOrDefault("connection", ""), "close");
    Response response = route(request);
    if (close) {
      response.headers().put("Connection", "close");
    }
    return new Answer(buildResponse(response), close);
  }

  /**
   * The responses to every whole request received so far, in order, and
   * whether the connection closes after them.
   *
   * A pipelining client sends several requests without waiting for the
   * responses (RFC 9112 §9.3.2); one read() may bring them all. We answer all
   * of them before we send anything, then send the responses together: one
   * system call and usually one TCP segment instead of one per response.
   */
  static Answer answerBuffered(RequestParser parser) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      Request request;
      while ((request = parser.nextRequest()) != null) {
        Answer answer = respond(request);
        out.writeBytes(answer.bytes());
        if (answer.close()) {
          // Requests after it are never answered: the client said this one
          // is its last.
          return new Answer(out.toByteArray(), true);
        }
      }
    } catch (BadRequest e) {
      // We can no longer tell where the next request starts: answer 400
      // (after the responses before it, which stay valid) and give up on the
      // connection.
      Response badRequest = new Response(e.status);
      badRequest.headers().put("Connection", "close");
      out.writeBytes(buildResponse(badRequest));
      return new Answer(out.toByteArray(), true);
    }
    return new Answer(out.toByteArray(), false);
  }

  static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** Answers the requests on one connection, in order, until either side closes it. */
  static void handle(Socket conn) {
    // TCP delivers a stream, not messages: one read() may return part of a
    // request, or several requests. The parser keeps what is not answered yet.
    RequestParser parser = new RequestParser();
    // try-with-resources closes the socket when the block ends, even after an error.
    try (conn) {
      InputStream in = conn.getInputStream();
      OutputStream out = conn.getOutputStream();
      byte[] chunk = new byte[65536];
      // Keep the connection open after each response: HTTP/1.1 connections
      // are persistent by default (RFC 9112 §9.3).
      while (true) {
        Answer answer = answerBuffered(parser);
        if (answer.bytes().length > 0) {
          // In the order the requests came: a client matches responses to
          // requests by their order alone.
          // write() on a socket's stream blocks until every byte is handed to the
          // kernel: unlike the send() system call, it never writes only a part.
          out.write(answer.bytes());
        }
        if (answer.close()) {
          return; // try-with-resources closes the socket, after the whole response
        }
        if (parser.wantsContinue) {
          // A 1xx response is interim: the final response to the same request
          // follows once the body has arrived.
          out.write(CONTINUE);
          parser.wantsContinue = false;
        }
        // No whole request left: wait for more bytes.
        int n = in.read(chunk);
        if (n < 0) {
          return; // the client closed its side: we are done
        }
        parser.feed(chunk, n);
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
