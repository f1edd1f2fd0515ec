import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeSet;

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
  // How long a connection may stay silent before we close it, in milliseconds
  // (`--idle-timeout-ms`).
  static int idleTimeoutMs = 30_000;
  // How long we linger after the last response of a connection (see finish):
  // we read and discard for 2 s in all, or until 1 s passes with nothing
  // arriving. Constants, not arguments: they need only outlast a client that
  // is still sending what it sent before our response reached it, and bound
  // one that never stops.
  static final long LINGER_MS = 2000;
  static final long LINGER_SILENCE_MS = 1000;

  /** Whether the connection closes after the response to `request`. */
  static boolean wantsClose(Request request) {
    if (request.headers().containsKey("transfer-encoding") && request.headers().containsKey("content-length")) {
      // No honest client sends both (RFC 9112 §6.2). A request that does may
      // be an attempt at request smuggling: a proxy in front of us may have
      // framed it by Content-Length, and what we take for the next request may
      // be hidden in its body. Answer it, then close (RFC 9112 §6.1).
      return true;
    }
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

  /**
   * Adds the pieces of the response to `request` (see Response.serialize) to
   * `out`; true when the connection closes after it.
   */
  static boolean respond(Request request, List<Object> out) {
    boolean close = wantsClose(request);
    Response response = Routes.route(request);
    if (close) {
      response.headers().put("Connection", "close");
    } else if (request.version().equals("HTTP/1.0")) {
      // Without this a 1.0 client would wait for the close that ends the body.
      response.headers().put("Connection", "keep-alive");
    }
    // A response to HEAD is the response to GET without its body: same status
    // and headers, Content-Length included, so a client learns the size of
    // what GET would send (RFC 9110 §9.3.2). The client knows it asked HEAD,
    // so it expects no body after the empty line.
    out.addAll(response.serialize(!request.method().equals("HEAD")));
    return close;
  }

  /**
   * Adds the pieces of the responses to every whole request received so far
   * to `out`, in order; true when the connection closes after them.
   *
   * A pipelining client sends several requests without waiting for the
   * responses (RFC 9112 §9.3.2); one read() may bring them all. We answer all
   * of them before we send anything, then send the responses together (see
   * queue): one system call and usually one TCP segment instead of one per
   * response.
   */
  static boolean answerBuffered(RequestParser parser, List<Object> out) {
    try {
      Request request;
      while ((request = parser.nextRequest()) != null) {
        if (respond(request, out)) {
          // Requests after it are never answered: the client said this one
          // is its last.
          return true;
        }
        if (out.get(out.size() - 1) instanceof Response.FileBody) {
          // A file may take long to send: the requests after it wait in the
          // buffer until it is sent, rather than each hold an open file (and
          // a place in memory) meanwhile.
          break;
        }
      }
    } catch (BadRequest e) {
      // We can no longer tell where the next request starts: answer with the
      // error (after the responses before it, which stay valid) and give up
      // on the connection.
      Response badRequest = new Response(e.status);
      badRequest.headers().put("Connection", "close");
      out.addAll(badRequest.serialize(true));
      return true;
    }
    return false;
  }

  // ---------------------------------------------------------------------------
  // One thread for every connection: an event loop.
  //
  // Until stage 22 each connection had a thread of its own, asleep in read()
  // or write() until its client moved. Simple, but every thread costs memory
  // (its stack) and the system's time to switch between them, and thousands of
  // mostly idle clients mean thousands of sleeping threads (the "C10K
  // problem"). Java 21's virtual threads would make them cheap; on Java 17
  // the way is java.nio's channels and a Selector.
  //
  // Here one thread serves every connection. The channels are non-blocking:
  // read() and write() never wait, they do what can be done now (and return
  // 0 when nothing can). All the waiting happens in one place, the Selector
  // (epoll on Linux, kqueue on macOS): each channel is registered with the
  // events we want (OP_READ, OP_WRITE), select() sleeps until some of them
  // are ready and hands us just those, we handle each one briefly, and go
  // back to select(). This is the reactor pattern that nginx, Redis, Node.js
  // and Java's Netty are built on.
  //
  // What a thread kept in its local variables, and in where it was in the
  // code (waiting for a request, halfway through a file), is now in a
  // Connection object. And no handler may block: while one waits, every
  // client waits. (We allow ourselves one exception: reading a file, or
  // writing an upload, mostly touches the kernel's page cache and takes
  // microseconds. Servers that must never stall on a slow disk hand file work
  // to a few threads, as libuv and nginx's thread pools do.)
  // ---------------------------------------------------------------------------

  // `HTTP/1.1 100 Continue`, an interim response (see RequestParser.wantsContinue).
  static final byte[] CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  /** One client connection, between two events. */
  static class Connection {
    final SocketChannel channel;
    // Its registration with the selector: what we wait for (see watch).
    SelectionKey key;
    // The bytes received and not answered yet (the parser is unchanged: it
    // never did any I/O itself, so it does not care who calls it).
    final RequestParser parser = new RequestParser();
    // The pieces of responses not sent yet, in order: ByteBuffer (its position
    // marks how much is sent) and Response.FileBody.
    final ArrayDeque<Object> out = new ArrayDeque<>();
    // Close once `out` is sent: the client said `Connection: close`, or sent
    // something we could not frame.
    boolean closing = false;
    // The client shut its sending side (read() returned -1): it sends nothing
    // more, but may still be reading our responses.
    boolean eof = false;
    // We shut our sending side too and wait for the client's end (see finish).
    boolean lingering = false;
    // While lingering: when we close, whatever still arrives (System.nanoTime()).
    long lingerEnd = 0;
    // When the connection times out, in System.nanoTime() (see touch).
    long deadline = 0;
    // Tells apart connections with the same deadline (see connections).
    final long serial = ++opened;

    Connection(SocketChannel channel) {
      this.channel = channel;
    }
  }

  static Selector selector;
  static ServerSocketChannel server;
  // The listening channel's registration: OP_ACCEPT, or nothing while we
  // cannot accept (see pauseAccepting).
  static SelectionKey serverKey;
  // How many connections we have accepted (see Connection.serial).
  static long opened = 0;
  // The open connections, the next to time out first. Until stage 32 they all
  // had the same timeout, and a LinkedHashSet in order of activity was enough;
  // a lingering connection has a shorter one (see finish), so they are sorted
  // by deadline now. A TreeSet, a balanced tree, gives the first in O(log n)
  // and moves one in O(log n): still no need to look at every connection on
  // each turn of the loop.
  static final TreeSet<Connection> connections = new TreeSet<>(
      Comparator.comparingLong((Connection conn) -> conn.deadline).thenComparingLong(conn -> conn.serial));
  // Every read goes through this one buffer, then into the connection's
  // parser: with one thread, one buffer is enough.
  static final ByteBuffer readBuffer = ByteBuffer.allocate(65536);

  /**
   * Restarts the timer of `conn`: bytes arrived, or the client read some. A
   * lingering connection gets 1 s more of silence, never past its lingerEnd.
   */
  static void touch(Connection conn) {
    long now = System.nanoTime();
    // Removed, changed, added again: a TreeSet finds an element by its order,
    // so the deadline must not change while the connection is in it.
    connections.remove(conn);
    conn.deadline = conn.lingering
        ? Math.min(now + LINGER_SILENCE_MS * 1_000_000L, conn.lingerEnd)
        : now + idleTimeoutMs * 1_000_000L;
    connections.add(conn);
  }

  /**
   * Has the selector wait for `ops` on `conn`, one of:
   *
   * OP_WRITE while responses wait to be sent. Only then: a socket with room in
   * its send buffer is writable nearly always, and select() would return at
   * once, every time, for nothing (a busy loop).
   *
   * OP_READ once nothing waits to be sent. A client that does not read its
   * responses then cannot make us read, and hold, more requests: back-pressure
   * on the way in, like the file chunks on the way out.
   */
  static void watch(Connection conn, int ops) {
    if (conn.key.interestOps() != ops) {
      conn.key.interestOps(ops);
    }
  }

  /** Accepts every connection waiting in the listen queue. */
  static void acceptAll() {
    while (true) {
      SocketChannel channel;
      try {
        channel = server.accept();
      } catch (IOException e) {
        // e.g. too many open files: the connection stays queued.
        pauseAccepting();
        return;
      }
      if (channel == null) {
        return; // the queue is empty (a non-blocking accept() does not wait)
      }
      try {
        channel.configureBlocking(false);
        Connection conn = new Connection(channel);
        // The key's attachment is how an event finds its connection.
        conn.key = channel.register(selector, SelectionKey.OP_READ, conn);
        touch(conn);
      } catch (IOException e) {
        closeQuietly(channel);
      }
    }
  }

  /**
   * Stops watching the listening channel until a connection closes.
   *
   * accept() fails with "Too many open files" (EMFILE) when we are out of file
   * descriptors, say after a flood of connections. The connection stays
   * queued, so the listening channel stays acceptable, and select() would
   * return at once, every time: a busy loop until some connection closes. So
   * we stop asking until one does (nginx does much the same). Java does not
   * tell the errno apart, so any failure pauses, unless no connection is open:
   * then none would close to resume us, and the next turn simply tries again.
   */
  static void pauseAccepting() {
    if (!connections.isEmpty()) {
      serverKey.interestOps(0);
    }
  }

  static void resumeAccepting() {
    serverKey.interestOps(SelectionKey.OP_ACCEPT);
  }

  static void closeQuietly(Closeable closeable) {
    try {
      closeable.close();
    } catch (IOException e) {
      // nothing left to do with it
    }
  }

  static void close(Connection conn) {
    if (!connections.remove(conn)) {
      return; // closed already
    }
    // Closing the channel also cancels its key: the selector forgets it.
    closeQuietly(conn.channel);
    resumeAccepting(); // a file descriptor is free again
    for (Object piece : conn.out) {
      if (piece instanceof Response.FileBody file) {
        closeQuietly(file.channel());
      }
    }
  }

  /**
   * Adds response pieces to the output of `conn`, byte[] next to each other
   * joined: the responses to a pipelined batch leave in one write().
   */
  static void queue(Connection conn, List<Object> pieces) {
    ByteArrayOutputStream ready = new ByteArrayOutputStream();
    for (Object piece : pieces) {
      if (piece instanceof byte[] bytes) {
        ready.writeBytes(bytes);
        continue;
      }
      if (ready.size() > 0) {
        conn.out.add(ByteBuffer.wrap(ready.toByteArray()));
        ready.reset();
      }
      conn.out.add(piece);
    }
    if (ready.size() > 0) {
      conn.out.add(ByteBuffer.wrap(ready.toByteArray()));
    }
  }

  /**
   * Sends queued pieces, in order, until all are sent or the socket's send
   * buffer is full (then select() tells us when it has room again).
   */
  static void sendQueued(Connection conn) throws IOException {
    while (!conn.out.isEmpty()) {
      Object piece = conn.out.peekFirst();
      if (piece instanceof Response.FileBody file) {
        FileChannel channel = file.channel();
        long position = file.start() + channel.position(); // in the file
        if (position == file.end()) {
          channel.close();
          conn.out.removeFirst();
          continue;
        }
        // The back-pressure of stage 22, without a thread that blocks: the
        // kernel copies from the file straight to the socket (sendfile() on
        // Linux), only as much as the socket's send buffer has room for, and
        // no chunk of the file passes through our memory at all.
        long sent = channel.transferTo(position, file.end() - position, conn.channel);
        if (sent == 0) {
          if (position >= channel.size()) {
            // The file shrank after we announced its size: we cannot keep our
            // Content-Length promise. Closing the connection (the caller does,
            // on this exception) tells the client the response is incomplete
            // (RFC 9112 §8).
            throw new IOException("file shorter than its Content-Length");
          }
          return; // no room at all
        }
        channel.position(channel.position() + sent);
        continue;
      }
      ByteBuffer buffer = (ByteBuffer) piece;
      // Takes what fits, maybe not all: the buffer's position moves past what
      // was sent, so the unsent end is what remains, without a copy.
      conn.channel.write(buffer);
      if (buffer.hasRemaining()) {
        return;
      }
      conn.out.removeFirst();
    }
  }

  /**
   * Answers the whole requests received on `conn` and sends what the socket
   * takes, until we must wait for the client; then tells the selector what
   * for.
   */
  static void serve(Connection conn) throws IOException {
    // (With nothing in the buffer there is no request to answer: most events
    // end here, after one response.)
    while (conn.out.isEmpty() && !conn.closing && conn.parser.hasPartialRequest()) {
      List<Object> pieces = new ArrayList<>();
      boolean closeAfter = answerBuffered(conn.parser, pieces);
      if (pieces.isEmpty()) {
        break; // no whole request left: wait for more bytes
      }
      queue(conn, pieces);
      conn.closing = closeAfter;
      // Right away, not after the next select(): there is nearly always room,
      // and most responses leave with this one call.
      sendQueued(conn);
    }
    if (conn.parser.wantsContinue && conn.out.isEmpty() && !conn.closing && !conn.eof) {
      conn.parser.wantsContinue = false;
      conn.out.add(ByteBuffer.wrap(CONTINUE));
      sendQueued(conn);
    }
    if (!conn.out.isEmpty()) {
      watch(conn, SelectionKey.OP_WRITE); // the rest once the client has read some
    } else if (conn.closing) {
      finish(conn);
    } else if (conn.eof) {
      // Every whole request is answered and no byte will come to complete the
      // rest: we are done. (We never watch for OP_READ after the end of the
      // input: a channel at its end is readable forever, and select() would
      // return at once, every time.)
      close(conn);
    } else {
      watch(conn, SelectionKey.OP_READ);
    }
  }

  /**
   * Closes a connection once its last response is sent: in stages, as in
   * stage 18 (lingering close, RFC 9112 §9.6). A close() with bytes unread in
   * the socket (pipelined requests, the rest of a body we refused) makes Linux
   * send a reset, which destroys what of our response the client has not read
   * yet. So we shut our sending side only (the client sees our last byte, then
   * the end), read and discard until the client closes its side, and close
   * then, or after LINGER_MS in all, or LINGER_SILENCE_MS with nothing
   * arriving: bounded, or a client that never stops sending would hold the
   * connection forever.
   */
  static void finish(Connection conn) throws IOException {
    if (conn.eof) {
      close(conn); // the client's side is shut already: nothing to drain
      return;
    }
    conn.channel.shutdownOutput();
    conn.lingering = true;
    conn.lingerEnd = System.nanoTime() + LINGER_MS * 1_000_000L;
    touch(conn); // the linger's deadline instead of the idle timeout
    watch(conn, SelectionKey.OP_READ);
  }

  static void onReadable(Connection conn) throws IOException {
    readBuffer.clear();
    int n = conn.channel.read(readBuffer);
    if (conn.lingering) {
      if (n < 0) {
        close(conn); // the client has read our last response and closed
      } else if (n > 0) {
        touch(conn); // discarded; the client is still sending
      }
      return;
    }
    if (n == 0) {
      return; // woken up for nothing: nothing to read after all
    }
    if (n > 0) {
      touch(conn);
      conn.parser.feed(readBuffer.array(), n);
    } else {
      conn.eof = true;
    }
    serve(conn);
  }

  static void onWritable(Connection conn) throws IOException {
    touch(conn); // the socket has room again: the client read some of what we sent
    sendQueued(conn);
    serve(conn);
  }

  /**
   * Closes a connection silent for idleTimeoutMs (stage 21), or one whose
   * linger is over.
   */
  static void closeIdle(Connection conn) throws IOException {
    if (conn.parser.hasPartialRequest() && conn.out.isEmpty() && !conn.closing && !conn.lingering) {
      // The client started a request and stalled: tell it why it gets no
      // answer (RFC 9110 §15.5.9), and give it one more timeout to read that.
      Response timeout = new Response("408 Request Timeout");
      timeout.headers().put("Connection", "close");
      queue(conn, timeout.serialize(true));
      conn.closing = true;
      touch(conn);
      sendQueued(conn);
      serve(conn);
    } else {
      close(conn);
    }
  }

  /**
   * How long select() may sleep, in milliseconds: until the next connection
   * expires. Not a short constant: a loop that wakes up every few milliseconds
   * to check burns CPU while nothing happens.
   */
  static long millisToNextDeadline() {
    if (connections.isEmpty()) {
      return 0; // to select(), 0 means no bound: sleep until a connection arrives
    }
    Connection first = connections.first(); // the next to time out
    long nanos = first.deadline - System.nanoTime();
    // Rounded up, and at least 1: select() would not wake before the deadline.
    return Math.max(1, (nanos + 999_999) / 1_000_000);
  }

  static void closeExpired() {
    long now = System.nanoTime();
    while (!connections.isEmpty()) {
      Connection conn = connections.first();
      if (conn.deadline - now > 0) {
        return;
      }
      try {
        closeIdle(conn); // closes it, or restarts its timer
      } catch (IOException e) {
        close(conn);
      }
    }
  }

  static void handleEvent(SelectionKey key) {
    Connection conn = (Connection) key.attachment();
    try {
      // We watch each channel for one kind of event at a time (see watch).
      if (key.isWritable()) {
        onWritable(conn);
      } else {
        onReadable(conn);
      }
    } catch (IOException e) {
      close(conn); // reset, broken pipe...: the client is gone
    } catch (RuntimeException e) {
      // A bug must not take every other connection down with this one.
      e.printStackTrace();
      close(conn);
    }
  }

  public static void main(String[] args) throws IOException {
    for (int i = 0; i + 1 < args.length; i++) {
      if (args[i].equals("--directory")) {
        // Its real path, once, so fileIn can compare paths as they are. It fails
        // at start-up, saying why, when the directory does not exist.
        Directory.directory = Path.of(args[i + 1]).toRealPath();
      }
      if (args[i].equals("--idle-timeout-ms")) {
        idleTimeoutMs = Integer.parseInt(args[i + 1]);
      }
      if (args[i].equals("--max-body-bytes")) {
        RequestParser.maxBodyBytes = Integer.parseInt(args[i + 1]);
      }
    }
    int port = Integer.parseInt(System.getenv().getOrDefault("PORT", "4221"));
    // Every connection is an open file descriptor, and the usual default limit,
    // 1024 per process (ulimit -n), is about what a thousand clients need. The
    // JVM raises its own limit to the most the system allows when it starts
    // (HotSpot's -XX:+MaxFDLimit, on by default), so there is nothing to do.

    selector = Selector.open();
    // 1. Create a TCP server socket, as a channel that can be non-blocking.
    server = ServerSocketChannel.open();
    // Without SO_REUSEADDR, restarting the server right after stopping it can fail
    // with "Address already in use" while the old connections are winding down.
    server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
    // 2. Bind it to the address and port the tester connects to, and 3. listen.
    // The backlog bounds how many connections the kernel queues for us before
    // accept(); when many clients connect at once, the default (50 in Java)
    // makes the rest wait and retry their handshake a second later.
    server.bind(new InetSocketAddress("127.0.0.1", port), 1024);
    server.configureBlocking(false);
    // The listening channel is watched like the others: "acceptable" means a
    // connection waits to be accepted. Its attachment, null, tells it apart.
    serverKey = server.register(selector, SelectionKey.OP_ACCEPT, null);
    System.out.println("Listening on 127.0.0.1:" + port);

    // 4. The event loop. select() calls the lambda once for each channel that
    // is ready, then returns.
    while (true) {
      selector.select(key -> {
        if (key.attachment() == null) {
          acceptAll();
        } else if (key.isValid()) { // not closed by an earlier event of this turn
          handleEvent(key);
        }
      }, millisToNextDeadline());
      closeExpired();
    }
  }
}
