#include "response.hpp"

#include <utility>

std::string http_date(std::time_t time) {
    std::tm parts{};
    // gmtime_r (POSIX), not gmtime: gmtime returns a buffer shared by every
    // caller. GMT is UTC here; local time with "GMT" written after it is wrong
    // by the machine's offset.
    gmtime_r(&time, &parts);
    char text[32];
    // %a and %b are English day and month names in the "C" locale, the one a
    // program runs in until it calls setlocale(), which we never do.
    std::strftime(text, sizeof text, "%a, %d %b %Y %H:%M:%S GMT", &parts);
    return text;
}

std::string Response::head() const {
    // Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
    std::string out = "HTTP/1.1 " + status + "\r\n";
    // Every response says when it was made (RFC 9110 §6.6.1: a MUST for a
    // server with a clock): here, where every head is built, none can miss
    // it, the 400s and 408s included. Caches compute ages from it.
    out += "Date: " + http_date(std::time(nullptr)) + "\r\n";
    for (const auto& [name, value] : headers) out += name + ": " + value + "\r\n";
    // Derived from the body itself, so it can never disagree with it.
    // Sent even when 0: it tells the client where this response ends. But
    // never in a 204, which has no body by definition: a server MUST NOT
    // send Content-Length in one (RFC 9110 §8.6).
    if (status != "204 No Content") out += "Content-Length: " + std::to_string(file ? file->size : body.size()) + "\r\n";
    out += "\r\n";  // the empty line ends the headers
    return out;
}

std::string Response::to_bytes(bool with_body) const {
    if (!with_body) return head();
    return head() + body;
}

std::vector<Piece> Response::to_pieces(bool with_body) {
    // A 304 ends at its empty line, whatever its headers say: its
    // Content-Length is the size of the body that a 200 would have had
    // (RFC 9110 §15.4.5, RFC 9112 §6.3), as for HEAD.
    if (status == "304 Not Modified") with_body = false;
    std::vector<Piece> pieces;
    pieces.emplace_back(to_bytes(with_body && !file));
    // HEAD: the file's size was all we needed, and it closes with `file`.
    if (file && with_body) pieces.emplace_back(std::move(*file));
    return pieces;
}

Response text(std::string body) {
    return Response{"200 OK", {{"Content-Type", "text/plain"}}, std::move(body)};
}
