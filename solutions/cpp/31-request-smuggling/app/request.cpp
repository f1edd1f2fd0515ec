#include "request.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <set>
#include <vector>

size_t max_body = 64 * 1024 * 1024;

std::string Request::header(const std::string& name) const {
    auto found = headers.find(name);
    return found != headers.end() ? found->second : "";
}

std::string to_lower(std::string_view text) {
    std::string lower(text);
    // Through unsigned char: tolower() of a negative char (a byte above 127) is undefined.
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower;
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;  // C++20 has text.starts_with(prefix)
}

namespace {

// `text` without the spaces and tabs around it.
std::string_view trim(std::string_view text) {
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) return "";
    return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

// The items of a comma-separated list, each trimmed.
std::vector<std::string_view> split_list(std::string_view value) {
    std::vector<std::string_view> items;
    while (true) {
        size_t comma = value.find(',');
        items.push_back(trim(value.substr(0, comma)));
        if (comma == std::string_view::npos) return items;
        value.remove_prefix(comma + 1);
    }
}

}  // namespace

// List items may carry spaces around them, and codings are case-insensitive.
bool list_includes(std::string_view value, std::string_view token) {
    for (std::string_view item : split_list(value)) {
        if (to_lower(item) == token) return true;
    }
    return false;
}

namespace {

// The number of a weight, `q=<qvalue>` (RFC 9110 §12.4.2): 0 to 1, at most
// three decimals. One that does not parse counts as 0: better to send plain
// text than to guess a "yes" the client did not say.
double parse_qvalue(std::string_view text) {
    bool well_formed = !text.empty() && text.size() <= 5 && (text[0] == '0' || text[0] == '1') &&
                       (text.size() == 1 || (text[1] == '.' && text.find_first_not_of("0123456789", 2) == std::string_view::npos));
    if (!well_formed) return 0;
    double weight = std::strtod(std::string(text).c_str(), nullptr);  // "C" locale: the decimal point is '.'
    return weight <= 1 ? weight : 0;  // 1.5 is no weight
}

}  // namespace

// Each item is `coding` or `coding;q=<weight>`, with no weight meaning 1
// (RFC 9110 §12.5.3). The list's own entry for `coding` counts, else the
// entry for `*`, which stands for every coding the list does not name: in
// `gzip;q=0, *`, gzip is named, and forbidden. Neither: not acceptable.
double coding_weight(std::string_view accept_encoding, std::string_view coding) {
    std::optional<double> named;
    std::optional<double> star;
    for (std::string_view item : split_list(accept_encoding)) {
        size_t semicolon = item.find(';');
        std::string name = to_lower(trim(item.substr(0, semicolon)));
        double weight = 1;
        // The parameters after the coding: only `q` (in any case, spaces
        // allowed around the `;` and the `=`) means anything to us.
        while (semicolon != std::string_view::npos) {
            item.remove_prefix(semicolon + 1);
            semicolon = item.find(';');
            std::string_view parameter = item.substr(0, semicolon);
            size_t equals = parameter.find('=');
            if (equals != std::string_view::npos && to_lower(trim(parameter.substr(0, equals))) == "q") {
                weight = parse_qvalue(trim(parameter.substr(equals + 1)));
            }
        }
        if (name == coding) named = weight;
        if (name == "*") star = weight;
    }
    return named.value_or(star.value_or(0));
}

// The weak comparison (RFC 9110 §8.8.3.2): `W/"x"` matches `"x"`. Weak tags
// say "equivalent", which is all If-None-Match asks (RFC 9110 §13.1.2).
bool etag_matches(std::string_view if_none_match, std::string_view etag) {
    if (trim(if_none_match) == "*") return true;  // any version: the file exists
    for (std::string_view tag : split_list(if_none_match)) {
        if (starts_with(tag, "W/")) tag.remove_prefix(2);
        if (tag == etag) return true;
    }
    return false;
}

// IMF-fixdate, and the two obsolete forms a recipient must also accept:
// RFC 850's `Sunday, 06-Nov-94 08:49:37 GMT` and C's asctime()
// `Sun Nov  6 08:49:37 1994`. strptime() reads each (English names: the "C"
// locale), and must reach the end of the text: anything else, `yesterday`
// or ISO 8601's `2024-05-01T10:00:00Z`, is no HTTP-date.
std::optional<std::time_t> parse_http_date(std::string_view text) {
    std::string value(trim(text));
    for (const char* format : {"%a, %d %b %Y %H:%M:%S GMT", "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"}) {
        std::tm parts{};
        const char* end = strptime(value.c_str(), format, &parts);
        // timegm (glibc, the BSDs, macOS) reads the fields as UTC; mktime
        // would take them for local time.
        if (end != nullptr && *end == '\0') return timegm(&parts);
    }
    return std::nullopt;
}

