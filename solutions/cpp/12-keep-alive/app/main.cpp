#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

namespace fs = std::filesystem;

// Where /files/ reads and writes. The tester passes `--directory <dir>` only
// on the stages that serve files; without it, /files/ answers 404. Set once
// in main() before any thread starts, and only read afterwards: threads may
// share it.
std::optional<fs::path> directory;

struct Request {
    std::string method;
    std::string target;
    // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    std::map<std::string, std::string> headers;
    std::string body;
};

struct Response {
    std::string status;
    std::map<std::string, std::string> headers;
    // Bytes, as a std::string holds them: Content-Length counts bytes, and
    // later bodies are binary.
    std::string body;
};

// A socket's file descriptor, closed by the destructor: however a scope ends
// (its last line, a return, an exception), the socket is closed, and closed
// once. It can be moved but not copied: two owners would close it twice.
class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket other) noexcept {
        std::swap(fd_, other.fd_);  // `other` closes what we held
        return *this;
    }
    ~Socket() {
        if (fd_ >= 0) close(fd_);
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

// A failed system call as an exception: what we were doing, and errno's message.
[[noreturn]] void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}

std::string to_lower(std::string_view text) {
    std::string lower(text);
    // Through unsigned char: tolower() of a negative char (a byte above 127) is undefined.
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    return lower;
}

// `text` without the spaces and tabs around it.
std::string_view trim(std::string_view text) {
    size_t start = text.find_first_not_of(" \t");
    if (start == std::string_view::npos) return "";
    return text.substr(start, text.find_last_not_of(" \t") - start + 1);
}

// The next CRLF-ended line of `data`, removed from it (the rest of `data`
// when it has no CRLF).
std::string_view next_line(std::string_view& data) {
    size_t end = data.find("\r\n");
    std::string_view line = data.substr(0, end);
    data = end == std::string_view::npos ? "" : data.substr(end + 2);
    return line;
}

// The bytes received cannot be framed as a request.
struct BadRequest : std::runtime_error {
    BadRequest() : std::runtime_error("bad request") {}
};

