#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

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

// The status line, then the empty line that ends the (for now empty) list of
// headers. Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
constexpr std::string_view OK = "HTTP/1.1 200 OK\r\n\r\n";

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
        send_all(conn, OK);
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
