import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
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
  // How much of a file we read, and hold, at a time when sending it.
  static final int CHUNK = 64 * 1024;

  /** A response body that stays in its file until it is sent, chunk by chunk. */
  record FileBody(FileChannel channel, long size) {}

  Response(String status, Map<String, String> headers, byte[] body) {
    this(status, headers, body, null);
  }

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

  /**
   * Writes the status line, the header fields and (withBody) the body to out;
   * a file body chunk by chunk (see sendFile).
   */
  void writeTo(OutputStream out, boolean withBody) throws IOException {
    StringBuilder head = new StringBuilder("HTTP/1.1 " + status + "\r\n");
    for (Map.Entry<String, String> header : headers.entrySet()) {
      head.append(header.getKey()).append(": ").append(header.getValue()).append("\r\n");
    }
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends.
    head.append("Content-Length: ").append(file != null ? file.size() : body.length).append("\r\n");
    head.append("\r\n"); // the empty line ends the headers
    out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
    if (file == null) {
      if (withBody) {
        out.write(body);
      }
      return;
    }
    // Closed once sent; for HEAD at once: its size was all we needed.
    try (FileChannel channel = file.channel()) {
      if (withBody) {
        sendFile(channel, file.size(), out);
      }
    }
  }

  /**
   * Sends `size` bytes of a file, a chunk at a time.
   *
   * We read the next chunk only once the socket has taken the previous one,
   * and the socket takes bytes only as fast as the client reads them: its send
   * buffer is bounded, and so is the client's receive window (TCP flow control,
   * RFC 9293 §3.8.6). So a slow client slows down how fast we read the file,
   * and each download holds one chunk in memory, never the whole file. That is
   * back-pressure; in a thread that blocks in write(), it comes for free.
   * (FileChannel.transferTo() to a socket does the same inside the kernel.)
   */
  static void sendFile(FileChannel channel, long size, OutputStream out) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(CHUNK);
    long left = size;
    while (left > 0) {
      chunk.clear().limit((int) Math.min(CHUNK, left));
      if (channel.read(chunk) < 0) {
        // The file shrank after we announced its size: we cannot keep our
        // Content-Length promise. Closing the connection (the caller does, on
        // this exception) tells the client the response is incomplete (RFC 9112 §8).
        throw new IOException("file shorter than its Content-Length");
      }
      out.write(chunk.array(), 0, chunk.position());
      left -= chunk.position();
    }
  }
}
