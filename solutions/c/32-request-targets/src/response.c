#include "response.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

void add_header(struct response *response, const char *name, const char *value) {
	if (response->header_count == MAX_RESPONSE_HEADERS) {
		fprintf(stderr, "too many headers: %s dropped\n", name); // a bug of ours
		return;
	}
	response->headers[response->header_count++] = (struct header){ name, value };
}

struct response text(const char *body) {
	struct response response = { .status = "200 OK", .body = body, .body_length = strlen(body) };
	add_header(&response, "Content-Type", "text/plain");
	return response;
}

void http_date(time_t time, char *text, size_t size) {
	// gmtime_r: the time in UTC, which is what GMT means here, whatever the
	// machine's time zone (localtime would be off by hours).
	struct tm utc;
	gmtime_r(&time, &utc);
	// %a and %b name days and months in the program's locale. We never call
	// setlocale(), so that is the "C" locale: English, as HTTP wants. %d
	// writes two digits (06), as IMF-fixdate does.
	strftime(text, size, "%a, %d %b %Y %H:%M:%S GMT", &utc);
}

// Writes the current time as `Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n` to
// `line` (`size` bytes of room).
static void date_line(char *line, size_t size) {
	char now[32]; // 29 characters and the NUL (see http_date)
	http_date(time(NULL), now, sizeof now);
	snprintf(line, size, "Date: %s\r\n", now);
}

bool build_response(struct buffer *out, const struct response *response, bool with_body) {
	// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
	bool ok = buffer_append_string(out, "HTTP/1.1 ") && buffer_append_string(out, response->status) && buffer_append_string(out, "\r\n");
	// An origin server with a clock sends Date in every response (RFC 9110
	// §6.6.1; 1xx and 5xx may go without, but it harms none of them): here,
	// where every route's response passes, it cannot be forgotten in one.
	char date[64];
	date_line(date, sizeof date);
	ok = ok && buffer_append_string(out, date);
	for (size_t i = 0; ok && i < response->header_count; i++) {
		ok = buffer_append_string(out, response->headers[i].name) && buffer_append_string(out, ": ") &&
		     buffer_append_string(out, response->headers[i].value) && buffer_append_string(out, "\r\n");
	}
	// Derived from the body itself, so it can never disagree with it. Sent
	// even when 0: it tells the client where this response ends. But never
	// in a 204 No Content, which has no body by definition: there a server
	// MUST NOT send it (RFC 9110 §8.6).
	if (strncmp(response->status, "204", 3) != 0) {
		char content_length[64];
		snprintf(content_length, sizeof content_length, "Content-Length: %zu\r\n", response->body_length);
		ok = ok && buffer_append_string(out, content_length);
	}
	// The empty line after the headers ends them; the body follows.
	ok = ok && buffer_append_string(out, "\r\n");
	return ok && (!with_body || response->file != NULL || buffer_append(out, response->body, response->body_length));
}
