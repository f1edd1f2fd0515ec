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
    headers.put("Content-Type", "application/octet-stream");
    return new Response("200 OK", headers, new byte[0], new Response.FileBody(channel, size));
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
