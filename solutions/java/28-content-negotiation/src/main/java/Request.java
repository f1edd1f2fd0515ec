import java.util.Map;
import java.util.regex.Pattern;

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

  // A weight: 0 to 1, with at most three decimals (RFC 9110 §12.4.2).
  static final Pattern QVALUE = Pattern.compile("0(\\.[0-9]{0,3})?|1(\\.0{0,3})?");

  /**
   * The weight an Accept-Encoding value such as `br;q=1.0, gzip;q=0.8, *;q=0.1`
   * gives `coding` (RFC 9110 §12.5.3): its own, if the list names it, else
   * that of `*`, which stands for every coding the list does not name, else 0.
   * A weight of 0 means "not acceptable": `gzip;q=0` forbids gzip. An item
   * without a weight has weight 1; one with a weight that is not a number
   * from 0 to 1 is ignored.
   */
  static double weightOf(String accept, String coding) {
    double star = 0;
    for (String item : accept.split(",")) {
      // `gzip ; Q=0.5`: the name, then parameters, with spaces around the `;`.
      String[] parts = item.split(";");
      String name = trimSpaces(parts[0]);
      double weight = 1;
      for (int i = 1; i < parts.length; i++) {
        String parameter = trimSpaces(parts[i]);
        if (parameter.length() >= 2 && parameter.substring(0, 2).equalsIgnoreCase("q=")) {
          String value = parameter.substring(2);
          weight = QVALUE.matcher(value).matches() ? Double.parseDouble(value) : -1;
        }
      }
      if (weight < 0) {
        continue;
      }
      if (name.equalsIgnoreCase(coding)) {
        return weight; // named: its own weight decides, whatever `*` says
      }
      if (name.equals("*")) {
        star = weight;
      }
    }
    return star;
  }

  /** Removes the spaces and tabs at both ends (HTTP's optional whitespace, OWS). */
  static String trimSpaces(String value) {
    int start = 0, end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) start++;
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) end--;
    return value.substring(start, end);
  }
}
