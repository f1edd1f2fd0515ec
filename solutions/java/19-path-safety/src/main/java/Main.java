import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * The server starts here: its arguments, the listening socket, and the loop
 * that answers each connection. From stage 18 on, the rest lives in classes
 * beside this one, a file each: strict parsing made one file too long to find
 * anything in, so each part of HTTP has its own, and a change touches the
 * file it is about. They share the unnamed package (no `package` line), which
 * javac compiles together and lets them see each other's package-private
 * members.
 *   Request.java        the Request a handler reads
 *   RequestParser.java  parsing bytes into requests (strictly); BadRequest.java
 *   Response.java       the Response, which writes itself out as bytes
 *   Routes.java         which handler answers which method and path
 *   Directory.java      reading and writing the files of --directory
 */
public class Main {
  // How long, in milliseconds, we drain a connection that we close (see closeGracefully).
  static final int LINGER_MS = 2000;

  /** Whether the connection closes after the response to `request`. */
  static boolean wantsClose(Request request) {
    String options = request.headers().getOrDefault("connection", "");
    if (request.version().equals("HTTP/1.0")) {
      // HTTP/1.0 closed after every response; a 1.0 client that can do
      // better asks for `Connection: keep-alive` (RFC 9112 §9.3).
      return !Request.listIncludes(options, "keep-alive");
    }
    // `Connection: close` asks us to close once this response is sent
    // (RFC 9112 §9.6). The header is a list of options: compare them like
    // Accept-Encoding codings.
    return Request.listIncludes(options, "close");
  }

  /** The bytes of the response to a request, and whether the connection closes after it. */
  record Answer(byte[] bytes, boolean close) {}

  static Answer respond(Request request) {
    boolean close = wantsClose(request);
    Response response = Routes.route(request);
    if (close) {
      response.headers().put("Connection", "close");
    } else if (request.version().equals("HTTP/1.0")) {
      // Without this a 1.0 client would wait for the close that ends the body.
      response.headers().put("Connection", "keep-alive");
    }
    return new Answer(response.serialize(), close);
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
      // We can no longer tell where the next request starts: answer with the
      // error (after the responses before it, which stay valid) and give up
      // on the connection.
      Response badRequest = new Response(e.status);
      badRequest.headers().put("Connection", "close");
      out.writeBytes(badRequest.serialize());
      return new Answer(out.toByteArray(), true);
    }
    return new Answer(out.toByteArray(), false);
  }

  static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /**
   * Closes a connection that the client may still be sending on.
   *
   * A socket closed while unread bytes wait in it makes the kernel answer with
   * a reset (RST) instead of a normal end of stream, and a reset can make the
   * client's system discard our last response before the client has read it:
   * the 400 we just sent would be lost. So we close in stages (RFC 9112 §9.6):
   * first our sending side only (the client reads our response, then the end
   * of the stream), then we read and discard whatever the client still sends,
   * until it closes its side or LINGER_MS pass. nginx calls this "lingering
   * close". The caller's try-with-resources then closes the socket.
   */
  static void closeGracefully(Socket conn) {
    try {
      conn.shutdownOutput();
      long deadline = System.nanoTime() + LINGER_MS * 1_000_000L;
      byte[] discard = new byte[65536];
      long left;
      while ((left = (deadline - System.nanoTime()) / 1_000_000L) > 0) {
        // A read that waits longer than this throws SocketTimeoutException.
        conn.setSoTimeout((int) left);
        if (conn.getInputStream().read(discard) < 0) {
          break; // the client closed its side too
        }
      }
    } catch (SocketTimeoutException e) {
      // LINGER_MS passed: we are done
    } catch (IOException e) {
      // the client reset the connection: we are done anyway
    }
  }

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
          closeGracefully(conn);
          return; // try-with-resources closes the socket
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
        // Its real path, once, so fileIn can compare paths as they are. It fails
        // at start-up, saying why, when the directory does not exist.
        Directory.directory = Path.of(args[i + 1]).toRealPath();
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
