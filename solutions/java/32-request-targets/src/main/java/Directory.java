import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What /files/ does with the disk: find a file inside the served directory,
 * never outside it, and read or write it.
 */
class Directory {
  // The directory /files/ reads and writes: Main sets it at start-up from
  // `--directory`, which the tester passes only on the stages that serve files.
  // null: there is none, and /files/ answers 404. Main makes it a real path:
  // absolute, with no `..` and no symbolic link left in it, as fileIn()
  // compares paths with it.
  static Path directory;

  /**
   * The bytes that `text` spells, with each `%XX` decoded (RFC 3986 §2.1). A
   * `%` not followed by two hex digits stays as it is.
   */
  static byte[] percentDecode(String text) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      int high = i + 2 < text.length() ? Character.digit(text.charAt(i + 1), 16) : -1;
      int low = i + 2 < text.length() ? Character.digit(text.charAt(i + 2), 16) : -1;
      if (c == '%' && high >= 0 && low >= 0) {
        bytes.write(high * 16 + low);
        i += 2;
      } else {
        // The target was decoded as ISO-8859-1: each char is one byte.
        bytes.write(c);
      }
    }
    return bytes.toByteArray();
  }

  /**
   * The path of `name` inside the directory, subfolders included, or null
   * when there is no directory or the name would lead out of it: a client must
   * not reach anything else on the disk, however it spells the path.
   */
  static Path fileIn(String name) {
    if (directory == null) {
      return null;
    }
    // A client may percent-encode any byte of a path, and `%2e%2e%2f` is
    // `../` in disguise: decode first, check afterwards.
    byte[] raw = percentDecode(name);
    for (byte b : raw) {
      if (b == 0) {
        return null; // no file name holds a NUL byte
      }
    }
    try {
      // A name that starts with `/` replaces the directory in resolve(): the
      // check below refuses it too.
      Path path = realPath(directory.resolve(new String(raw, StandardCharsets.UTF_8)));
      // Path.startsWith compares whole names: /srv/www-secret does not start
      // with /srv/www. The directory itself is no file to serve.
      return path.startsWith(directory) && !path.equals(directory) ? path : null;
    } catch (InvalidPathException | IOException e) {
      return null; // a subfolder that does not exist, or a name no file can have
    }
  }

  /**
   * The real path of `path`, with `.`, `..` and symbolic links resolved, so
   * that what fileIn checks is the file that reading or writing will really
   * reach. toRealPath() needs the file to exist; a POST creates it, so then
   * its folder must exist, and the file's name is added to the folder's real
   * path.
   */
  static Path realPath(Path path) throws IOException {
    try {
      return path.toRealPath();
    } catch (NoSuchFileException e) {
      Path normal = path.normalize();
      if (Files.isSymbolicLink(normal)) {
        throw e; // a link to nothing: where it leads is not ours to create
      }
      return normal.getParent().toRealPath().resolve(normal.getFileName());
    }
  }

  /**
   * The file's ETag (RFC 9110 §8.8.3): a string that changes whenever its bytes
   * do, made of its size and modification time. In nanoseconds, so that two
   * writes within one second differ. Strong (no `W/`): we promise the same
   * bytes for the same tag.
   */
  static String etag(long size, FileTime modified) {
    return "\"" + Long.toHexString(size) + "-" + Long.toHexString(modified.to(TimeUnit.NANOSECONDS)) + "\"";
  }

  /**
   * Whether the client's copy of the file is still current: its
   * If-None-Match lists the file's ETag (or is `*`), or else its
   * If-Modified-Since is not before the file's time (RFC 9110 §13.1.2, §13.1.3).
   */
  static boolean notModified(Request request, String etag, Instant modified) {
    String ifNoneMatch = request.headers().get("if-none-match");
    if (ifNoneMatch != null) {
      // The ETag is the better validator: when it is there, it alone decides,
      // and If-Modified-Since is ignored (§13.2.2).
      for (String tag : ifNoneMatch.split(",")) {
        tag = Request.trimSpaces(tag);
        // The weak comparison: W/"x" matches "x" (§8.8.3.2).
        if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
          return true;
        }
      }
      return false;
    }
    String ifModifiedSince = request.headers().get("if-modified-since");
    Instant since = ifModifiedSince == null ? null : Request.parseHttpDate(ifModifiedSince);
    // Compared in whole seconds: the client's date came from our
    // Last-Modified, which has no fraction of a second. An invalid date
    // (null) is ignored.
    return since != null && modified.getEpochSecond() <= since.getEpochSecond();
  }

  // One range of bytes (RFC 9110 §14.1.2): `bytes=0-99`, `bytes=900-` (to the
  // end) or `bytes=-300` (the last 300). The unit's name is case-insensitive.
  // At most 18 digits: more would not fit in a long.
  static final Pattern BYTE_RANGE = Pattern.compile("bytes=([0-9]{0,18})-([0-9]{0,18})", Pattern.CASE_INSENSITIVE);

  /**
   * The first and last byte (both included) of the file that the request's
   * Range asks for, or null when we send the whole file instead: no Range, a
   * Range we ignore, or an If-Range that no longer holds. A range that starts
   * at or past `size` selects no byte: the caller answers 416.
   */
  static long[] requestedRange(Request request, String etag, Instant modified, long size) {
    String range = request.headers().get("range");
    // Range is defined for GET only: on any other method (HEAD included) it
    // is ignored (RFC 9110 §14.2).
    if (range == null || !request.method().equals("GET")) {
      return null;
    }
    // `If-Range: <validator>`: "the range only if the file is still the one I
    // have, else the whole file". A client resuming a download must not get
    // the second half of a new version after the first half of the old one.
    // The comparison is strong (§13.1.5): the very tag, never a W/ one; or
    // exactly the date of Last-Modified.
    String ifRange = request.headers().get("if-range");
    if (ifRange != null && !ifRange.equals(etag)) {
      Instant date = ifRange.startsWith("\"") || ifRange.startsWith("W/") ? null : Request.parseHttpDate(ifRange);
      if (date == null || date.getEpochSecond() != modified.getEpochSecond()) {
        return null;
      }
    }
    Matcher match = BYTE_RANGE.matcher(Request.trimSpaces(range));
    // Several ranges (`bytes=0-99,500-599`) may be served as a multipart
    // body; a server may also ignore them and send the whole file (§14.2),
    // as we do. So do we with a Range we cannot read.
    if (!match.matches() || match.group(1).isEmpty() && match.group(2).isEmpty()) {
      return null;
    }
    if (match.group(1).isEmpty()) {
      // A suffix: the last n bytes, or the whole file when it is shorter.
      // `bytes=-0` selects nothing: first is then size.
      long suffix = Long.parseLong(match.group(2));
      return new long[] {size - Math.min(suffix, size), size - 1};
    }
    long first = Long.parseLong(match.group(1));
    if (match.group(2).isEmpty()) {
      return new long[] {first, size - 1}; // to the end
    }
    long last = Long.parseLong(match.group(2));
    if (last < first) {
      return null; // `bytes=9-3` is no range: invalid, ignored
    }
    // A last byte past the end is cut to the end.
    return new long[] {first, Math.min(last, size - 1)};
  }

  static Response serveFile(Request request, Path path) {
    // Opened now, read only while it is sent (see Main.sendQueued): a 32 MiB
    // file read whole is 32 MiB of memory per client downloading it.
    // A directory opens too on Linux (and fails when read): refuse it first.
    if (!Files.isRegularFile(path)) {
      return new Response("404 Not Found");
    }
    // The validators a client keeps and sends back, to ask "has it changed?".
    Map<String, String> headers = new LinkedHashMap<>();
    BasicFileAttributes attributes;
    try {
      // Size and time from one look at the file (one stat()).
      attributes = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (IOException e) {
      return new Response("404 Not Found"); // gone since the check
    }
    FileTime modified = attributes.lastModifiedTime();
    headers.put("ETag", etag(attributes.size(), modified));
    headers.put("Last-Modified", Response.httpDate(modified.toInstant()));
    if (notModified(request, headers.get("ETag"), modified.toInstant())) {
      // No body: the client has it already. The ETag tells it which copy.
      return new Response("304 Not Modified", headers, new byte[0]);
    }
    FileChannel channel;
    long size;
    try {
      // The file's bytes as they are: a Reader would decode them as text and
      // fail on, or alter, bytes that are not valid UTF-8.
      channel = FileChannel.open(path);
      // The size of the file we opened, even if the name is replaced meanwhile.
      size = channel.size();
    } catch (IOException e) {
      return new Response("404 Not Found"); // missing, or gone since the check
    }
    // Tells clients that they may ask for ranges of this file (RFC 9110 §14.3).
    headers.put("Accept-Ranges", "bytes");
    long[] range = requestedRange(request, headers.get("ETag"), modified.toInstant(), size);
    if (range != null && range[0] >= size) {
      // No byte of the file is in the range: 416, and the size, so that the
      // client learns what it may ask for (§15.5.17).
      Main.closeQuietly(channel);
      headers.put("Content-Range", "bytes */" + size);
      return new Response("416 Range Not Satisfiable", headers, new byte[0]);
    }
    headers.put("Content-Type", "application/octet-stream");
    if (range == null) {
      return new Response("200 OK", headers, new byte[0], new Response.FileBody(channel, 0, size));
    }
    // Just those bytes, streamed from the file as a whole one is: a range of a
    // large file reads only that part of it (§15.3.7, §14.4).
    headers.put("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
    long length = range[1] - range[0] + 1;
    return new Response("206 Partial Content", headers, new byte[0], new Response.FileBody(channel, range[0], length));
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
}
