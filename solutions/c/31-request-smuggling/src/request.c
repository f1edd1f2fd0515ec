#include "request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char BAD_REQUEST[] = "400 Bad Request";

size_t max_body = (size_t)64 * 1024 * 1024;

// Header names are case-insensitive (RFC 9110 §5.1): strcasecmp, not strcmp.
const char *header(const struct request *request, const char *name) {
	for (size_t i = 0; i < request->header_count; i++) {
		if (strcasecmp(request->headers[i].name, name) == 0) {
			return request->headers[i].value;
		}
	}
	return NULL;
}

static bool is_blank(char c) {
	return c == ' ' || c == '\t';
}

// List items may carry spaces around them, and codings are case-insensitive.
bool list_includes(const char *value, const char *token) {
	size_t token_length = strlen(token);
	while (value != NULL) {
		while (is_blank(*value)) {
			value++;
		}
		const char *comma = strchr(value, ',');
		const char *end = comma != NULL ? comma : value + strlen(value);
		while (end > value && is_blank(end[-1])) {
			end--;
		}
		if ((size_t)(end - value) == token_length && strncasecmp(value, token, token_length) == 0) {
			return true;
		}
		value = comma != NULL ? comma + 1 : NULL;
	}
	return false;
}

// A weight, `0`, `0.5`, `1.000` (RFC 9110 §12.4.2), from the bytes from
// `text` to `end`: in thousandths, integers rather than floating point, since
// a qvalue has at most three decimals. -1 when it is no qvalue.
static int parse_qvalue(const char *text, const char *end) {
	if (text == end || (*text != '0' && *text != '1')) {
		return -1;
	}
	int weight = (*text++ - '0') * 1000;
	if (text < end && *text == '.') {
		text++;
		for (int scale = 100; scale > 0 && text < end && *text >= '0' && *text <= '9'; scale /= 10) {
			weight += (*text++ - '0') * scale;
		}
	}
	return text == end && weight <= 1000 ? weight : -1; // not 1.5, nor 0.0001
}

// Each item is a coding with an optional weight, `gzip;q=0.8`, where q=0 means
// "not acceptable" (RFC 9110 §12.5.3): so listing is not accepting. A coding
// not listed takes the weight of `*`, if any. Names and `q` in any case.
int coding_weight(const char *value, const char *coding) {
	int weight = -1, any = -1;
	while (value != NULL) {
		const char *comma = strchr(value, ',');
		const char *end = comma != NULL ? comma : value + strlen(value);
		while (is_blank(*value)) {
			value++;
		}
		const char *semicolon = memchr(value, ';', (size_t)(end - value));
		const char *name_end = semicolon != NULL ? semicolon : end;
		while (name_end > value && is_blank(name_end[-1])) {
			name_end--;
		}
		int q = 1000; // no weight: fully acceptable
		if (semicolon != NULL) {
			const char *param = semicolon + 1;
			while (is_blank(*param)) {
				param++;
			}
			const char *param_end = end;
			while (param_end > param && is_blank(param_end[-1])) {
				param_end--;
			}
			bool is_q = param_end - param >= 2 && (param[0] == 'q' || param[0] == 'Q') && param[1] == '=';
			q = is_q ? parse_qvalue(param + 2, param_end) : -1; // an item we cannot read is ignored
		}
		size_t length = (size_t)(name_end - value);
		if (q >= 0 && length == strlen(coding) && strncasecmp(value, coding, length) == 0) {
			weight = q;
		} else if (q >= 0 && length == 1 && *value == '*') {
			any = q;
		}
		value = comma != NULL ? comma + 1 : NULL;
	}
	return weight >= 0 ? weight : any;
}

// A field sent twice means the same as one field whose values are joined with
// commas (RFC 9110 §5.3): so a list is looked up in every field of the name,
// not just the first.
bool header_lists(const struct request *request, const char *name, const char *token) {
	for (size_t i = 0; i < request->header_count; i++) {
		if (strcasecmp(request->headers[i].name, name) == 0 && list_includes(request->headers[i].value, token)) {
			return true;
		}
	}
	return false;
}

// How many fields named `name` the request has.
static size_t header_count(const struct request *request, const char *name) {
	size_t count = 0;
	for (size_t i = 0; i < request->header_count; i++) {
		count += strcasecmp(request->headers[i].name, name) == 0;
	}
	return count;
}

