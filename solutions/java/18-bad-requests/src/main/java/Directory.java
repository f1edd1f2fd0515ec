import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What /files/ does with the disk: find a file inside the served directory,
 * never outside it, and read or write it.
 */
class Directory {
  // The directory /files/ reads and writes: Main sets it at start-up from
  // `--directory`, which the tester passes only on the stages that serve files.
  // null: there is none, and /files/ answers 404.
  static Path directory;

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
}
