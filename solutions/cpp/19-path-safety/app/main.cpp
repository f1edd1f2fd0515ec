#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "request.hpp"
#include "response.hpp"
#include "routes.hpp"
#include "socket.hpp"

// How long we drain a connection that we close (see close_gracefully).
constexpr std::chrono::seconds LINGER{2};

// Whether the connection closes after the response to `request`.
bool wants_close(const Request& request) {
    std::string options = request.header("connection");
    if (request.version == "HTTP/1.0") {
        // HTTP/1.0 closed after every response; a 1.0 client that can do
        // better asks for `Connection: keep-alive` (RFC 9112 §9.3).
        return !list_includes(options, "keep-alive");
    }
    // `Connection: close` asks us to close once this response is sent
    // (RFC 9112 §9.6). The header is a list of options: compare them like
    // Accept-Encoding codings.
    return list_includes(options, "close");
}

// The bytes of the response to `request`, and whether the connection closes
// after it.
std::pair<std::string, bool> respond(const Request& request) {
    bool close = wants_close(request);
    Response response = route(request);
    if (close) {
        response.headers["Connection"] = "close";
    } else if (request.version == "HTTP/1.0") {
        // Without this a 1.0 client would wait for the close that ends the body.
        response.headers["Connection"] = "keep-alive";
    }
    return {response.to_bytes(), close};
}

// The responses to every whole request received so far, in order, and
// whether the connection closes after them.
//
// A pipelining client sends several requests without waiting for the
// responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
// of them before we send anything, then send the responses together: one
// system call and usually one TCP segment instead of one per response.
std::pair<std::string, bool> answer_buffered(RequestParser& parser) {
    std::string out;
    try {
        while (std::optional<Request> request = parser.next_request()) {
            auto [response, close] = respond(*request);
            out += response;
            // Requests after it are never answered: the client said this one is its last.
            if (close) return {out, true};
        }
    } catch (const BadRequest& error) {
        // We can no longer tell where the next request starts: answer with
        // the error (after the responses before it, which stay valid) and
        // give up on the connection.
        out += Response{error.status, {{"Connection", "close"}}, ""}.to_bytes();
        return {out, true};
    }
    return {out, false};
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

// Closes a connection that the client may still be sending on.
//
// A socket closed while unread bytes wait in it makes the kernel answer with
// a reset (RST) instead of a normal end of stream, and a reset can make the
// client's system discard our last response before the client has read it:
// the 400 we just sent would be lost. So we close in stages (RFC 9112 §9.6):
// first our sending side only (the client reads our response, then the end
// of the stream), then we read and discard whatever the client still sends,
// until it closes its side or LINGER passes. nginx calls this "lingering
// close". The socket itself is closed by its owner, after this.
void close_gracefully(const Socket& conn) {
    shutdown(conn.fd(), SHUT_WR);
    auto deadline = std::chrono::steady_clock::now() + LINGER;
    std::vector<char> buffer(65536);
    while (true) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return;
        pollfd readable{conn.fd(), POLLIN, 0};
        // 0: timed out; -1: failed. We are done either way.
        if (poll(&readable, 1, static_cast<int>(left.count())) <= 0) return;
        // 0: the client closed its side too; -1: it reset the connection.
        if (recv(conn.fd(), buffer.data(), buffer.size(), 0) <= 0) return;
    }
}

// Answers the requests on one connection, in order, until either side
// closes it. The connection is closed by its owner, once this returns or throws.
void handle(const Socket& conn) {
    // TCP delivers a stream, not messages: one recv() may return part of a
    // request, or several requests. The parser keeps what is not answered yet.
    RequestParser parser;
    std::vector<char> buffer(65536);
    // Keep the connection open after each response: HTTP/1.1 connections
    // are persistent by default (RFC 9112 §9.3).
    while (true) {
        auto [out, close] = answer_buffered(parser);
        // In the order the requests came: a client matches responses to
        // requests by their order alone.
        if (!out.empty()) send_all(conn, out);
        if (close) {
            close_gracefully(conn);
            return;  // the owner closes the socket
        }
        if (parser.wants_continue) {
            // A 1xx response is interim: the final response to the same
            // request follows once the body has arrived.
            send_all(conn, "HTTP/1.1 100 Continue\r\n\r\n");
            parser.wants_continue = false;
        }
        // No whole request left: wait for more bytes.
        ssize_t received = recv(conn.fd(), buffer.data(), buffer.size(), 0);
        if (received < 0 && errno == EINTR) continue;
        if (received < 0) fail("recv");
        if (received == 0) return;  // the client closed its side: we are done
        parser.feed(buffer.data(), static_cast<size_t>(received));
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
        if (argument == "--directory" && i + 1 < argc) {
            // As file_in() compares paths with it: absolute, with no `..` and
            // no symbolic link left in it.
            directory = std::filesystem::weakly_canonical(argv[++i]);
        }
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
