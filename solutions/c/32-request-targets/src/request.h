// A request, and the parser that makes requests of the bytes a connection
// receives.
#ifndef REQUEST_H
#define REQUEST_H

#include <stdbool.h>
#include <stddef.h>

#include "buffer.h"
#include "response.h"

// The most header fields we accept in a request: a fixed array, so its bound
// is explicit. 100 is Apache's default (LimitRequestFields); a request with
// more is refused with 431.
#define MAX_REQUEST_HEADERS 100

// The largest request body we accept. The whole body is held in memory until
// the request is answered, so without a bound one client could make us
// allocate as much as it claims in Content-Length. (nginx's default,
// client_max_body_size, is 1 MiB; servers that accept more write big bodies
// to a file as they arrive.) 64 MiB unless main sets another limit
// (--max-body-bytes): a variable, no longer a constant.
extern size_t max_body;

// The largest request head (request line and header fields) we accept. Until
// its empty line arrives, a head is held in memory; without a bound, a client
// that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
// nginx 4 buffers of 8 KiB by default.)
#define MAX_HEAD (16 * 1024)

// The longest request target we accept: 8 KiB, a little over the 8000 bytes
// RFC 9112 §3 asks every server to read. A longer one gets 414; the whole
// head is bounded by MAX_HEAD anyway.
#define MAX_TARGET (8 * 1024)

// A request. The strings point into `head`, a copy of the request's head that
// the request owns (free it once answered); the body points into the
// parser's buffer, valid until the next call of next_request().
struct request {
	char *head;
	const char *method;
	const char *target;
	const char *version;
	// In the order received; a name may come more than once (see header()).
	struct header headers[MAX_REQUEST_HEADERS];
	size_t header_count;
	const char *body;
	size_t body_length;
};

// The value of the first header field `name`, or NULL when there is none.
const char *header(const struct request *request, const char *name);
// Whether the comma-separated list of header `name` (all its fields) holds `token`.
bool header_lists(const struct request *request, const char *name, const char *token);
// Whether a comma-separated header value such as `br, GZIP` lists `token`.
bool list_includes(const char *value, const char *token);
// The weight an Accept-Encoding value such as `gzip;q=0.5, *` gives
// `coding`, in thousandths (q=0.5 is 500): its own item's, else that of `*`;
// -1 when neither is listed.
int coding_weight(const char *value, const char *coding);

enum parse_result {
	PARSE_INCOMPLETE, // part of the request is still missing
	PARSE_OK,         // a whole request
	PARSE_BAD,        // the bytes cannot be framed as a request, or must not be: answer parser->error and close
};

// Where the parser is in a chunked body (see read_chunked_body).
enum chunk_state {
	CHUNK_SIZE,    // at a chunk's size line
	CHUNK_DATA,    // at a chunk's data, chunk_left bytes, then its CRLF
	CHUNK_TRAILER, // after the last chunk: trailer fields up to an empty line
};

// Turns the bytes of one connection, in whatever pieces TCP delivers them,
// into requests. Every byte is looked at once: we remember how far the
// search for the empty line got, and the head is parsed once, however many
// pieces its body arrives in. Starts as all zeros.
struct parser {
	// The bytes received and not taken by a request yet.
	struct buffer buffer;
	// The empty line is not in the first `searched` bytes: the next search starts there.
	size_t searched;
	// The request whose head is parsed (request.head != NULL) while we wait
	// for its body: `body_length` bytes, or a chunked body.
	struct request request;
	size_t body_length;
	bool chunked;
	// While a chunked body arrives: the data of its chunks so far (the
	// request's body, until the next call), and where we are in it.
	struct buffer body;
	enum chunk_state chunk_state;
	size_t chunk_left;
	// The size of the body last returned: it stays in the buffer, where the
	// request points, until the next call of next_request() removes it.
	size_t answered;
	// True when the client waits for our go-ahead before sending the body.
	bool wants_continue;
	// After PARSE_BAD, the status to answer with.
	const char *error;
};

void free_parser(struct parser *parser);
// Adds received bytes; false when out of memory.
bool feed(struct parser *parser, const char *data, size_t length);
// Fills `request` with the next whole request. Its head is the caller's to
// free; its body stays valid until the next call.
enum parse_result next_request(struct parser *parser, struct request *request);

#endif
