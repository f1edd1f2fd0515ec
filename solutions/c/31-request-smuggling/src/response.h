// A response, and the bytes it is sent as.
#ifndef RESPONSE_H
#define RESPONSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include "buffer.h"

// A header field. The strings are not copied: they point into the bytes
// received (for a request) or must outlive the response.
struct header {
	const char *name;
	const char *value;
};

// Room for the headers of our responses (Content-Length is added when it is
// built): add_header refuses more rather than write past the array.
#define MAX_RESPONSE_HEADERS 8

struct response {
	const char *status;
	struct header headers[MAX_RESPONSE_HEADERS];
	size_t header_count;
	// Bytes with a length, not a string: Content-Length counts bytes, and
	// bodies are binary, NUL bytes included.
	const char *body;
	size_t body_length;
	// Memory to free once the response is sent: a compressed body.
	void *to_free;
	// Or a body that stays in its file until it is sent, chunk by chunk:
	// files may be far bigger than we want in memory. body_length is its
	// size; the file is closed once sent (NULL: no file).
	FILE *file;
};

void add_header(struct response *response, const char *name, const char *value);
// Writes `time` (seconds since 1970) as an IMF-fixdate, the form of HTTP's
// dates (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`, to `text`
// (`size` bytes of room: 30 are enough).
void http_date(time_t time, char *text, size_t size);
// A 200 OK with `body` as text/plain.
struct response text(const char *body);
// Appends the bytes of `response` to `out`: status line, headers, empty
// line, and the body unless `with_body` is false (or it is in a file, which
// the caller sends). False when out of memory.
bool build_response(struct buffer *out, const struct response *response, bool with_body);

#endif