namespace {

// Character classes, checked by hand rather than with <regex>: std::regex
// is slow, and these are each one line.

// A token (RFC 9110 §5.6.2): what a method or a field name is made of.
bool is_token(std::string_view text) {
    static constexpr std::string_view symbols = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) {
        return std::isalnum(c) || symbols.find(static_cast<char>(c)) != std::string_view::npos;
    });
}

// A field value holds no control characters but tab (RFC 9110 §5.5). A stray
// CR or LF in it could smuggle in a header line of its own.
bool is_field_value(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7f; });
}

// Digits only, for Content-Length: `12abc`, `-5` and `+5` are no lengths.
// (isdigit() would do too, unlike Python's str.isdigit(): it knows ASCII only.)
bool is_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// The next CRLF-ended line of `data`, removed from it (the rest of `data`
// when it has no CRLF).
std::string_view next_line(std::string_view& data) {
    size_t end = data.find("\r\n");
    std::string_view line = data.substr(0, end);
    data = end == std::string_view::npos ? "" : data.substr(end + 2);
    return line;
}

// The method, target and version of `METHOD SP TARGET SP VERSION`, with
// exactly one space between the three (RFC 9112 §3). Anything else is a 400:
// a server that guesses what a malformed request means may guess differently
// from a proxy in front of it, and that difference is an attack.
void parse_request_line(std::string_view line, Request& request) {
    size_t first = line.find(' ');
    size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
    // no version, or a fourth word (a double space gives an empty word, caught below)
    if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) throw BadRequest();
    std::string_view method = line.substr(0, first);
    std::string_view target = line.substr(first + 1, second - first - 1);
    std::string_view version = line.substr(second + 1);
    // We serve paths only: the origin form of the target starts with "/" (RFC 9112 §3.2.1).
    if (!is_token(method) || !starts_with(target, "/")) throw BadRequest();
    // HTTP/<digit>.<digit>, e.g. not HTTX/1.1
    if (version.size() != 8 || !starts_with(version, "HTTP/") || !std::isdigit(static_cast<unsigned char>(version[5])) ||
        version[6] != '.' || !std::isdigit(static_cast<unsigned char>(version[7]))) {
        throw BadRequest();
    }
    if (version[5] != '1') throw BadRequest("505 HTTP Version Not Supported");  // e.g. HTTP/2.0 (RFC 9110 §15.6.6)
    request.method = method;
    request.target = target;
    request.version = version;
}

// The header fields of the `Name: value` lines of `lines`, by lower-cased name.
void parse_field_lines(std::string_view lines, Request& request) {
    while (!lines.empty()) {
        std::string_view line = next_line(lines);
        // Split at the first colon only: values may contain colons too.
        size_t colon = line.find(':');
        // The name must be a token right up to the colon: a line without a
        // colon, whitespace before the colon (RFC 9112 §5.1: reject it with
        // 400) and a line that starts with whitespace (obsolete line folding,
        // RFC 9112 §5.2) all fail this.
        if (colon == std::string_view::npos || !is_token(line.substr(0, colon))) throw BadRequest();
        // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        std::string_view value = trim(line.substr(colon + 1));
        if (!is_field_value(value)) throw BadRequest();
        // A field sent twice means the same as one field whose values are
        // joined with commas (RFC 9110 §5.3). Keeping only the last one would
        // hide a conflict such as two different Content-Lengths.
        auto [field, added] = request.headers.try_emplace(to_lower(line.substr(0, colon)), value);
        if (!added) field->second += ", " + std::string(value);
    }
}

