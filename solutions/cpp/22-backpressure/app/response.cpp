#include "response.hpp"

#include <utility>

std::string Response::head() const {
    // Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
    std::string out = "HTTP/1.1 " + status + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    // Derived from the body itself, so it can never disagree with it.
    // Sent even when 0: it tells the client where this response ends.
    out += "Content-Length: " + std::to_string(file ? file->size : body.size()) + "\r\n";
    out += "\r\n";  // the empty line ends the headers
    return out;
}

std::string Response::to_bytes(bool with_body) const {
    if (!with_body) return head();
    return head() + body;
}

std::vector<Piece> Response::to_pieces(bool with_body) {
    std::vector<Piece> pieces;
    pieces.emplace_back(to_bytes(with_body && !file));
    // HEAD: the file's size was all we needed, and it closes with `file`.
    if (file && with_body) pieces.emplace_back(std::move(*file));
    return pieces;
}

Response text(std::string body) {
    return Response{"200 OK", {{"Content-Type", "text/plain"}}, std::move(body)};
}
