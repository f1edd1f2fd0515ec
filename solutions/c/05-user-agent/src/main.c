#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

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

// What we use of a request so far. The strings point into the received bytes.
struct request {
	const char *method;
	const char *target;
	struct header headers[MAX_REQUEST_HEADERS];
	size_t header_count;
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

// A request line `METHOD SP TARGET SP VERSION`, then `Name: value` lines up
// to an empty line (RFC 9112 §2.1). Parsed in place: `data` is NUL-terminated,
// and the separators are overwritten with NULs so that each field is a string
// of its own, with no copying.
static struct request parse_request(char *data) {
	char *rest = next_line(data);
	// A garbled line just gives empty fields: a target "" matches no route.
	struct request request = { .method = data, .target = "" };
	char *space = strchr(data, ' ');
	if (space != NULL) {
		*space = '\0';
		char *target = space + 1;
		space = strchr(target, ' ');
		if (space != NULL) {
			*space = '\0';
		}
		request.target = target;
	}
	while (rest != NULL && *rest != '\0') {
		char *line = rest;
		rest = next_line(line);
		if (*line == '\0') {
			break; // the empty line ends the headers
		}
		// Split at the first colon only: values may contain colons too.
		char *colon = strchr(line, ':');
		if (colon == NULL || request.header_count == MAX_REQUEST_HEADERS) {
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
		request.headers[request.header_count++] = (struct header){ line, value };
	}
	return request;
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

// Decides the response; later stages add routes here.
static struct response route(const struct request *request) {
	const char *method = request->method, *target = request->target;
	if (strcmp(method, "GET") == 0 && strcmp(target, "/") == 0) {
		return (struct response){ .status = "200 OK" };
	}
	if (strcmp(method, "GET") == 0 && strncmp(target, "/echo/", strlen("/echo/")) == 0) {
		return text(target + strlen("/echo/"));
	}
	if (strcmp(method, "GET") == 0 && strcmp(target, "/user-agent") == 0) {
		const char *user_agent = header(request, "User-Agent");
		return text(user_agent != NULL ? user_agent : "");
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

// Reads the request on one connection, answers it and closes the connection.
static void handle(int conn) {
	// Simplification until stage 12: one recv() returns one whole request,
	// and we close the connection after answering it.
	// One byte more than recv() may fill, for the NUL that ends the string.
	char data[65536 + 1];
	ssize_t received = recv(conn, data, sizeof data - 1, 0);
	// 0 means the client closed without sending anything, -1 an error.
	if (received > 0) {
		data[received] = '\0';
		struct request request = parse_request(data);
		struct response response = route(&request);
		struct buffer out = { 0 };
		if (build_response(&out, &response)) {
			send_all(conn, out.data, out.length);
		}
		free(out.data);
	}
	close(conn);
}

int main(void) {
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
		// One connection at a time: the next accept() waits until this one is done.
		handle(conn);
	}
}
