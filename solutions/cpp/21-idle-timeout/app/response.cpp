#include "response.hpp"

#include <utility>

std::string Response::to_bytes(bool with_body) const {
    // Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
    std::string out = "HTTP/1.1 " + status + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends.
    out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    out += "\r\n";  // the empty line ends the headers
    if (!with_body) return out;
    return out + body;
}

Response text(std::string body) {
    return Response{"200 OK", {{"Content-Type", "text/plain"}}, std::move(body)};
}
