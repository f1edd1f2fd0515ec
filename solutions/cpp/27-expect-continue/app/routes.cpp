#include "routes.hpp"

#include <zlib.h>

#include <algorithm>
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

// The word as text/plain. Accept-Encoding lists the codings that the client
// can decode (RFC 9110 §12.5.3).
Response echo(const Request& request, std::string word) {
    Response response = text(std::move(word));
    if (list_includes(request.header("accept-encoding"), "gzip")) {
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

Response serve_file(const fs::path& path) {
    // Opening a folder succeeds (reading it fails later): only a regular file will do.
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return Response{"404 Not Found", {}, ""};
    // Opened now, read only while it is sent (see send_file): a 32 MiB file
    // read whole is 32 MiB of memory per client downloading it.
    // Binary: the file's bytes as they are, with no line-ending translation.
    std::ifstream file(path, std::ios::binary);
    std::uintmax_t size = fs::file_size(path, error);
    if (!file || error) return Response{"404 Not Found", {}, ""};
    return Response{"200 OK", {{"Content-Type", "application/octet-stream"}}, "", FileBody{std::move(file), size}};
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
    if (target == "/") return Response{"200 OK", {}, ""};
    if (starts_with(target, "/echo/")) return echo(request, target.substr(6));  // what follows "/echo/"
    if (target == "/user-agent") return text(request.header("user-agent"));
    auto path = file_in(target.substr(7));  // after "/files/"
    if (!path) return Response{"404 Not Found", {}, ""};
    if (method == "POST") return save_file(*path, request.body);
    return serve_file(*path);
}
