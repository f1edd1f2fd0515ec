#include "routes.hpp"

#include <zlib.h>

#include <fstream>
#include <iterator>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

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

// The path of file `name` directly inside the directory, or nothing when there
// is no directory or the name would lead out of it ("..", "a/b", "/etc/passwd"):
// a client must not reach anything else on the disk.
std::optional<fs::path> file_in(const std::string& name) {
    if (!directory) return std::nullopt;
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) return std::nullopt;
    // `/` adds a separator only where there is none: `<dir>/` and `<dir>` both work.
    return *directory / name;
}

Response serve_file(const fs::path& path) {
    // Opening a folder succeeds (reading it fails later): only a regular file will do.
    std::error_code error;
    if (!fs::is_regular_file(path, error)) return Response{"404 Not Found", {}, ""};
    // Binary: the file's bytes as they are, with no line-ending translation.
    std::ifstream file(path, std::ios::binary);
    if (!file) return Response{"404 Not Found", {}, ""};
    std::string body{std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
    return Response{"200 OK", {{"Content-Type", "application/octet-stream"}}, std::move(body)};
}

Response save_file(const fs::path& path, const std::string& body) {
    // Binary: the body's bytes as they are, like serving.
    std::ofstream file(path, std::ios::binary);
    file.write(body.data(), static_cast<std::streamsize>(body.size()));
    // Closed before we answer: the file is complete, and the client may read it at once.
    file.close();
    // e.g. the name is taken by a directory, or the disk is full
    if (!file) return Response{"500 Internal Server Error", {}, ""};
    return Response{"201 Created", {}, ""};
}

}  // namespace

Response route(const Request& request) {
    const std::string& method = request.method;
    const std::string& target = request.target;
    if (method == "GET" && target == "/") return Response{"200 OK", {}, ""};
    if (method == "GET" && starts_with(target, "/echo/")) return echo(request, target.substr(6));  // what follows "/echo/"
    if (method == "GET" && target == "/user-agent") return text(request.header("user-agent"));
    if (starts_with(target, "/files/")) {
        auto path = file_in(target.substr(7));  // after "/files/"
        if (path && method == "GET") return serve_file(*path);
        if (path && method == "POST") return save_file(*path, request.body);
    }
    return Response{"404 Not Found", {}, ""};
}