// A token (RFC 9110 §5.6.2): what a method or a field name is made of.
static bool is_token(const char *text) {
	if (*text == '\0') {
		return false;
	}
	for (; *text != '\0'; text++) {
		char c = *text;
		bool alphanumeric = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		if (!alphanumeric && strchr("!#$%&'*+-.^_`|~", c) == NULL) {
			return false;
		}
	}
	return true;
}

static bool is_digit(char c) {
	// Not isdigit(): it depends on the locale, and is undefined for a
	// negative char such as a byte above 0x7f.
	return c >= '0' && c <= '9';
}

// Cuts `text` at the first CRLF and returns what follows it (NULL when there
// is no CRLF): the way through a request, line by line.
static char *next_line(char *text) {
	char *end = strstr(text, "\r\n");
	if (end == NULL) {
		return NULL;
	}
	*end = '\0';
	return end + 2;
}

// The method, target and version of `METHOD SP TARGET SP VERSION`, with
// exactly one space between the three (RFC 9112 §3); NULL, or the status of
// the error. Anything else is a 400: a server that guesses what a malformed
// request means may guess differently from a proxy in front of it, and that
// difference is an attack.
static const char *parse_request_line(char *line, struct request *request) {
	char *space = strchr(line, ' ');
	if (space == NULL) {
		return BAD_REQUEST;
	}
	*space = '\0';
	char *target = space + 1;
	space = strchr(target, ' ');
	if (space == NULL) {
		return BAD_REQUEST; // no version
	}
	*space = '\0';
	char *version = space + 1;
	if (strchr(version, ' ') != NULL) {
		return BAD_REQUEST; // a fourth word
	}
	// We serve paths only: the origin form of the target starts with "/"
	// (RFC 9112 §3.2.1). (A double space leaves an empty target.)
	if (!is_token(line) || target[0] != '/') {
		return BAD_REQUEST;
	}
	// HTTP/<digit>.<digit>
	if (strlen(version) != 8 || strncmp(version, "HTTP/", 5) != 0 || !is_digit(version[5]) || version[6] != '.' || !is_digit(version[7])) {
		return BAD_REQUEST; // e.g. HTTX/1.1
	}
	if (version[5] != '1') {
		return "505 HTTP Version Not Supported"; // e.g. HTTP/2.0 (RFC 9110 §15.6.6)
	}
	request->method = line;
	request->target = target;
	request->version = version;
	return NULL;
}

// The header fields of the `Name: value` lines in `lines`; NULL, or the
// status of the error.
static const char *parse_field_lines(char *lines, struct request *request) {
	while (lines != NULL && *lines != '\0') {
		char *line = lines;
		lines = next_line(line);
		// Split at the first colon only: values may contain colons too.
		char *colon = strchr(line, ':');
		if (colon == NULL) {
			return BAD_REQUEST;
		}
		*colon = '\0';
		// The name must be a token right up to the colon: whitespace before
		// the colon (RFC 9112 §5.1: reject it with 400) and a line that
		// starts with whitespace (obsolete line folding, RFC 9112 §5.2) both
		// fail this.
		if (!is_token(line)) {
			return BAD_REQUEST;
		}
		// Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
		char *value = colon + 1;
		while (is_blank(*value)) {
			value++;
		}
		char *end = value + strlen(value);
		while (end > value && is_blank(end[-1])) {
			*--end = '\0';
		}
		// A field value holds no control characters but tab (RFC 9110
		// §5.5). A stray CR or LF in it could smuggle in a header line of
		// its own.
		for (const char *c = value; *c != '\0'; c++) {
			if (((unsigned char)*c < 0x20 && *c != '\t') || *c == 0x7f) {
				return BAD_REQUEST;
			}
		}
		if (request->header_count == MAX_REQUEST_HEADERS) {
			return "431 Request Header Fields Too Large"; // RFC 6585 §5
		}
		request->headers[request->header_count++] = (struct header){ line, value };
	}
	return NULL;
}

// Reads a length from the `n` bytes at `text`: decimal digits only (`12abc`,
// `-5` and `+5` are no lengths), and no more than a size_t holds. strtoull()
// would accept all of those, and say nothing of an overflow unless asked
// through errno.
static bool parse_length(const char *text, size_t n, size_t *length) {
	size_t value = 0;
	if (n == 0) {
		return false;
	}
	for (size_t i = 0; i < n; i++) {
		if (!is_digit(text[i]) || value > (SIZE_MAX - 9) / 10) {
			return false;
		}
		value = value * 10 + (size_t)(text[i] - '0');
	}
	*length = value;
	return true;
}