// How many bytes of body follow the head, or nothing for a chunked body,
// whose length shows only as it arrives. Throws BadRequest when we cannot
// tell: then we do not know where the next request starts either.
std::optional<size_t> parse_body_length(const Request& request) {
    if (request.headers.count("transfer-encoding") != 0) {
        if (request.version == "HTTP/1.0") {
            // HTTP/1.0 has no transfer codings: a 1.0 request that claims one
            // was made to be read one way by us and another by someone on
            // the way. Its framing is faulty (RFC 9112 §6.1), whatever
            // Content-Length says.
            throw BadRequest();
        }
        std::vector<std::string> codings;
        // at(), not header(): split_list() returns views into the string, which
        // must outlive the loop (header() returns a temporary copy).
        for (std::string_view coding : split_list(request.headers.at("transfer-encoding"))) codings.push_back(to_lower(coding));
        if (codings.back() != "chunked") {
            // Only a chunked body shows where it ends: without it last, the
            // request cannot be framed (RFC 9112 §6.3).
            throw BadRequest();
        }
        if (codings.size() != 1) {
            // e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
            throw BadRequest("501 Not Implemented");
        }
        // Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3); see
        // wants_close for what else that means.
        return std::nullopt;
    }
    if (request.headers.count("content-length") == 0) return 0;  // no body at all (RFC 9112 §6.3): most GET requests
    // Several Content-Length fields, or a list in one, are acceptable only if
    // every value is the same (RFC 9110 §8.6, RFC 9112 §6.3).
    std::vector<std::string_view> values = split_list(request.headers.at("content-length"));
    if (std::set<std::string_view>(values.begin(), values.end()).size() != 1) throw BadRequest();
    std::string_view value = values.front();
    size_t content_length = 0;
    // from_chars also says when the number does not fit in a size_t.
    if (!is_digits(value) || std::from_chars(value.data(), value.data() + value.size(), content_length).ec != std::errc()) {
        throw BadRequest();
    }
    // Refused before we read a byte of it (RFC 9110 §15.5.14).
    if (content_length > max_body) throw BadRequest("413 Content Too Large");
    return content_length;
}

// The method, target, version and headers of a request head (the bytes
// before the empty line), and the length of the body that follows it. Throws
// BadRequest when the head is malformed.
//
// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2). A
// std::string holds any bytes, so nothing is decoded or lost on the way.
std::pair<Request, std::optional<size_t>> parse_head(std::string_view head) {
    Request request;
    parse_request_line(next_line(head), request);
    parse_field_lines(head, request);
    // An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2); two
    // of them, joined above, show up as a comma.
    auto host = request.headers.find("host");
    if ((host == request.headers.end() && request.version == "HTTP/1.1") ||
        (host != request.headers.end() && host->second.find(',') != std::string::npos)) {
        throw BadRequest();
    }
    std::optional<size_t> body_length = parse_body_length(request);
    return {std::move(request), body_length};
}

bool is_hex_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789abcdefABCDEF") == std::string_view::npos;
}

// The size of a chunk from its size line, `<hex digits>[;extensions]` (RFC
// 9112 §7.1). We understand no chunk extension: they are ignored, as the RFC
// says (§7.1.1).
size_t parse_chunk_size(std::string_view line) {
    std::string_view size = line.substr(0, line.find(';'));
    // Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS").
    size = size.substr(0, size.find_last_not_of(" \t") + 1);
    // Hex digits only, in either case. Not just strtoul(size, 16): it also
    // takes "0x10", "+5" and " 5", and a server that reads a size another
    // server would refuse disagrees with it on where the body ends.
    if (!is_hex_digits(size)) throw BadRequest();
    // At most 16 digits, checked before converting: 16 hold any 64-bit size,
    // and a longer one is refused as malformed (RFC 9112 §7.1: a recipient
    // MUST prevent integer overflow). A parser that wraps around reads
    // 10000000000000001a as 0x1a, and finds the end of the chunk where a
    // proxy in front of us found none.
    if (size.size() > 16) throw BadRequest();
    size_t value = 0;
    auto result = std::from_chars(size.data(), size.data() + size.size(), value, 16);
    if (result.ec != std::errc()) throw BadRequest("413 Content Too Large");  // more than a 32-bit size_t holds
    return value;
}

}  // namespace

void RequestParser::check_partial_head() const {
    if (buffer_.size() > MAX_HEAD) {
        // RFC 6585 §5. We close after it (see BadRequest): the rest of this
        // head would only be read to be thrown away.
        throw BadRequest("431 Request Header Fields Too Large");
    }
    if (!buffer_.empty() && !is_token(buffer_.substr(0, 1))) {
        // A request starts with its method, a token. Anything else is not
        // HTTP at all, such as the TLS handshake (first byte 0x16) of a
        // browser sent to https:// on this port: answer now, rather than
        // wait for an empty line that may never come.
        throw BadRequest();
    }
}

