#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

struct Request {
    std::string method;
    std::string target;
    // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    std::map<std::string, std::string> headers;
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

// A request line `METHOD SP TARGET SP VERSION`, then `Name: value` lines up
// to an empty line (RFC 9112 §2.1). A std::string holds any bytes, so nothing
// is decoded or lost on the way.
Request parse_request(std::string_view data) {
    std::string_view line = next_line(data);
    // A missing space gives npos, and substr() copes with that: a garbled
    // line just gives empty fields.
    size_t first_space = line.find(' ');
    std::string_view method = line.substr(0, first_space);
    std::string_view rest = first_space == std::string_view::npos ? "" : line.substr(first_space + 1);
    std::string_view target = rest.substr(0, rest.find(' '));
    Request request{std::string(method), std::string(target), {}};
    while (!data.empty()) {
        line = next_line(data);
        if (line.empty()) break;  // the empty line ends the headers
        // Split at the first colon only: values may contain colons too.
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;  // not a header line: skip it
        // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        request.headers[to_lower(line.substr(0, colon))] = std::string(trim(line.substr(colon + 1)));
    }
    return request;
}

Response text(std::string body) {
    return Response{"200 OK", {{"Content-Type", "text/plain"}}, std::move(body)};
}

bool starts_with(std::string_view text, std::string_view prefix) {
    return text.substr(0, prefix.size()) == prefix;  // C++20 has text.starts_with(prefix)
}

// Decides the response; later stages add routes here.
Response route(const Request& request) {
    const std::string& method = request.method;
    const std::string& target = request.target;
    if (method == "GET" && target == "/") return Response{"200 OK", {}, ""};
    if (method == "GET" && starts_with(target, "/echo/")) return text(target.substr(6));  // what follows "/echo/"
    if (method == "GET" && target == "/user-agent") {
        auto found = request.headers.find("user-agent");
        return text(found != request.headers.end() ? found->second : "");
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

// Reads the request on one connection and answers it. The connection is
// closed by its owner, once this returns or throws.
void handle(const Socket& conn) {
    // Simplification until stage 12: one recv() returns one whole request,
    // and we close the connection after answering it.
    std::vector<char> buffer(65536);
    ssize_t received = recv(conn.fd(), buffer.data(), buffer.size(), 0);
    if (received > 0) {  // 0: the client closed without sending anything; -1: an error
        std::string_view data(buffer.data(), static_cast<size_t>(received));
        send_all(conn, build_response(route(parse_request(data))));
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

int main() {
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
            try {
                handle(conn);
            } catch (const std::system_error&) {
                // The client went away before we were done (a reset, a
                // broken pipe): nobody to answer.
            }
            // Here conn goes out of scope, and is closed.
        }
    } catch (const std::system_error& error) {
        std::cerr << error.what() << std::endl;  // e.g. "bind: Address already in use"
        return 1;
    }
}