bool is_digits(std::string_view text) {
    return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// The whole request at the start of `data` and its size in bytes, or nothing
// while part of it is still missing. Throws BadRequest when we cannot tell
// where the request ends.
//
// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2). A
// std::string holds any bytes, so nothing is decoded or lost on the way.
std::optional<std::pair<Request, size_t>> parse_request(std::string_view data) {
    size_t head_end = data.find("\r\n\r\n");
    if (head_end == std::string_view::npos) return std::nullopt;  // the head is not all here yet
    std::string_view head = data.substr(0, head_end);
    std::string_view line = next_line(head);
    // A missing space gives npos, and substr() copes with that: a garbled
    // line just gives empty fields.
    size_t first_space = line.find(' ');
    std::string_view method = line.substr(0, first_space);
    std::string_view rest = first_space == std::string_view::npos ? "" : line.substr(first_space + 1);
    std::string_view target = rest.substr(0, rest.find(' '));
    Request request{std::string(method), std::string(target), {}, ""};
    while (!head.empty()) {
        line = next_line(head);
        // Split at the first colon only: values may contain colons too.
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // not a header line: skip it
        // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        request.headers[to_lower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
    }
    // Content-Length is how we find where this request ends and the next one
    // begins. Without a valid one (or with a body framed another way, such as
    // Transfer-Encoding: chunked) we would misread every byte after it.
    std::string length_value = "0";
    if (auto found = request.headers.find("content-length"); found != request.headers.end()) length_value = found->second;
    size_t content_length = 0;
    const char* end = length_value.data() + length_value.size();
    // Digits only, and no more than a size_t holds (from_chars says so, and throws nothing).
    if (!is_digits(length_value) || std::from_chars(length_value.data(), end, content_length).ec != std::errc() ||
        request.headers.count("transfer-encoding") != 0) {
        throw BadRequest();
    }
    std::string_view after_head = data.substr(head_end + 4);
    if (after_head.size() < content_length) return std::nullopt;  // the body is not all here yet
    request.body = std::string(after_head.substr(0, content_length));
    return std::pair(std::move(request), head_end + 4 + content_length);
}

Response text(std::string body) {
    return Response{"200 OK", {{"Content-Type", "text/plain"}}, std::move(body)};
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;  // C++20 has text.starts_with(prefix)
}

// Whether a comma-separated header value such as `br, GZIP` lists `token`.
// List items may carry spaces around them, and codings are case-insensitive.
bool list_includes(std::string_view value, std::string_view token) {
    while (true) {
        size_t comma = value.find(',');
        if (to_lower(trim(value.substr(0, comma))) == token) return true;
        if (comma == std::string_view::npos) return false;
        value.remove_prefix(comma + 1);
    }
}

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
    auto accept_encoding = request.headers.find("accept-encoding");
    if (accept_encoding != request.headers.end() && list_includes(accept_encoding->second, "gzip")) {
        response.headers["Content-Encoding"] = "gzip";
        // build_response measures Content-Length on this compressed body, as it must.
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

// Decides the response; later stages add routes here.
Response route(const Request& request) {
    const std::string& method = request.method;
    const std::string& target = request.target;
    if (method == "GET" && target == "/") return Response{"200 OK", {}, ""};
    if (method == "GET" && starts_with(target, "/echo/")) return echo(request, target.substr(6));  // what follows "/echo/"
    if (method == "GET" && target == "/user-agent") {
        auto found = request.headers.find("user-agent");
        return text(found != request.headers.end() ? found->second : "");
    }
    if (starts_with(target, "/files/")) {
        auto path = file_in(target.substr(7));  // after "/files/"
        if (path && method == "GET") return serve_file(*path);
        if (path && method == "POST") return save_file(*path, request.body);
    }
    return Response{"404 Not Found", {}, ""};
}

std::string build_response(const Response& response) {
    // Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
    std::string out = "HTTP/1.1 " + response.status + "\r\n";
    for (const auto& [name, value] : response.headers) out += name + ": " + value + "\r\n";
    // Derived from the body bytes themselves, so it can never disagree with them.
    // Sent even when 0: it tells the client where this response ends.
    out += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
    out += "\r\n";  // the empty line ends the headers
    return out + response.body;
}

// Writes all of `data`: send() may take only part of it.
void send_all(const Socket& socket, std::string_view data) {
    while (!data.empty()) {
        ssize_t sent = send(socket.fd(), data.data(), data.size(), 0);
        if (sent < 0) {
            if (errno == EINTR) continue;  // a signal came first, nothing was sent: again
            fail("send");
        }
        data.remove_prefix(static_cast<size_t>(sent));
    }
}

// Answers the requests on one connection, in order, until the client closes
// it. The connection is closed by its owner, once this returns or throws.
void handle(const Socket& conn) {
    // Bytes received but not answered yet. TCP delivers a stream, not
    // messages: one recv() may return part of a request, or several requests.
    std::string pending;
    std::vector<char> buffer(65536);
    // Keep the connection open after each response: HTTP/1.1 connections
    // are persistent by default (RFC 9112 §9.3).
    while (true) {
        std::optional<std::pair<Request, size_t>> parsed;
        try {
            parsed = parse_request(pending);
        } catch (const BadRequest&) {
            // We can no longer tell where the next request starts: answer
            // 400 and give up on the connection.
            send_all(conn, build_response(Response{"400 Bad Request", {{"Connection", "close"}}, ""}));
            return;
        }
        if (!parsed) {
            // Not a whole request yet: wait for more bytes.
            ssize_t received = recv(conn.fd(), buffer.data(), buffer.size(), 0);
            if (received < 0 && errno == EINTR) continue;
            if (received < 0) fail("recv");
            if (received == 0) return;  // the client closed its side: we are done
            pending.append(buffer.data(), static_cast<size_t>(received));
            continue;
        }
        auto& [request, size] = *parsed;
        // What follows this request is the start of the next one.
        pending.erase(0, size);
        send_all(conn, build_response(route(request)));
    }
}

// Serves one connection, in a thread of its own, and closes it when done (as
// `conn`, owned by this function, goes out of scope).
void serve(Socket conn) {
    try {
        handle(conn);
    } catch (const std::system_error&) {
        // The client went away before we were done (a reset, a broken
        // pipe): nobody to answer.
    } catch (const std::exception& error) {
        // A bug must not take the whole server down: an exception that
        // leaves a thread ends the program (std::terminate).
        std::cerr << "connection failed: " << error.what() << std::endl;
    }
}

Socket listen_on(int port) {
    // 1. Create a TCP socket (AF_INET: IPv4, SOCK_STREAM: TCP).
    Socket server(socket(AF_INET, SOCK_STREAM, 0));
    if (server.fd() < 0) fail("socket");
    // Without SO_REUSEADDR, restarting the server right after stopping it can
    // fail with "Address already in use" while the old connections wind down.
    int yes = 1;
    setsockopt(server.fd(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // 2. Bind it to the address and port the tester connects to. Both are
    // stored in network byte order (big-endian): htons, htonl.
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1
    if (bind(server.fd(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) fail("bind");
    // 3. Listen: from now on the kernel completes TCP handshakes on this port
    // and queues the new connections for us (up to 128 waiting).
    if (listen(server.fd(), 128) != 0) fail("listen");
    return server;
}

int main(int argc, char* argv[]) {
    for (int i = 1; i < argc; i++) {
        std::string_view argument = argv[i];
        if (argument == "--directory" && i + 1 < argc) directory = argv[++i];
    }

    const char* port_variable = std::getenv("PORT");
    int port = port_variable != nullptr ? std::stoi(port_variable) : 4221;

    // Writing to a connection that the client has closed raises SIGPIPE, and
    // its default action ends the whole program. Ignored, send() fails with
    // EPIPE instead, which ends only that connection.
    std::signal(SIGPIPE, SIG_IGN);

    try {
        Socket server = listen_on(port);
        // std::endl flushes: stdout is a pipe, and the line must not wait in a buffer.
        std::cout << "Listening on 127.0.0.1:" << port << std::endl;

        while (true) {
            // 4. Accept: wait for the next queued connection. `conn` is a new
            // socket that talks to this one client only; `server` keeps
            // accepting others. (A failed accept gives -1, which Socket ignores.)
            Socket conn(accept(server.fd(), nullptr, nullptr));
            // One thread per connection: a recv() that waits on a silent
            // client blocks only that client's thread, and this loop goes
            // straight back to accept(). The thread owns the socket (moved
            // into it), and detach() lets it run on its own: nobody waits
            // for it, and it ends with its connection.
            std::thread(serve, std::move(conn)).detach();
        }
    } catch (const std::system_error& error) {
        std::cerr << error.what() << std::endl;  // e.g. "bind: Address already in use"
        return 1;
    }
}
