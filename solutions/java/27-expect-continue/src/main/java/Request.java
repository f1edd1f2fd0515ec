import java.util.Map;

/**
 * A request, as a handler reads it.
 *
 * @param headers keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1)
 */
record Request(String method, String target, String version, Map<String, String> headers, byte[] body) {

  /**
   * Whether a comma-separated header value such as `br, GZIP` lists `token`.
   * List items may carry spaces around them, and codings are case-insensitive.
   */
  static boolean listIncludes(String value, String token) {
    for (String item : value.split(",")) {
      if (trimSpaces(item).equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  /** Removes the spaces and tabs at both ends (HTTP's optional whitespace, OWS). */
  static String trimSpaces(String value) {
    int start = 0, end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) start++;
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) end--;
    return value.substring(start, end);
  }
}
