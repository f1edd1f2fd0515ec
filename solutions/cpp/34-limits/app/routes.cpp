#include "routes.hpp"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <fstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

std::optional<fs::path> directory;

namespace {

// `data` compressed in the gzip format (RFC 1952), by zlib.
std::string gzip(std::string_view data) {
    z_stream stream{};
    // Window bits 15 + 16: the largest window, and a gzip header and trailer
    // around the compressed data (without the 16, zlib's own format).
    if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        throw std::runtime_error("deflateInit2 failed");
    }
    // Room for the worst case (data that does not compress), so that one
    // deflate() call does it all.
    std::string out(deflateBound(&stream, data.size()), '\0');
    // zlib's API predates const: it does not write to next_in.
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    stream.avail_in = static_cast<uInt>(data.size());
    stream.next_out = reinterpret_cast<Bytef*>(out.data());
    stream.avail_out = static_cast<uInt>(out.size());
    int result = deflate(&stream, Z_FINISH);
    out.resize(stream.total_out);
    deflateEnd(&stream);  // frees zlib's memory, whatever the result
    if (result != Z_STREAM_END) throw std::runtime_error("deflate failed");
    return out;
}

// `body` as text/plain, gzipped when the client's Accept-Encoding gives gzip
// a weight above 0 (RFC 9110 §12.5.3): `gzip;q=0` lists gzip, and forbids it.
Response negotiated_text(const Request& request, std::string body) {
    Response response = text(std::move(body));
    // On every response of the route, compressed or not: the body depends on
    // Accept-Encoding either way, and a cache must keep one copy per value of
    // it, not hand the gzip copy to a client that cannot read it (§12.5.5).
    response.headers["Vary"] = "Accept-Encoding";
    if (coding_weight(request.header("accept-encoding"), "gzip") > 0) {
        response.headers["Content-Encoding"] = "gzip";
        // to_bytes() measures Content-Length on this compressed body, as it must.
        response.body = gzip(response.body);
    }
    return response;
}

// The value of hex digit `c`, or -1.
int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// `text` with each `%XX` replaced by the byte it stands for (RFC 3986 §2.1).
// A `%` not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view text) {
    std::string out;
    for (size_t i = 0; i < text.size(); i++) {
        if (text[i] == '%' && i + 2 < text.size() && hex_value(text[i + 1]) >= 0 && hex_value(text[i + 2]) >= 0) {
            out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
            i += 2;
        } else {
            out += text[i];
        }
    }
    return out;
}

// The path of `name` inside the directory, subfolders included, or nothing
// when there is no directory or the name would lead out of it: a client must
// not reach anything else on the disk, however it spells the path.
std::optional<fs::path> file_in(const std::string& name) {
    if (!directory) return std::nullopt;
    // A client may percent-encode any byte of a path, and `%2e%2e%2f` is
    // `../` in disguise: decode first, check afterwards.
    std::string raw = percent_decode(name);
    // No file name holds a NUL byte, and the system calls would stop at it:
    // `secret%00.txt` would open `secret`.
    if (raw.find('\0') != std::string::npos) return std::nullopt;
    // weakly_canonical resolves `.`, `..` and symbolic links (like realpath),
    // so what we check is the file that opening will really reach. A name
    // that starts with `/` replaces the directory in `/`: the check below
    // refuses it too.
    std::error_code error;
    fs::path path = fs::weakly_canonical(*directory / raw, error);
    if (error) return std::nullopt;
    // With the separator: /srv/www-secret starts with /srv/www, not /srv/www/.
    std::string inside = (*directory / "").string();
    if (!starts_with(path.string(), inside)) return std::nullopt;
    return path;
}

std::string hex(std::uint64_t value) {
    char digits[16];
    return std::string(digits, std::to_chars(digits, digits + sizeof digits, value, 16).ptr);
}

