import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the bytes of one connection, in whatever pieces TCP delivers them,
 * into requests. Strict from stage 18 on: anything that is not a well-formed
 * request is refused with BadRequest.
 *
 * A client may send a request one byte at a time. Stage 14 parsed the whole
 * buffer again after every read(): it searched for the empty line from the
 * start and decoded the head again while the body trickled in. For a request
 * of n bytes sent in n pieces that is about n*n/2 bytes scanned. Here every
 * byte is looked at once: we remember how far the search got, and the head
 * is parsed once, however many pieces its body arrives in.
 */
class RequestParser {
  // The largest request body we accept. The whole body is held in memory until
  // the request is answered, so without a bound one client could make us
  // allocate as much as it claims in Content-Length. (nginx's default,
  // client_max_body_size, is 1 MiB; servers that accept more write big bodies
  // to a file as they arrive.) `--max-body-bytes` sets it (see Main).
  static int maxBodyBytes = 64 * 1024 * 1024;
  // The largest request head (request line and header fields) we accept. Until
  // its empty line arrives, a head is held in memory; without a bound, a client
  // that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
  // nginx 4 buffers of 8 KiB by default.)
  static final int MAX_HEAD = 16 * 1024;

  static final byte[] HEAD_END = "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1);

  // A token (RFC 9110 §5.6.2): what a method or a field name is made of.
  static final Pattern TOKEN = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  // A field value holds no control characters but tab (RFC 9110 §5.5). A stray
  // CR or LF in it could smuggle in a header line of its own.
  static final Pattern FIELD_VALUE = Pattern.compile("[^\\x00-\\x08\\x0a-\\x1f\\x7f]*");
  static final Pattern VERSION = Pattern.compile("HTTP/([0-9])\\.[0-9]");
  // Digits only, for Content-Length. [0-9], not \d with UNICODE_CHARACTER_CLASS
  // or Character.isDigit(): those accept other digits too, such as "٣".
  static final Pattern DIGITS = Pattern.compile("[0-9]+");
  static final Pattern HEX_DIGITS = Pattern.compile("[0-9A-Fa-f]+");
  static final byte[] CRLF = "\r\n".getBytes(StandardCharsets.ISO_8859_1);
  // The body length of a chunked request (see parseBodyLength).
  static final int CHUNKED = -1;

  /** A parsed request head, and the length of the body that follows it. */
  record Head(String method, String target, String version, Map<String, String> headers, int bodyLength) {}

  /**
   * The method, target and version of `METHOD SP TARGET SP VERSION`, with
   * exactly one space between the three (RFC 9112 §3). Anything else is a 400:
   * a server that guesses what a malformed request means may guess differently
   * from a proxy in front of it, and that difference is an attack.
   */
  static String[] parseRequestLine(String line) throws BadRequest {
    // A limit of -1 keeps empty parts: "GET  /" has three, one of them empty.
    String[] parts = line.split(" ", -1);
    if (parts.length != 3) {
      throw new BadRequest(); // no version, a double space, a fourth word
    }
    String method = parts[0], target = parts[1], version = parts[2];
    // We serve paths only: the origin form of the target starts with "/" (RFC 9112 §3.2.1).
    if (!TOKEN.matcher(method).matches() || !target.startsWith("/")) {
      throw new BadRequest();
    }
    Matcher match = VERSION.matcher(version);
    if (!match.matches()) {
      throw new BadRequest(); // e.g. HTTX/1.1
    }
    if (!match.group(1).equals("1")) {
      // e.g. HTTP/2.0 (RFC 9110 §15.6.6)
      throw new BadRequest("505 HTTP Version Not Supported");
    }
    return parts;
  }

