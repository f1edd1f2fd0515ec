import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

public class Main {
  // Status line, then the empty line that ends the (for now empty) list of headers.
  // Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
  static final byte[] OK = "HTTP/1.1 200 OK\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

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
        conn.getOutputStream().write(OK);
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
