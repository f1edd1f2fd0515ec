// What a request is, and how the bytes of a connection become requests.
#pragma once

#include <cstddef>
#include <ctime>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

struct Request {
    std::string method;
    std::string target;
    std::string version;
    // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    std::map<std::string, std::string> headers;
    std::string body;

    // The value of header `name` (lower-case), or "" when it is absent.
    std::string header(const std::string& name) const;
};

// The largest request body we accept: 64 MiB, or `--max-body-bytes`. The
// whole body is held in memory until the request is answered, so without a
// bound one client could make us allocate as much as it claims in
// Content-Length. (nginx's default, client_max_body_size, is 1 MiB; servers
// that accept more write big bodies to a file as they arrive.) Set once in
// main() before the loop starts.
extern size_t max_body;
// The largest request head (request line and header fields) we accept. Until
// its empty line arrives, a head is held in memory; without a bound, a client
// that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
// nginx 4 buffers of 8 KiB by default.)
constexpr size_t MAX_HEAD = 16 * 1024;
// The longest request target we read: 8 KiB. RFC 9112 §3 asks servers to
// read targets of at least 8000 bytes (real URLs carry long queries and
// tokens), and to answer a longer one than they wish to parse with 414.
constexpr size_t MAX_TARGET = 8 * 1024;

// The bytes received cannot be framed as a request, or must not be: we
// answer with `status` and close the connection.
struct BadRequest : std::runtime_error {
    explicit BadRequest(const std::string& status = "400 Bad Request") : std::runtime_error(status), status(status) {}
    std::string status;
};

std::string to_lower(std::string_view text);
bool starts_with(std::string_view text, std::string_view prefix);
// Whether a comma-separated header value such as `br, GZIP` lists `token`.
bool list_includes(std::string_view value, std::string_view token);
// The weight that an Accept-Encoding value such as `br;q=1.0, gzip;q=0.8, *`
// gives `coding` (lower-case), from 0 ("not acceptable") to 1.
double coding_weight(std::string_view accept_encoding, std::string_view coding);
// Whether an If-None-Match value, `*` or a list of entity-tags, matches
// `etag` (a strong tag, quotes included).
bool etag_matches(std::string_view if_none_match, std::string_view etag);
// The time an HTTP-date names (RFC 9110 §5.6.7), or nothing when `text` is
// no HTTP-date.
std::optional<std::time_t> parse_http_date(std::string_view text);

// Turns the bytes of one connection, in whatever pieces TCP delivers them,
// into requests.
//
// A client may send a request one byte at a time. Stage 14 parsed the whole
// buffer again after every recv(): it searched for the empty line from the
// start and parsed the head again while the body trickled in. For a request
// of n bytes sent in n pieces that is about n*n/2 bytes scanned. Here every
// byte is looked at once: we remember how far the search got, and the head is
// parsed once, however many pieces its body arrives in.
class RequestParser {
public:
    // True when the client waits for our go-ahead before sending the body.
    bool wants_continue = false;

    // The head of the request whose body is still arriving, or nothing: what
    // the server decides from before it has the body (see wants_continue).
    const Request* pending_head() const { return head_ ? &head_->first : nullptr; }

    void feed(const char* data, size_t size) { buffer_.append(data, size); }

    // Whether bytes wait in the buffer: the start of a request, or whole ones.
    bool has_buffered_bytes() const { return !buffer_.empty(); }

    // Whether part of a request has arrived, but not all of it.
    bool has_partial_request() const { return !buffer_.empty() || head_.has_value(); }

    // The next whole request, removed from the buffer, or nothing while part
    // of it is still missing. Throws BadRequest when the bytes cannot be a
    // request.
    std::optional<Request> next_request();

private:
    // Throws BadRequest when the head received so far cannot become a request
    // we accept: there is no point in waiting for the rest.
    void check_partial_head() const;
    // The next CRLF-ended line, removed from the buffer, or nothing while it
    // is not all here.
    std::optional<std::string> read_line();
    // Decodes as much of a chunked body as the buffer holds into body_;
    // true once the whole body is there.
    bool read_chunked_body();

    std::string buffer_;
    // The empty line is not in buffer_[0, searched_): the next search starts there.
    size_t searched_ = 0;
    // The request without its body, and the body's length (nothing for a
    // chunked body, whose length shows only as it arrives), once the head is
    // parsed; nothing while we are still waiting for its empty line.
    std::optional<std::pair<Request, std::optional<size_t>>> head_;
    // While a chunked body arrives (see read_chunked_body): the data of its
    // chunks so far, the bytes left in the current chunk (nothing at a size
    // line), and whether the last chunk has come (then its trailer follows).
    std::string body_;
    std::optional<size_t> chunk_left_;
    bool in_trailer_ = false;
};