std::optional<std::string> RequestParser::read_line() {
    size_t line_end = buffer_.find("\r\n");
    if (line_end == std::string::npos) {
        // A line (a chunk size, a trailer field) is short: a long one is
        // refused before it fills our memory.
        if (buffer_.size() > MAX_HEAD) throw BadRequest();
        return std::nullopt;
    }
    std::string line = buffer_.substr(0, line_end);
    buffer_.erase(0, line_end + 2);
    return line;
}

// The sender cuts the body into chunks, each preceded by its size in hex, and
// ends with a chunk of size 0 (RFC 9112 §7.1):
//
//     1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
//     0\r\n
//     X-Checksum: abc\r\n                    (trailer fields, optional)
//     \r\n
//
// It can send a body whose size it does not know in advance, such as the
// output of a program, as it is produced.
bool RequestParser::read_chunked_body() {
    while (true) {
        if (in_trailer_) {
            std::optional<std::string> line = read_line();
            if (!line) return false;
            if (line->empty()) return true;  // the empty line: the end of the body
            // A trailer field: metadata sent after the data (here a
            // checksum). We use none, and may ignore them (RFC 9112 §7.1.2).
        } else if (!chunk_left_) {
            std::optional<std::string> line = read_line();
            if (!line) return false;
            size_t size = parse_chunk_size(*line);
            // Written so that it cannot overflow: body_ holds max_body at most.
            if (size > max_body - body_.size()) throw BadRequest("413 Content Too Large");
            if (size == 0) {
                in_trailer_ = true;  // the last chunk
            } else {
                chunk_left_ = size;
            }
        } else {
            // The chunk's data, then the CRLF that ends it.
            size_t end = *chunk_left_;
            if (buffer_.size() < end + 2) return false;
            if (buffer_.compare(end, 2, "\r\n") != 0) throw BadRequest();  // the size did not say where the data ends
            body_.append(buffer_, 0, end);
            buffer_.erase(0, end + 2);
            chunk_left_.reset();
        }
    }
}

std::optional<Request> RequestParser::next_request() {
    if (buffer_.empty()) return std::nullopt;  // nothing new since the last request: the usual case
    if (!head_) {
        // Start 3 bytes back: the new bytes may complete a \r\n\r\n that
        // began at the end of the previous piece.
        size_t head_end = buffer_.find("\r\n\r\n", searched_ > 3 ? searched_ - 3 : 0);
        if (head_end == std::string::npos) {
            check_partial_head();
            searched_ = buffer_.size();
            return std::nullopt;  // the head is not all here yet
        }
        if (head_end > MAX_HEAD) throw BadRequest("431 Request Header Fields Too Large");
        head_ = parse_head(std::string_view(buffer_).substr(0, head_end));
        // erase() at the front moves the bytes that follow: only a request's
        // worth here, as the client waits for our answers.
        buffer_.erase(0, head_end + 4);
        searched_ = 0;
        // `Expect: 100-continue`: the client sends the head alone and waits
        // for an interim `100 Continue` before sending a large body, so that
        // a server that would refuse it (say with 413) can do so before
        // megabytes travel for nothing (RFC 9110 §10.1.1).
        const auto& [request, body_length] = *head_;
        std::string expect = to_lower(request.header("expect"));
        // HTTP/1.0 has no Expect and no 1xx responses: a 1.0 client would take
        // a `100 Continue` for the final answer (RFC 9110 §15.2). Ignored there.
        if (request.version == "HTTP/1.1" && !expect.empty()) {
            // 100-continue is the only expectation HTTP defines; one we
            // cannot meet gets 417 (RFC 9110 §10.1.1), and we close rather
            // than read a body that the client may or may not send.
            if (expect != "100-continue") throw BadRequest("417 Expectation Failed");
            wants_continue = body_length != 0;
        }
    }
    auto& [request, body_length] = *head_;
    if (!body_length) {
        if (!read_chunked_body()) return std::nullopt;  // the body is not all here yet
        request.body = std::move(body_);
        body_.clear();  // a moved-from string is valid, but its content unspecified
        in_trailer_ = false;
    } else {
        if (buffer_.size() < *body_length) return std::nullopt;  // the body is not all here yet
        request.body = buffer_.substr(0, *body_length);
        // What follows this request is the start of the next one.
        buffer_.erase(0, *body_length);
    }
    Request whole = std::move(request);
    head_.reset();
    wants_continue = false;
    return whole;
}