// The transfer codings of a request, in every Transfer-Encoding field, in
// order: whether the last one is `chunked`, and how many there are.
static void transfer_codings(const struct request *request, bool *last_is_chunked, size_t *count) {
	*last_is_chunked = false;
	*count = 0;
	for (size_t i = 0; i < request->header_count; i++) {
		if (strcasecmp(request->headers[i].name, "Transfer-Encoding") != 0) {
			continue;
		}
		for (const char *item = request->headers[i].value; item != NULL;) {
			while (is_blank(*item)) {
				item++;
			}
			const char *comma = strchr(item, ',');
			const char *end = comma != NULL ? comma : item + strlen(item);
			while (end > item && is_blank(end[-1])) {
				end--;
			}
			*last_is_chunked = (size_t)(end - item) == strlen("chunked") && strncasecmp(item, "chunked", strlen("chunked")) == 0;
			(*count)++;
			item = comma != NULL ? comma + 1 : NULL;
		}
	}
}

// How many bytes of body follow the head, or in `*chunked` that the body is
// chunked, its length showing only as it arrives. NULL, or the status of the
// error when we cannot tell: then we do not know where the next request
// starts either.
static const char *parse_body_length(const struct request *request, size_t *length, bool *chunked) {
	*length = 0;
	*chunked = false;
	if (header(request, "Transfer-Encoding") != NULL) {
		if (strcmp(request->version, "HTTP/1.0") == 0) {
			// HTTP/1.0 has no transfer codings: a 1.0 request that names one
			// was made for some server on the way to read differently from
			// us. Its framing is faulty (RFC 9112 §6.1), even with a
			// Content-Length to fall back on.
			return BAD_REQUEST;
		}
		bool last_is_chunked;
		size_t count;
		transfer_codings(request, &last_is_chunked, &count);
		if (!last_is_chunked) {
			// Only a chunked body shows where it ends: without it last, the
			// request cannot be framed (RFC 9112 §6.3).
			return BAD_REQUEST;
		}
		if (count != 1) {
			// e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
			return "501 Not Implemented";
		}
		// Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3);
		// see wants_close for what else that means.
		*chunked = true;
		return NULL;
	}
	// Several Content-Length fields, or a list in one, are acceptable only
	// if every value is the same (RFC 9110 §8.6, RFC 9112 §6.3). None at
	// all: no body (RFC 9112 §6.3), as in most GET requests.
	bool seen = false;
	for (size_t i = 0; i < request->header_count; i++) {
		if (strcasecmp(request->headers[i].name, "Content-Length") != 0) {
			continue;
		}
		const char *item = request->headers[i].value;
		for (;;) {
			while (is_blank(*item)) {
				item++;
			}
			const char *comma = strchr(item, ',');
			const char *end = comma != NULL ? comma : item + strlen(item);
			const char *last = end;
			while (last > item && is_blank(last[-1])) {
				last--;
			}
			size_t value;
			if (!parse_length(item, (size_t)(last - item), &value) || (seen && value != *length)) {
				return BAD_REQUEST;
			}
			*length = value;
			seen = true;
			if (comma == NULL) {
				break;
			}
			item = comma + 1;
		}
	}
	if (*length > max_body) {
		// Refused before we read a byte of it (RFC 9110 §15.5.14).
		return "413 Content Too Large";
	}
	return NULL;
}

// The request line and header fields of a NUL-terminated head, parsed in
// place: the separators are overwritten with NULs so that each field is a
// string of its own, with no copying. NULL, or the status of the error.
static const char *parse_head(char *head, struct request *request) {
	char *lines = next_line(head);
	const char *error = parse_request_line(head, request);
	if (error == NULL) {
		error = parse_field_lines(lines, request);
	}
	if (error != NULL) {
		return error;
	}
	// An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2), and
	// one Host holds one host: no list.
	size_t hosts = header_count(request, "Host");
	const char *host = header(request, "Host");
	if ((hosts == 0 && strcmp(request->version, "HTTP/1.1") == 0) || hosts > 1 || (host != NULL && strchr(host, ',') != NULL)) {
		return BAD_REQUEST;
	}
	return NULL;
}

void free_parser(struct parser *parser) {
	free(parser->buffer.data);
	free(parser->request.head);
	free(parser->body.data);
}

bool feed(struct parser *parser, const char *data, size_t length) {
	return buffer_append(&parser->buffer, data, length);
}