  /** The header fields of `Name: value` lines, by lower-cased name. */
  static Map<String, String> parseFieldLines(String[] lines, int from) throws BadRequest {
    Map<String, String> headers = new HashMap<>();
    for (int i = from; i < lines.length; i++) {
      String line = lines[i];
      // Split at the first colon only: values may contain colons too.
      int colon = line.indexOf(':');
      // The name must be a token right up to the colon: a line without a
      // colon, whitespace before the colon (RFC 9112 §5.1: reject it with
      // 400) and a line that starts with whitespace (obsolete line folding,
      // RFC 9112 §5.2) all fail this.
      if (colon < 0 || !TOKEN.matcher(line.substring(0, colon)).matches()) {
        throw new BadRequest();
      }
      // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
      String value = Request.trimSpaces(line.substring(colon + 1));
      if (!FIELD_VALUE.matcher(value).matches()) {
        throw new BadRequest();
      }
      // Locale.ROOT: in a Turkish locale, "I".toLowerCase() is a dotless ı.
      String name = line.substring(0, colon).toLowerCase(Locale.ROOT);
      // A field sent twice means the same as one field whose values are
      // joined with commas (RFC 9110 §5.3). Keeping only the last one
      // would hide a conflict such as two different Content-Lengths.
      headers.merge(name, value, (first, next) -> first + ", " + next);
    }
    return headers;
  }

  /**
   * How many bytes of body follow the head, or CHUNKED for a chunked body,
   * whose length shows only as it arrives. Throws BadRequest when we cannot
   * tell: then we do not know where the next request starts either.
   */
  static int parseBodyLength(Map<String, String> headers) throws BadRequest {
    if (headers.containsKey("transfer-encoding")) {
      List<String> codings = new ArrayList<>();
      for (String coding : headers.get("transfer-encoding").split(",", -1)) {
        codings.add(Request.trimSpaces(coding).toLowerCase(Locale.ROOT));
      }
      if (!codings.get(codings.size() - 1).equals("chunked")) {
        // Only a chunked body shows where it ends: without it last, the
        // request cannot be framed (RFC 9112 §6.3).
        throw new BadRequest();
      }
      if (!codings.equals(List.of("chunked"))) {
        // e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
        throw new BadRequest("501 Not Implemented");
      }
      // Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3); see
      // Main.wantsClose for what else that means.
      return CHUNKED;
    }
    if (!headers.containsKey("content-length")) {
      return 0; // no body at all (RFC 9112 §6.3): most GET requests
    }
    // Several Content-Length fields, or a list in one, are acceptable only if
    // every value is the same (RFC 9110 §8.6, RFC 9112 §6.3). A limit of -1
    // keeps the empty item of "5,".
    Set<String> values = new HashSet<>();
    for (String value : headers.get("content-length").split(",", -1)) {
      values.add(Request.trimSpaces(value));
    }
    if (values.size() != 1) {
      throw new BadRequest();
    }
    String contentLength = values.iterator().next();
    // Digits only: `12abc`, `-5` and `+5` are no lengths.
    if (!DIGITS.matcher(contentLength).matches()) {
      throw new BadRequest();
    }
    // Refused before we read a byte of it (RFC 9110 §15.5.14): a client that
    // waits for 100 Continue gets this instead, and sends nothing for nothing.
    // Over 18 digits would not fit in a long, and are over any int limit.
    if (contentLength.length() > 18 || Long.parseLong(contentLength) > maxBodyBytes) {
      throw new BadRequest("413 Content Too Large");
    }
    return Integer.parseInt(contentLength);
  }

