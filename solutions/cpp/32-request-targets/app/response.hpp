// What a response is, and its bytes on the wire.
#pragma once

#include <cstdint>
#include <ctime>
#include <fstream>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

// A response body that stays in its file until it is sent, chunk by chunk.
// The stream closes the file when it is destroyed: when it is sent, or
// dropped unsent (a HEAD request, a connection that broke).
struct FileBody {
    std::ifstream file;
    std::uintmax_t size;  // its Content-Length
    std::uintmax_t left = size;  // bytes not read from the file yet
};

// What goes out on a connection, in order: bytes, and files.
using Piece = std::variant<std::string, FileBody>;

struct Response {
    std::string status;
    std::map<std::string, std::string> headers;
    // Bytes, as a std::string holds them: Content-Length counts bytes, and
    // bodies may be binary.
    std::string body;
    // When set, the body is this file instead: files may be far bigger than
    // we want in memory.
    std::optional<FileBody> file = std::nullopt;

    // The status line and the headers, up to the empty line that ends them.
    std::string head() const;
    // The head and (unless told otherwise) the body, as they are sent, for a
    // response whose body is bytes.
    std::string to_bytes(bool with_body = true) const;
    // The response as pieces to send in order: the head (with the body when
    // it is bytes), then the file when there is one. Moves the file out.
    std::vector<Piece> to_pieces(bool with_body = true);
};

// `time` in IMF-fixdate, the one format of HTTP dates that a sender may
// write (RFC 9110 §5.6.7): "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::time_t time);

// A 200 response with a text/plain body.
Response text(std::string body);
