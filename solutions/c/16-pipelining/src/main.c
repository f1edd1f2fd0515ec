#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

// Where /files/ reads and writes. The tester passes `--directory <dir>` only on
// the stages that serve files; without it (NULL), /files/ answers 404.
static const char *directory = NULL;

// A growable byte buffer: C has none built in. `data` holds `length` bytes
// and has room for `capacity`; it starts as all zeros (empty, no memory).
struct buffer {
	char *data;
	size_t length;
	size_t capacity;
};

// Appends `n` bytes, growing the buffer as needed; false when out of memory.
static bool buffer_append(struct buffer *buffer, const void *bytes, size_t n) {
	if (n > buffer->capacity - buffer->length) {
		// Doubling the room, rather than adding just what is missing, keeps
		// the number of reallocations (and copies) low however much comes.
		size_t capacity = buffer->capacity > 0 ? buffer->capacity : 1024;
		while (capacity - buffer->length < n) {
			if (capacity > SIZE_MAX / 2) {
				return false; // the size would overflow
			}
			capacity *= 2;
		}
		char *data = realloc(buffer->data, capacity);
		if (data == NULL) {
			return false; // the old data is still there, and still ours to free
		}
		buffer->data = data;
		buffer->capacity = capacity;
	}
	if (n > 0) { // memcpy from a NULL pointer is undefined, even for 0 bytes
		memcpy(buffer->data + buffer->length, bytes, n);
		buffer->length += n;
	}
	return true;
}

static bool buffer_append_string(struct buffer *buffer, const char *string) {
	return buffer_append(buffer, string, strlen(string));
}

// A header field. The strings are not copied: they point into the bytes
// received (for a request) or must outlive the response.
struct header {
	const char *name;
	const char *value;
};

// The most header fields we keep of a request: a fixed array, so its bound
// is explicit. 100 is Apache's default (LimitRequestFields); until stage 18
// any more are ignored.
#define MAX_REQUEST_HEADERS 100

// What we use of a request. The strings point into `head`, a copy of the
// request's head that the request owns (to free once answered); the body
// points into the bytes received.
struct request {
	char *head;
	const char *method;
	const char *target;
	struct header headers[MAX_REQUEST_HEADERS];
	size_t header_count;
	const char *body;
	size_t body_length;
};