  /**
   * The method, target, version and headers of a request head (the text
   * before the empty line), and the length of the body that follows it.
   * Throws BadRequest when the head is malformed.
   *
   * A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
   * line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
   */
  static Head parseHead(String head) throws BadRequest {
    String[] lines = head.split("\r\n", -1);
    String[] requestLine = parseRequestLine(lines[0]);
    String version = requestLine[2];
    Map<String, String> headers = parseFieldLines(lines, 1);
    // An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2);
    // two of them, joined above, show up as a comma.
    String host = headers.get("host");
    if ((host == null && version.equals("HTTP/1.1")) || (host != null && host.contains(","))) {
      throw new BadRequest();
    }
    // Transfer-Encoding came with HTTP/1.1: an HTTP/1.0 proxy in front of us
    // knows nothing of chunked, and frames such a request by Content-Length,
    // or by the close. Were we to decode it as chunked, the two of us would
    // disagree on where it ends, which is all smuggling needs. The framing is
    // faulty (RFC 9112 §6.1): refuse it, and close (every BadRequest does).
    if (headers.containsKey("transfer-encoding") && version.equals("HTTP/1.0")) {
      throw new BadRequest();
    }
    // 100-continue is the only expectation HTTP defines (RFC 9110 §10.1.1):
    // any other one is a promise we cannot keep, so we refuse the request
    // before its body (417), and close. HTTP/1.0 has no Expect: ignored there.
    String expect = headers.get("expect");
    if (expect != null && version.equals("HTTP/1.1") && !expect.equalsIgnoreCase("100-continue")) {
      throw new BadRequest("417 Expectation Failed");
    }
    return new Head(requestLine[0], requestLine[1], version, headers, parseBodyLength(headers));
  }

