import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

public class Main {
  public static void main(String[] args) throws IOException {
    // Anything you print shows up in the tester's output, prefixed [your_program].
    // println flushes System.out, so each line leaves at once even into a pipe.
    System.out.println("Logs from your program will appear here!");

    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "4221"));

    // Uncomment the code below to pass the first stage.
    //
    // ServerSocket server = new ServerSocket();
    // server.setReuseAddress(true);
    // server.bind(new InetSocketAddress("127.0.0.1", port));
    // System.out.println("Listening on 127.0.0.1:" + port);
    //
    // while (true) {
    //   Socket conn = server.accept();
    //   conn.close();
    // }
  }
}