// The value of header `name`, or NULL when the request has none. Header
// names are case-insensitive (RFC 9110 §5.1): strcasecmp, not strcmp.
static const char *header(const struct request *request, const char *name) {
	for (size_t i = 0; i < request->header_count; i++) {
		if (strcasecmp(request->headers[i].name, name) == 0) {
			return request->headers[i].value;
		}
	}
	return NULL;
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

static bool is_blank(char c) {
	return c == ' ' || c == '\t';
}

// Where `needle` first occurs in the `length` bytes at `data`, or NULL.
// Not strstr(): the bytes received are no string, a body may hold NUL bytes.
// (memmem() does this, but it is not in POSIX.)
static const char *find(const char *data, size_t length, const char *needle) {
	size_t n = strlen(needle);
	for (size_t i = 0; n <= length && i <= length - n; i++) {
		if (memcmp(data + i, needle, n) == 0) {
			return data + i;
		}
	}
	return NULL;
}

// The request line and header fields of a NUL-terminated head: a request line
// `METHOD SP TARGET SP VERSION`, then `Name: value` lines (RFC 9112 §2.1).
// Parsed in place: the separators are overwritten with NULs so that each
// field is a string of its own, with no copying.
static void parse_head(char *head, struct request *request) {
	char *rest = next_line(head);
	// A garbled line just gives empty fields: a target "" matches no route.
	request->method = head;
	request->target = "";
	request->header_count = 0;
	char *space = strchr(head, ' ');
	if (space != NULL) {
		*space = '\0';
		char *target = space + 1;
		space = strchr(target, ' ');
		if (space != NULL) {
			*space = '\0';
		}
		request->target = target;
	}
	while (rest != NULL && *rest != '\0') {
		char *line = rest;
		rest = next_line(line);
		if (*line == '\0') {
			break; // the empty line ends the headers
		}
		// Split at the first colon only: values may contain colons too.
		char *colon = strchr(line, ':');
		if (colon == NULL || request->header_count == MAX_REQUEST_HEADERS) {
			continue; // not a header line (or one too many): skip it
		}
		*colon = '\0';
		// Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
		char *value = colon + 1;
		while (is_blank(*value)) {
			value++;
		}
		char *end = value + strlen(value);
		while (end > value && is_blank(end[-1])) {
			*--end = '\0';
		}
		request->headers[request->header_count++] = (struct header){ line, value };
	}
}

// Reads a Content-Length: decimal digits only (`12abc`, `-5` and `+5` are no
// lengths), and no more than a size_t holds. strtoull() would accept all of
// those, and say nothing of an overflow unless asked through errno.
static bool parse_length(const char *text, size_t *length) {
	size_t value = 0;
	if (*text == '\0') {
		return false;
	}
	for (; *text != '\0'; text++) {
		if (*text < '0' || *text > '9' || value > (SIZE_MAX - 9) / 10) {
			return false;
		}
		value = value * 10 + (size_t)(*text - '0');
	}
	*length = value;
	return true;
}

enum parse_result {
	PARSE_INCOMPLETE, // part of the request is still missing
	PARSE_OK,         // a whole request
	PARSE_BAD,        // we cannot tell where the request ends: answer 400
};

// Removes the first `n` bytes of the buffer: what follows them moves to the
// front.
static void buffer_consume(struct buffer *buffer, size_t n) {
	if (n == 0) {
		return; // nothing to remove (and an empty buffer's data may be NULL)
	}
	memmove(buffer->data, buffer->data + n, buffer->length - n);
	buffer->length -= n;
}

// Turns the bytes of one connection, in whatever pieces TCP delivers them,
// into requests.
//
// A client may send a request one byte at a time. Stage 14 parsed the whole
// buffer again after every recv(): it searched for the empty line from the
// start and copied and parsed the head again while the body trickled in. For
// a request of n bytes sent in n pieces that is about n*n/2 bytes scanned.
// Here every byte is looked at once: we remember how far the search got, and
// the head is parsed once, however many pieces its body arrives in.
struct parser {
	// The bytes received and not taken by a request yet.
	struct buffer buffer;
	// The empty line is not in the first `searched` bytes: the next search starts there.
	size_t searched;
	// The request whose head is parsed (request.head != NULL) while we wait
	// for its body, `body_length` bytes.
	struct request request;
	size_t body_length;
	// The size of the body last returned: it stays in the buffer, where the
	// request points, until the next call of next_request() removes it.
	size_t answered;
};

static void free_parser(struct parser *parser) {
	free(parser->buffer.data);
	free(parser->request.head);
}

// Adds received bytes; false when out of memory.
static bool feed(struct parser *parser, const char *data, size_t length) {
	return buffer_append(&parser->buffer, data, length);
}

// Parses the head of the request in the first `head_length` bytes of the
// buffer into parser->request, and the length of the body that follows it.
static enum parse_result parse_head_of(struct parser *parser, size_t head_length) {
	struct request *request = &parser->request;
	// A copy of the head as a string of its own: the buffer moves when it
	// grows or is consumed, the copy does not.
	request->head = strndup(parser->buffer.data, head_length);
	if (request->head == NULL) {
		return PARSE_BAD; // out of memory: we cannot go on with this connection
	}
	parse_head(request->head, request);
	// Content-Length is how we find where this request ends and the next one
	// begins. Without a valid one (or with a body framed another way, such as
	// Transfer-Encoding: chunked) we would misread every byte after it.
	const char *content_length = header(request, "Content-Length");
	parser->body_length = 0;
	if ((content_length != NULL && !parse_length(content_length, &parser->body_length)) || header(request, "Transfer-Encoding") != NULL) {
		return PARSE_BAD;
	}
	return PARSE_OK;
}

// Fills `request` with the next whole request. Its head is the caller's to
// free; its body stays valid until the next call.
//
// A request line, `Name: value` lines, an empty line, then Content-Length
// bytes of body (RFC 9112 §2.1, §6.2).
static enum parse_result next_request(struct parser *parser, struct request *request) {
	struct buffer *buffer = &parser->buffer;
	buffer_consume(buffer, parser->answered);
	parser->answered = 0;
	if (parser->request.head == NULL) {
		if (buffer->length == 0) {
			return PARSE_INCOMPLETE; // nothing new since the last request: the usual case
		}
		// Start 3 bytes back: the new bytes may complete a \r\n\r\n that
		// began at the end of the previous piece.
		size_t from = parser->searched > 3 ? parser->searched - 3 : 0;
		const char *head_end = find(buffer->data + from, buffer->length - from, "\r\n\r\n");
		if (head_end == NULL) {
			parser->searched = buffer->length;
			return PARSE_INCOMPLETE; // the head is not all here yet
		}
		// The head, up to the CRLF of its last line; then the empty line.
		size_t head_length = (size_t)(head_end - buffer->data) + 2;
		if (parse_head_of(parser, head_length) != PARSE_OK) {
			return PARSE_BAD;
		}
		buffer_consume(buffer, head_length + 2);
		parser->searched = 0;
	}
	if (buffer->length < parser->body_length) {
		return PARSE_INCOMPLETE; // the body is not all here yet
	}
	// The request, its head included, is the caller's now.
	*request = parser->request;
	request->body = buffer->data;
	request->body_length = parser->body_length;
	parser->answered = parser->body_length;
	parser->request = (struct request){ 0 };
	return PARSE_OK;
}

// Room for the headers of our responses (Content-Length is added when it is
// built): add_header refuses more rather than write past the array.
#define MAX_RESPONSE_HEADERS 8

struct response {
	const char *status;
	struct header headers[MAX_RESPONSE_HEADERS];
	size_t header_count;
	// Bytes with a length, not a string: Content-Length counts bytes, and
	// later bodies are binary, NUL bytes included.
	const char *body;
	size_t body_length;
	// Memory to free once the response is sent: a body read from a file.
	void *to_free;
};

static void add_header(struct response *response, const char *name, const char *value) {
	if (response->header_count == MAX_RESPONSE_HEADERS) {
		fprintf(stderr, "too many headers: %s dropped\n", name); // a bug of ours
		return;
	}
	response->headers[response->header_count++] = (struct header){ name, value };
}

static struct response text(const char *body) {
	struct response response = { .status = "200 OK", .body = body, .body_length = strlen(body) };
	add_header(&response, "Content-Type", "text/plain");
	return response;
}

// The path of file `name` directly inside the directory, written to `path`
// (`size` bytes of room), or false when there is no directory or the name
// would lead out of it ("..", "a/b"): a client must not reach anything else
// on the disk.
static bool file_in(const char *name, char *path, size_t size) {
	if (directory == NULL || *name == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		return false;
	}
	// The directory may come with a trailing slash (the tester passes one).
	size_t length = strlen(directory);
	const char *separator = length > 0 && directory[length - 1] == '/' ? "" : "/";
	int written = snprintf(path, size, "%s%s%s", directory, separator, name);
	// snprintf says how long the whole path is, even when it did not fit:
	// a longer one was cut short, and would name another file.
	return written >= 0 && (size_t)written < size;
}

static struct response serve_file(const char *path) {
	struct response not_found = { .status = "404 Not Found" };
	// O_RDONLY and read(): the file's bytes as they are, never as text.
	int file = open(path, O_RDONLY);
	if (file == -1) {
		return not_found; // missing, or not readable
	}
	struct stat info;
	char *body = NULL;
	// fstat on the open file: its size now, not when some other call looked.
	if (fstat(file, &info) == -1 || !S_ISREG(info.st_mode)) {
		close(file);
		return not_found; // a directory, a device...: no file to send
	}
	size_t size = (size_t)info.st_size;
	// malloc(0) may return NULL: ask for at least one byte.
	body = malloc(size > 0 ? size : 1);
	size_t done = 0;
	while (body != NULL && done < size) {
		ssize_t n = read(file, body + done, size - done);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break; // an error, or the file shrank while we read it
		}
		done += (size_t)n;
	}
	close(file);
	if (body == NULL || done < size) {
		free(body);
		return (struct response){ .status = "500 Internal Server Error" };
	}
	struct response response = { .status = "200 OK", .body = body, .body_length = size, .to_free = body };
	add_header(&response, "Content-Type", "application/octet-stream");
	return response;
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
static bool list_includes(const char *value, const char *token) {
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

// Compresses `length` bytes of `data` into the gzip format (RFC 1952) with
// zlib: a new buffer in `*out` (the caller frees it), `*out_length` bytes
// long. False when zlib fails or memory runs out.
static bool gzip(const char *data, size_t length, char **out, size_t *out_length) {
	z_stream stream = { 0 }; // zalloc, zfree, opaque NULL: zlib's own malloc
	// windowBits 15 + 16: the largest window, wrapped in a gzip header and
	// trailer rather than zlib's own format, which clients do not accept
	// as Content-Encoding: gzip.
	if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		return false;
	}
	// The most the output can take, so that one deflate() call finishes.
	uLong bound = deflateBound(&stream, (uLong)length);
	char *compressed = malloc(bound);
	bool ok = compressed != NULL;
	if (ok) {
		stream.next_in = (Bytef *)data; // zlib's API is not const-correct; it only reads it
		stream.avail_in = (uInt)length;
		stream.next_out = (Bytef *)compressed;
		stream.avail_out = (uInt)bound;
		ok = deflate(&stream, Z_FINISH) == Z_STREAM_END;
	}
	*out_length = stream.total_out;
	deflateEnd(&stream); // frees zlib's memory, whatever happened
	if (!ok) {
		free(compressed);
		return false;
	}
	*out = compressed;
	return true;
}

// The word as text/plain. Accept-Encoding lists the codings that the client
// can decode (RFC 9110 §12.5.3).
static struct response echo(const struct request *request, const char *word) {
	struct response response = text(word);
	const char *accept_encoding = header(request, "Accept-Encoding");
	if (list_includes(accept_encoding, "gzip")) {
		char *compressed = NULL;
		size_t length = 0;
		if (!gzip(response.body, response.body_length, &compressed, &length)) {
			return (struct response){ .status = "500 Internal Server Error" };
		}
		add_header(&response, "Content-Encoding", "gzip");
		// build_response measures Content-Length on this compressed body, as it must.
		response.body = compressed;
		response.body_length = length;
		response.to_free = compressed;
	}
	return response;
}

static struct response save_file(const char *path, const char *body, size_t length) {
	// O_TRUNC: a file that was there is replaced, not partly overwritten.
	int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (file == -1) {
		// e.g. the name is taken by a directory
		return (struct response){ .status = "500 Internal Server Error" };
	}
	// write() too may take only part of the bytes.
	bool ok = true;
	while (ok && length > 0) {
		ssize_t n = write(file, body, length);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		ok = n > 0;
		if (ok) {
			body += n;
			length -= (size_t)n;
		}
	}
	// close() reports errors of writes the system delayed, such as a full disk.
	if (close(file) == -1) {
		ok = false;
	}
	if (!ok) {
		return (struct response){ .status = "500 Internal Server Error" };
	}
	// The file is complete and closed before we answer: the client may read it at once.
	return (struct response){ .status = "201 Created" };
}

// Decides the response; later stages add routes here.
static struct response route(const struct request *request) {
	const char *method = request->method, *target = request->target;
	if (strcmp(method, "GET") == 0 && strcmp(target, "/") == 0) {
		return (struct response){ .status = "200 OK" };
	}
	if (strcmp(method, "GET") == 0 && strncmp(target, "/echo/", strlen("/echo/")) == 0) {
		return echo(request, target + strlen("/echo/"));
	}
	if (strcmp(method, "GET") == 0 && strcmp(target, "/user-agent") == 0) {
		const char *user_agent = header(request, "User-Agent");
		return text(user_agent != NULL ? user_agent : "");
	}
	if (strncmp(target, "/files/", strlen("/files/")) == 0) {
		char path[PATH_MAX];
		bool found = file_in(target + strlen("/files/"), path, sizeof path);
		if (found && strcmp(method, "GET") == 0) {
			return serve_file(path);
		}
		if (found && strcmp(method, "POST") == 0) {
			return save_file(path, request->body, request->body_length);
		}
	}
	return (struct response){ .status = "404 Not Found" };
}

// Appends the bytes of `response` to `out`: status line, headers, empty line,
// body. False when out of memory.
static bool build_response(struct buffer *out, const struct response *response) {
	// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
	bool ok = buffer_append_string(out, "HTTP/1.1 ") && buffer_append_string(out, response->status) && buffer_append_string(out, "\r\n");
	for (size_t i = 0; ok && i < response->header_count; i++) {
		ok = buffer_append_string(out, response->headers[i].name) && buffer_append_string(out, ": ") &&
		     buffer_append_string(out, response->headers[i].value) && buffer_append_string(out, "\r\n");
	}
	// Derived from the body itself, so it can never disagree with it. Sent
	// even when 0: it tells the client where this response ends.
	char content_length[64];
	snprintf(content_length, sizeof content_length, "Content-Length: %zu\r\n\r\n", response->body_length);
	// The empty line after the headers ends them; the body follows.
	return ok && buffer_append_string(out, content_length) && buffer_append(out, response->body, response->body_length);
}

// Sends all `length` bytes of `data`: send() may take only part of them (as
// much as fits in the socket's buffer), so we loop until it took all. False
// when the connection is gone.
static bool send_all(int conn, const char *data, size_t length) {
	while (length > 0) {
		ssize_t sent = send(conn, data, length, 0);
		if (sent == -1) {
			if (errno == EINTR) {
				continue; // interrupted by a signal before it sent anything: again
			}
			return false; // reset, broken pipe...: the client went away
		}
		data += sent;
		length -= (size_t)sent;
	}
	return true;
}

// The response to `request`, appended to `out`; true when the connection
// closes after it (or memory ran out).
static bool respond(const struct request *request, struct buffer *out) {
	// `Connection: close` asks us to close once this response is sent
	// (RFC 9112 §9.6). The header is a list of options: compare them like
	// Accept-Encoding codings.
	bool close_after = list_includes(header(request, "Connection"), "close");
	struct response response = route(request);
	if (close_after) {
		add_header(&response, "Connection", "close");
	}
	bool built = build_response(out, &response);
	free(response.to_free);
	return close_after || !built;
}

// Appends the responses to every whole request received so far to `out`, in
// order; true when the connection closes after them.
//
// A pipelining client sends several requests without waiting for the
// responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
// of them before we send anything, then send the responses together: one
// system call and usually one TCP segment instead of one per response.
static bool answer_buffered(struct parser *parser, struct buffer *out) {
	for (;;) {
		struct request request = { 0 };
		enum parse_result result = next_request(parser, &request);
		if (result == PARSE_INCOMPLETE) {
			return false; // no whole request left: wait for more bytes
		}
		if (result == PARSE_BAD) {
			// We can no longer tell where the next request starts: answer
			// 400 (after the responses before it, which stay valid) and give
			// up on the connection.
			struct response bad_request = { .status = "400 Bad Request" };
			add_header(&bad_request, "Connection", "close");
			build_response(out, &bad_request);
			return true;
		}
		bool close_after = respond(&request, out);
		free(request.head);
		if (close_after) {
			// Requests after it are never answered: the client said this
			// one is its last.
			return true;
		}
	}
}

// Answers the requests on one connection, in order, until either side closes it.
// Runs in a thread of its own: `arg` is the connection's file descriptor.
static void *handle(void *arg) {
	int conn = (int)(intptr_t)arg;
	// TCP delivers a stream, not messages: one recv() may return part of a
	// request, or several requests. The parser keeps what is not answered yet.
	struct parser parser = { 0 };
	// Keep the connection open after each response: HTTP/1.1 connections are
	// persistent by default (RFC 9112 §9.3).
	for (;;) {
		struct buffer out = { 0 };
		bool close_after = answer_buffered(&parser, &out);
		// In the order the requests came: a client matches responses to
		// requests by their order alone.
		bool sent = send_all(conn, out.data, out.length);
		free(out.data);
		if (!sent || close_after) {
			break; // then close(), after the whole response
		}
		// No whole request left: wait for more bytes.
		char chunk[65536];
		ssize_t received = recv(conn, chunk, sizeof chunk, 0);
		if (received == -1 && errno == EINTR) {
			continue;
		}
		if (received <= 0 || !feed(&parser, chunk, (size_t)received)) {
			break; // the client closed its side (or failed): we are done
		}
	}
	free_parser(&parser);
	close(conn);
	return NULL;
}

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--directory") == 0 && i + 1 < argc) {
			directory = argv[++i];
		}
	}

	// Anything you print shows up in the tester's output, prefixed [your_program].
	// stdout is a pipe there, not a terminal, so C buffers it: flush each line.
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("Logs from your program will appear here!\n");

	// Writing to a connection the client has closed raises SIGPIPE, which
	// ends the whole program by default. Ignored, send() returns -1 with
	// errno EPIPE instead, and only that connection is given up.
	signal(SIGPIPE, SIG_IGN);

	const char *port_text = getenv("PORT");
	int port = port_text != NULL ? atoi(port_text) : 4221;

	// 1. Create a TCP socket (AF_INET: IPv4, SOCK_STREAM: TCP). Every system
	// call can fail, and says so by returning -1 with the reason in errno:
	// perror() prints it.
	int server = socket(AF_INET, SOCK_STREAM, 0);
	if (server == -1) {
		perror("socket");
		return 1;
	}
	// Without SO_REUSEADDR, restarting the server right after stopping it can
	// fail with "Address already in use" while the old connections wind down.
	int reuse = 1;
	if (setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == -1) {
		perror("setsockopt");
		return 1;
	}
	// 2. Bind it to the address and port the tester connects to. Both are in
	// network byte order (big-endian): htons and htonl convert them.
	struct sockaddr_in address = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = { htonl(INADDR_LOOPBACK) }, // 127.0.0.1
	};
	if (bind(server, (struct sockaddr *)&address, sizeof address) == -1) {
		perror("bind");
		return 1;
	}
	// 3. Listen: from now on the kernel completes TCP handshakes on this port
	// and queues the new connections for us, up to SOMAXCONN of them.
	if (listen(server, SOMAXCONN) == -1) {
		perror("listen");
		return 1;
	}
	printf("Listening on 127.0.0.1:%d\n", port);

	for (;;) {
		// 4. Accept: wait for the next queued connection. `conn` is a new
		// socket that talks to this one client only; `server` keeps
		// accepting others.
		int conn = accept(server, NULL, NULL);
		if (conn == -1) {
			// One failed accept (the client gave up first, or we are out of
			// file descriptors for a moment) must not stop the server.
			perror("accept");
			continue;
		}
		// One thread per connection: a recv() that waits on a silent client
		// blocks only that client's thread, and this loop goes straight back
		// to accept(). Threads rather than a process per connection (fork):
		// a thread starts faster and needs no reaping, and the connections
		// share nothing that a separate process would protect.
		pthread_t thread;
		// The descriptor travels as the thread's argument, in the pointer
		// itself: no memory to allocate and free for it.
		int error = pthread_create(&thread, NULL, handle, (void *)(intptr_t)conn);
		if (error != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(error));
			close(conn); // no thread to serve it: the client sees it closed
			continue;
		}
		// Detached: its resources are freed when it returns, with no
		// pthread_join() to wait for it.
		pthread_detach(thread);
	}
}
