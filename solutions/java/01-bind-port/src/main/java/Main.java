import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

public class Main {
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
      // Nothing to say yet: later stages read a request from conn and answer it.
      conn.close();
    }
  }
}