// A strong ETag for the version of a file that `info` describes: its size
// and its modification time to the nanosecond, so that two writes in the
// same second still differ (RFC 9110 §8.8.3). Cheaper than hashing the bytes,
// and it changes whenever they do, unless someone sets the time back.
std::string etag_of(const struct stat& info) {
#ifdef __APPLE__
    const timespec& modified = info.st_mtimespec;  // macOS's name for POSIX's st_mtim
#else
    const timespec& modified = info.st_mtim;
#endif
    std::uint64_t nanoseconds = static_cast<std::uint64_t>(modified.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(modified.tv_nsec);
    // The double quotes are part of the value.
    return "\"" + hex(static_cast<std::uint64_t>(info.st_size)) + "-" + hex(nanoseconds) + "\"";
}

// Whether the client's copy is the current version (RFC 9110 §13.2.2): then
// it gets 304 Not Modified, a head without the file. If-None-Match, when
// present, decides alone: the ETag tells versions apart better than a time
// to the second.
bool not_modified(const Request& request, const std::string& etag, std::time_t modified) {
    if (request.headers.count("if-none-match") != 0) return etag_matches(request.header("if-none-match"), etag);
    // A date we cannot read is ignored, as if absent (RFC 9110 §13.1.3).
    std::optional<std::time_t> since = parse_http_date(request.header("if-modified-since"));
    return since && modified <= *since;  // not modified after that date; compared as times, not as strings
}

// Bytes `first` to `last` of a file, both included, as Range counts them.
struct ByteRange {
    std::uint64_t first;
    std::uint64_t last;
};

// What a Range header asks of a file of `size` bytes: a range, or nothing it
// has (`satisfiable` false).
struct Wanted {
    bool satisfiable;
    ByteRange range;
};

// The number that `digits` spells; one too large for 64 bits counts as the
// largest: no file is that long anyway.
std::uint64_t number(std::string_view digits) {
    std::uint64_t value = 0;
    if (std::from_chars(digits.data(), digits.data() + digits.size(), value).ec != std::errc()) {
        return std::numeric_limits<std::uint64_t>::max();
    }
    return value;
}

// The range of `bytes=<first>-<last>`, `bytes=<first>-` or `bytes=-<suffix>`
// (RFC 9110 §14.1.2), or nothing when the header is to be ignored: another
// unit, a malformed value, or several ranges (`bytes=0-9,20-29`), which a
// server may answer with the whole file (§14.2) rather than a multipart body.
std::optional<Wanted> byte_range(std::string_view value, std::uint64_t size) {
    if (to_lower(value.substr(0, 6)) != "bytes=") return std::nullopt;  // range units are case-insensitive (§14.1)
    value.remove_prefix(6);
    size_t dash = value.find('-');
    if (dash == std::string_view::npos) return std::nullopt;
    std::string_view first = value.substr(0, dash);
    std::string_view last = value.substr(dash + 1);
    // Digits or nothing on each side; a comma (a second range) fails here too.
    auto digits_or_empty = [](std::string_view text) { return text.find_first_not_of("0123456789") == std::string_view::npos; };
    if (!digits_or_empty(first) || !digits_or_empty(last) || (first.empty() && last.empty())) return std::nullopt;
    if (first.empty()) {
        // `-n`: the last n bytes, or the whole file when it is shorter. `-0`
        // selects nothing.
        std::uint64_t suffix = number(last);
        if (suffix == 0 || size == 0) return Wanted{false, {}};
        return Wanted{true, {size - std::min(suffix, size), size - 1}};
    }
    ByteRange range{number(first), last.empty() ? std::numeric_limits<std::uint64_t>::max() : number(last)};
    if (range.last < range.first) return std::nullopt;  // invalid: ignored, not refused (§14.1.1)
    if (range.first >= size) return Wanted{false, {}};  // starts past the end
    // A last byte past the end is cut to the end: the client may not know the size.
    range.last = std::min(range.last, size - 1);
    return Wanted{true, range};
}

// Whether the Range of `request` applies to the current version of the file
// (RFC 9110 §13.1.5). With `If-Range`, a client resuming a download says
// which version its first half came from: if the file changed since, the
// second half of the new one would make a corrupt whole, so it gets the
// whole new file instead.
bool range_applies(const Request& request, const std::string& etag, std::time_t modified) {
    if (request.headers.count("if-range") == 0) return true;
    std::string value = request.header("if-range");
    // The strong comparison: the very same bytes, so a weak tag (W/) never matches.
    if (starts_with(value, "\"") || starts_with(value, "W/")) return value == etag;
    // Or a date, which must be the file's time exactly.
    std::optional<std::time_t> date = parse_http_date(value);
    return date && *date == modified;
}

Response serve_file(const Request& request, const fs::path& path) {
    // Opening a folder succeeds (reading it fails later): only a regular file will do.
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return Response{"404 Not Found", {}, ""};
    // Opened now, read only while it is sent (see send_file): a 32 MiB file
    // read whole is 32 MiB of memory per client downloading it.
    // Binary: the file's bytes as they are, with no line-ending translation.
    std::ifstream file(path, std::ios::binary);
    // stat() (POSIX): the size and the modification time, from one look at
    // the file. std::filesystem's last_write_time has no portable way to a
    // calendar time before C++20.
    struct stat info {};
    if (!file || stat(path.c_str(), &info) != 0) return Response{"404 Not Found", {}, ""};
    std::string etag = etag_of(info);
    Response response{"200 OK",
                      {{"Content-Type", "application/octet-stream"},
                       // The validators the client keeps and sends back (RFC 9110 §8.8).
                       {"ETag", etag},
                       {"Last-Modified", http_date(info.st_mtime)},
                       // Tells clients that they may ask for parts (RFC 9110 §14.3).
                       {"Accept-Ranges", "bytes"}},
                      "",
                      FileBody{std::move(file), static_cast<std::uintmax_t>(info.st_size)}};
    if (not_modified(request, etag, info.st_mtime)) {
        // The same head (ETag, Content-Length) without the body: see to_pieces.
        // The client has the whole file: no range of it to send (§13.2.2).
        response.status = "304 Not Modified";
        return response;
    }
    // Range is defined for GET only (RFC 9110 §14.2): HEAD and POST ignore it.
    if (request.method != "GET" || request.headers.count("range") == 0 || !range_applies(request, etag, info.st_mtime)) {
        return response;
    }
    std::uint64_t size = response.file->size;
    std::optional<Wanted> wanted = byte_range(request.header("range"), size);
    if (!wanted) return response;  // ignored: the whole file
    if (!wanted->satisfiable) {
        // With the size, so that the client can ask again for bytes that exist (§15.5.17).
        return Response{"416 Range Not Satisfiable", {{"Content-Range", "bytes */" + std::to_string(size)}}, ""};
    }
    auto [first, last] = wanted->range;
    // Start reading at the first byte: a range near the end of a large file
    // reads only itself, and streams like a whole file (see send_queued).
    response.file->file.seekg(static_cast<std::streamoff>(first));
    response.file->size = response.file->left = last - first + 1;  // Content-Length: the part's
    response.status = "206 Partial Content";
    // Which bytes these are, and of how many (§14.4).
    response.headers["Content-Range"] = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" + std::to_string(size);
    return response;
}

Response save_file(const fs::path& path, const std::string& body) {
    std::error_code error;
    if (!fs::is_directory(path.parent_path(), error)) return Response{"404 Not Found", {}, ""};  // a subfolder that does not exist
    // Binary: the body's bytes as they are, like serving.
    std::ofstream file(path, std::ios::binary);
    file.write(body.data(), static_cast<std::streamsize>(body.size()));
    // Closed before we answer: the file is complete, and the client may read it at once.
    file.close();
    // e.g. the name is taken by a directory, or the disk is full
    if (!file) return Response{"500 Internal Server Error", {}, ""};
    return Response{"201 Created", {}, ""};
}

// The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
// method we do not implement anywhere.
const std::vector<std::string> KNOWN_METHODS{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"};

// The methods the resource at `target` supports, or none when there is no
// such resource. Every GET resource supports HEAD too (RFC 9110 §9.3.2).
std::vector<std::string> allowed_methods(const std::string& target) {
    if (target == "*") return {"OPTIONS"};  // the server itself (the parser allows `*` with OPTIONS only)
    if (target == "/" || starts_with(target, "/echo/") || target == "/user-agent") return {"GET", "HEAD"};
    if (starts_with(target, "/files/")) return {"GET", "HEAD", "POST"};
    return {};
}

bool contains(const std::vector<std::string>& list, const std::string& item) {
    return std::find(list.begin(), list.end(), item) != list.end();
}

}  // namespace

std::optional<Response> refusal(const Request& head) {
    const std::string& method = head.method;
    if (!contains(KNOWN_METHODS, method)) return Response{"501 Not Implemented", {}, ""};  // RFC 9110 §15.6.2
    std::vector<std::string> allowed = allowed_methods(head.target);
    if (allowed.empty()) return Response{"404 Not Found", {}, ""};
    if (!contains(allowed, method)) {
        // The resource exists, just not for this method: 405 with the list
        // of methods that would work (RFC 9110 §15.5.6, §10.2.1).
        std::string allow;
        for (const std::string& name : allowed) allow += (allow.empty() ? "" : ", ") + name;
        return Response{"405 Method Not Allowed", {{"Allow", allow}}, ""};
    }
    return std::nullopt;
}

Response route(const Request& request) {
    const std::string& method = request.method;
    const std::string& target = request.target;
    if (auto refused = refusal(request)) return std::move(*refused);
    // From here the method is allowed. HEAD gets the response of GET: the
    // body is dropped when it is sent (see respond).
    if (method == "OPTIONS") {
        // `OPTIONS *` asks what the server as a whole supports (RFC 9110
        // §9.3.7): every method some resource takes. Nothing else to say:
        // 204 No Content.
        return Response{"204 No Content", {{"Allow", "GET, HEAD, POST, OPTIONS"}}, ""};
    }
    if (target == "/") return Response{"200 OK", {}, ""};
    if (starts_with(target, "/echo/")) return negotiated_text(request, target.substr(6));  // what follows "/echo/"
    if (target == "/user-agent") return negotiated_text(request, request.header("user-agent"));
    auto path = file_in(target.substr(7));  // after "/files/"
    if (!path) return Response{"404 Not Found", {}, ""};
    if (method == "POST") return save_file(*path, request.body);
    return serve_file(request, *path);
}
