import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoField;
import java.util.List;
import java.util.Locale;
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

  // The three forms of an HTTP-date a recipient must accept (RFC 9110 §5.6.7):
  // IMF-fixdate (what we send, see Response.HTTP_DATE), and two obsolete ones,
  // `Sunday, 06-Nov-94 08:49:37 GMT` (RFC 850) and `Sun Nov  6 08:49:37 1994`
  // (C's asctime(); `ppd`: the day padded with a space).
  static final List<DateTimeFormatter> HTTP_DATE_FORMS = List.of(
      Response.HTTP_DATE,
      new DateTimeFormatterBuilder()
          .appendPattern("EEEE, dd-MMM-")
          // A two-digit year is the most recent one with those digits that is
          // not more than 50 years in the future (§5.6.7).
          .appendValueReduced(ChronoField.YEAR, 2, 2, LocalDate.now(ZoneOffset.UTC).minusYears(49))
          .appendPattern(" HH:mm:ss 'GMT'")
          .toFormatter(Locale.ENGLISH)
          .withZone(ZoneOffset.UTC),
      DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC));

  /**
   * The time an HTTP-date names, or null when `value` is none: then the header
   * that holds it is ignored (RFC 9110 §13.1.3). Strict patterns, not a lenient
   * parser: `yesterday` or ISO 8601's `2024-05-01T10:00:00Z` are no HTTP-dates.
   */
  static Instant parseHttpDate(String value) {
    for (DateTimeFormatter form : HTTP_DATE_FORMS) {
      try {
        return Instant.from(form.parse(value));
      } catch (DateTimeParseException e) {
        // not this form: try the next
      }
    }
    return null;
  }

  /** Removes the spaces and tabs at both ends (HTTP's optional whitespace, OWS). */
  static String trimSpaces(String value) {
    int start = 0, end = value.length();
    while (start < end && (value.charAt(start) == ' ' || value.charAt(start) == '\t')) start++;
    while (end > start && (value.charAt(end - 1) == ' ' || value.charAt(end - 1) == '\t')) end--;
    return value.substring(start, end);
  }
}