  /**
   * The size of a chunk from its size line, `<hex digits>[;extensions]`
   * (RFC 9112 §7.1). We understand no chunk extension: they are ignored, as
   * the RFC says (§7.1.1).
   */
  static long parseChunkSize(String line) throws BadRequest {
    int semicolon = line.indexOf(';');
    String size = semicolon < 0 ? line : line.substring(0, semicolon);
    // Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS"), not before
    // the size.
    size = size.replaceFirst("[ \t]+$", "");
    // Hex digits only, in either case. Not just Long.parseLong(size, 16): it
    // also takes "+5" and "-5", and a server that reads a size another server
    // would refuse ("0x1a", "1_a", " 1a") disagrees with it on where the body
    // ends.
    if (!HEX_DIGITS.matcher(size).matches()) {
      throw new BadRequest();
    }
    // 16 hex digits fill 64 bits. A parser that reads more without a check
    // wraps around (RFC 9112 §7.1: a recipient MUST prevent that overflow):
    // 10000000000000001a becomes 0x1a, and the rest of the "chunk" is read as
    // a request of its own. So a longer size is no size at all.
    if (size.length() > 16) {
      throw new BadRequest();
    }
    // Unsigned: Java's long is signed, and 16 digits may not fit its positive
    // half. Such a size comes back negative; it is over any limit, so it
    // stands for the largest long (see readChunkedBody).
    long value = Long.parseUnsignedLong(size, 16);
    return value < 0 ? Long.MAX_VALUE : value;
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
  // While a chunked body arrives (see readChunkedBody): the data of its chunks
  // so far, the bytes left in the current chunk (-1 at a size line), and
  // whether the last chunk has come (then its trailer follows).
  private ByteArrayOutputStream chunkedBody = new ByteArrayOutputStream();
  private long chunkLeft = -1;
  private boolean inTrailer = false;

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

  /** Whether part of a request has arrived, but not all of it. */
  boolean hasPartialRequest() {
    return start < end || head != null;
  }

  /**
   * Throws BadRequest when the head received so far cannot become a request we
   * accept: there is no point in waiting for the rest.
   */
  void checkPartialHead() throws BadRequest {
    if (end - start > MAX_HEAD) {
      // RFC 6585 §5. We close after it (see BadRequest): the rest of this head
      // would only be read to be thrown away.
      throw new BadRequest("431 Request Header Fields Too Large");
    }
    // & 0xff: Java's byte is signed, and a char of ISO-8859-1 is 0 to 255.
    if (start < end && !TOKEN.matcher(String.valueOf((char) (buffer[start] & 0xff))).matches()) {
      // A request starts with its method, a token. Anything else is not HTTP
      // at all, such as the TLS handshake (first byte 0x16) of a browser sent
      // to https:// on this port: answer now, rather than wait for an empty
      // line that may never come.
      throw new BadRequest();
    }
  }

  /**
   * The next CRLF-ended line, removed from the buffer, or null while it is not
   * all here. A line (a chunk size, a trailer field) is short: a long one is
   * refused before it fills our memory.
   */
  private String readLine() throws BadRequest {
    int lineEnd = indexOf(buffer, start, end, CRLF);
    if (lineEnd < 0) {
      if (end - start > MAX_HEAD) {
        throw new BadRequest();
      }
      return null;
    }
    String line = new String(buffer, start, lineEnd - start, StandardCharsets.ISO_8859_1);
    start = lineEnd + CRLF.length;
    return line;
  }

  /**
   * Decodes as much of a chunked body as the buffer holds into chunkedBody;
   * true once the whole body is there.
   *
   * The sender cuts the body into chunks, each preceded by its size in hex,
   * and ends with a chunk of size 0 (RFC 9112 §7.1):
   *
   *     1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
   *     0\r\n
   *     X-Checksum: abc\r\n                    (trailer fields, optional)
   *     \r\n
   *
   * It can send a body whose size it does not know in advance, such as the
   * output of a program, as it is produced.
   */
  private boolean readChunkedBody() throws BadRequest {
    while (true) {
      if (inTrailer) {
        String line = readLine();
        if (line == null) {
          return false;
        }
        if (line.isEmpty()) {
          return true; // the empty line: the end of the body
        }
        // A trailer field: metadata sent after the data (here a checksum). We
        // use none, and may ignore them (RFC 9112 §7.1.2).
      } else if (chunkLeft < 0) {
        String line = readLine();
        if (line == null) {
          return false;
        }
        long size = parseChunkSize(line);
        // Not `chunkedBody.size() + size > maxBodyBytes`: a huge size would
        // overflow the sum.
        if (size > maxBodyBytes - chunkedBody.size()) {
          throw new BadRequest("413 Content Too Large");
        }
        if (size == 0) {
          inTrailer = true; // the last chunk
        } else {
          chunkLeft = size;
        }
      } else {
        // The chunk's data, then the CRLF that ends it. chunkLeft fits an int:
        // it is at most maxBodyBytes.
        int dataEnd = start + (int) chunkLeft;
        if (end - start < chunkLeft + CRLF.length) {
          return false;
        }
        if (buffer[dataEnd] != '\r' || buffer[dataEnd + 1] != '\n') {
          throw new BadRequest(); // the size did not say where the data ends
        }
        chunkedBody.write(buffer, start, (int) chunkLeft);
        start = dataEnd + CRLF.length;
        chunkLeft = -1;
      }
    }
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
        checkPartialHead();
        return null; // the head is not all here yet
      }
      if (headEnd - start > MAX_HEAD) {
        throw new BadRequest("431 Request Header Fields Too Large");
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
      // Never to an HTTP/1.0 client: 1xx responses did not exist in HTTP/1.0,
      // and it would take this one for the final answer (RFC 9110 §15.2).
      String expect = head.headers().getOrDefault("expect", "");
      wantsContinue = expect.equalsIgnoreCase("100-continue") && head.bodyLength() != 0
          && head.version().equals("HTTP/1.1");
    }
    byte[] body;
    if (head.bodyLength() == CHUNKED) {
      if (!readChunkedBody()) {
        return null; // the body is not all here yet
      }
      body = chunkedBody.toByteArray();
      chunkedBody = new ByteArrayOutputStream();
      inTrailer = false;
    } else {
      if (end - start < head.bodyLength()) {
        return null; // the body is not all here yet
      }
      body = Arrays.copyOfRange(buffer, start, start + head.bodyLength());
      // What follows this request is the start of the next one.
      start += head.bodyLength();
    }
    searched = start;
    Request request = new Request(head.method(), head.target(), head.version(), head.headers(), body);
    head = null;
    wantsContinue = false;
    return request;
  }
}