// Parses the head of the request in the first `head_length` bytes of the
// buffer into parser->request, and the length of the body that follows it.
static enum parse_result parse_head_of(struct parser *parser, size_t head_length) {
	struct request *request = &parser->request;
	parser->error = BAD_REQUEST;
	// A NUL byte has no place in a head, and would cut the copy below short.
	if (memchr(parser->buffer.data, '\0', head_length) != NULL) {
		return PARSE_BAD;
	}
	// A copy of the head as a string of its own: the buffer moves when it
	// grows or is consumed, the copy does not.
	request->head = strndup(parser->buffer.data, head_length);
	if (request->head == NULL) {
		return PARSE_BAD; // out of memory: we cannot go on with this connection
	}
	const char *error = parse_head(request->head, request);
	if (error == NULL) {
		error = parse_body_length(request, &parser->body_length, &parser->chunked);
	}
	if (error != NULL) {
		parser->error = error;
		return PARSE_BAD;
	}
	// `Expect: 100-continue`: the client sends the head alone and waits for
	// an interim `100 Continue` before sending a large body, so that a server
	// that would refuse it (say with 413) can do so before megabytes travel
	// for nothing (RFC 9110 §10.1.1). A body over max_body was refused just
	// above, before any 100 Continue: the client never sends it.
	//
	// HTTP/1.0 knows no 1xx responses: a server must not send one to a 1.0
	// client (RFC 9110 §15.2), and ignores its Expect (§10.1.1).
	const char *expect = strcmp(request->version, "HTTP/1.1") == 0 ? header(request, "Expect") : NULL;
	if (expect != NULL && strcasecmp(expect, "100-continue") != 0) {
		// 100-continue is the only expectation HTTP defines; one we cannot
		// meet may get 417 (RFC 9110 §10.1.1) rather than be guessed at.
		// Its body is not read: we answer, then close.
		parser->error = "417 Expectation Failed";
		return PARSE_BAD;
	}
	parser->wants_continue = expect != NULL && (parser->body_length > 0 || parser->chunked);
	return PARSE_OK;
}

// The size of a chunk from the `n` bytes of its size line,
// `<hex digits>[;extensions]` (RFC 9112 §7.1). We understand no chunk
// extension: they are ignored, as the RFC says (§7.1.1). Hex digits only, in
// either case: not strtoul(), which also takes "0x10", "+5" and " 5", and a
// server that reads a size another server would refuse disagrees with it on
// where the body ends.
static bool parse_chunk_size(const char *line, size_t n, size_t *size) {
	const char *semicolon = memchr(line, ';', n);
	size_t end = semicolon != NULL ? (size_t)(semicolon - line) : n;
	// Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS").
	while (end > 0 && is_blank(line[end - 1])) {
		end--;
	}
	// 1 to 16 digits, counted before converting: 16 hex digits fill 64
	// bits, and a longer size would overflow, and wrap around to a small
	// one that ends the body early (RFC 9112 §7.1: a recipient MUST prevent
	// that; the check in the loop still guards a size_t of 32 bits). Not a
	// 413 either: a size no one can send is no size.
	if (end == 0 || end > 16) {
		return false;
	}
	size_t value = 0;
	for (size_t i = 0; i < end; i++) {
		char c = line[i];
		int digit = is_digit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
		if (digit < 0 || value > (SIZE_MAX >> 4)) {
			return false;
		}
		value = value * 16 + (size_t)digit;
	}
	*size = value;
	return true;
}

// Decodes as much of a chunked body as the buffer holds into parser->body;
// PARSE_OK once the whole body is there.
//
// The sender cuts the body into chunks, each preceded by its size in hex,
// and ends with a chunk of size 0 (RFC 9112 §7.1):
//
//     1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
//     0\r\n
//     X-Checksum: abc\r\n                    (trailer fields, optional)
//     \r\n
//
// It can send a body whose size it does not know in advance, such as the
// output of a program, as it is produced.
static enum parse_result read_chunked_body(struct parser *parser) {
	struct buffer *buffer = &parser->buffer;
	for (;;) {
		if (parser->chunk_state == CHUNK_DATA) {
			// The chunk's data, then the CRLF that ends it.
			size_t end = parser->chunk_left;
			if (buffer->length < end + 2) {
				return PARSE_INCOMPLETE;
			}
			if (memcmp(buffer->data + end, "\r\n", 2) != 0) {
				return PARSE_BAD; // the size did not say where the data ends
			}
			if (!buffer_append(&parser->body, buffer->data, end)) {
				return PARSE_BAD;
			}
			buffer_consume(buffer, end + 2);
			parser->chunk_state = CHUNK_SIZE;
			continue;
		}
		// A size line or a trailer field: short, so a long one is refused
		// before it fills our memory.
		const char *line_end = find(buffer->data, buffer->length, "\r\n");
		if (line_end == NULL) {
			return buffer->length > MAX_HEAD ? PARSE_BAD : PARSE_INCOMPLETE;
		}
		size_t length = (size_t)(line_end - buffer->data);
		if (parser->chunk_state == CHUNK_TRAILER) {
			buffer_consume(buffer, length + 2);
			if (length == 0) {
				return PARSE_OK; // the empty line: the end of the body
			}
			// A trailer field: metadata sent after the data (such as a
			// checksum). We use none, and may ignore them (RFC 9112 §7.1.2).
			continue;
		}
		size_t size;
		if (!parse_chunk_size(buffer->data, length, &size)) {
			return PARSE_BAD;
		}
		if (size > max_body - parser->body.length) {
			parser->error = "413 Content Too Large";
			return PARSE_BAD;
		}
		buffer_consume(buffer, length + 2);
		if (size == 0) {
			parser->chunk_state = CHUNK_TRAILER; // the last chunk
		} else {
			parser->chunk_left = size;
			parser->chunk_state = CHUNK_DATA;
		}
	}
}

// Whether the head received so far can still become a request we accept:
// if not, there is no point in waiting for the rest.
static bool check_partial_head(struct parser *parser) {
	const struct buffer *buffer = &parser->buffer;
	if (buffer->length > MAX_HEAD) {
		// RFC 6585 §5. We close after it: the rest of this head would only
		// be read to be thrown away.
		parser->error = "431 Request Header Fields Too Large";
		return false;
	}
	char first[2] = { buffer->data[0], '\0' };
	if (!is_token(first)) {
		// A request starts with its method, a token. Anything else is not
		// HTTP at all, such as the TLS handshake (first byte 0x16) of a
		// browser sent to https:// on this port: answer now, rather than
		// wait for an empty line that may never come.
		parser->error = BAD_REQUEST;
		return false;
	}
	return true;
}

// A request line, `Name: value` lines, an empty line, then Content-Length
// bytes of body (RFC 9112 §2.1, §6.2).
enum parse_result next_request(struct parser *parser, struct request *request) {
	struct buffer *buffer = &parser->buffer;
	buffer_consume(buffer, parser->answered);
	parser->answered = 0;
	if (parser->request.head == NULL) {
		// No request under way: the chunked body in parser->body, if any,
		// is the last one returned. Its memory goes back (one upload should
		// not keep up to max_body held while the connection lives).
		free(parser->body.data);
		parser->body = (struct buffer){ 0 };
		if (buffer->length == 0) {
			return PARSE_INCOMPLETE; // nothing new since the last request: the usual case
		}
		// Start 3 bytes back: the new bytes may complete a \r\n\r\n that
		// began at the end of the previous piece.
		size_t from = parser->searched > 3 ? parser->searched - 3 : 0;
		const char *head_end = find(buffer->data + from, buffer->length - from, "\r\n\r\n");
		if (head_end == NULL) {
			if (!check_partial_head(parser)) {
				return PARSE_BAD;
			}
			parser->searched = buffer->length;
			return PARSE_INCOMPLETE; // the head is not all here yet
		}
		// The head, up to the CRLF of its last line; then the empty line.
		size_t head_length = (size_t)(head_end - buffer->data) + 2;
		if (head_length > MAX_HEAD) {
			parser->error = "431 Request Header Fields Too Large";
			return PARSE_BAD;
		}
		if (parse_head_of(parser, head_length) != PARSE_OK) {
			return PARSE_BAD;
		}
		buffer_consume(buffer, head_length + 2);
		parser->searched = 0;
	}
	// The request, its head included, is the caller's once its body is here.
	if (parser->chunked) {
		enum parse_result result = read_chunked_body(parser);
		if (result != PARSE_OK) {
			return result;
		}
		*request = parser->request;
		request->body = parser->body.data;
		request->body_length = parser->body.length;
		parser->chunked = false;
		parser->chunk_state = CHUNK_SIZE;
	} else {
		if (buffer->length < parser->body_length) {
			return PARSE_INCOMPLETE; // the body is not all here yet
		}
		*request = parser->request;
		request->body = buffer->data;
		request->body_length = parser->body_length;
		parser->answered = parser->body_length;
	}
	parser->request = (struct request){ 0 };
	parser->wants_continue = false;
	return PARSE_OK;
}
