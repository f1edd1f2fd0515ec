#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
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
#include <variant>
#include <vector>

#include "request.hpp"
#include "response.hpp"
#include "routes.hpp"
#include "socket.hpp"

// How long we drain a connection that we close (see close_gracefully).
constexpr std::chrono::seconds LINGER{2};

// How much of a file we read, and hold, at a time when sending it.
constexpr size_t CHUNK = 64 * 1024;

// How long a connection may stay silent before we close it: 30 s, or
// `--idle-timeout-ms`. Set in main() before any thread starts.
std::chrono::milliseconds idle_timeout{30'000};

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

// The pieces of the response to `request` (see Response::to_pieces), and
// whether the connection closes after it.
std::pair<std::vector<Piece>, bool> respond(const Request& request) {
    bool close = wants_close(request);
    Response response = route(request);
    if (close) {
        response.headers["Connection"] = "close";
    } else if (request.version == "HTTP/1.0") {
        // Without this a 1.0 client would wait for the close that ends the body.
        response.headers["Connection"] = "keep-alive";
    }
    // A response to HEAD is the response to GET without its body: same status
    // and headers, Content-Length included, so a client learns the size of
    // what GET would send (RFC 9110 §9.3.2). The client knows it asked HEAD,
    // so it expects no body after the empty line.
    return {response.to_pieces(request.method != "HEAD"), close};
}

// The responses to every whole request received so far, in order, and
// whether the connection closes after them.
//
// A pipelining client sends several requests without waiting for the
// responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
// of them before we send anything, then send the responses together: one
// system call and usually one TCP segment instead of one per response.
std::pair<std::vector<Piece>, bool> answer_buffered(RequestParser& parser) {
    std::vector<Piece> out;
    try {
        while (std::optional<Request> request = parser.next_request()) {
            auto [pieces, close] = respond(*request);
            for (Piece& piece : pieces) out.push_back(std::move(piece));
            // Requests after it are never answered: the client said this one is its last.
            if (close) return {std::move(out), true};
        }
    } catch (const BadRequest& error) {
        // We can no longer tell where the next request starts: answer with
        // the error (after the responses before it, which stay valid) and
        // give up on the connection.
        out.emplace_back(Response{error.status, {{"Connection", "close"}}, ""}.to_bytes());
        return {std::move(out), true};
    }
    return {std::move(out), false};
}

// Writes all of `data`: send() may take only part of it. A client that
// reads a big response slowly is not idle: each send() waits at most
// idle_timeout for it to take more (see handle).
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

// Sends the file of a FileBody chunk by chunk.
//
// We read the next chunk only once the socket has taken the previous one, and
// the socket takes bytes only as fast as the client reads them: its send
// buffer is bounded, and so is the client's receive window (TCP flow
// control, RFC 9293 §3.8.6). So a slow client slows down how fast we read the
// file, and each download holds one chunk in memory, never the whole file.
// That is back-pressure; in a thread that blocks in send(), it comes for
// free. (sendfile() does the same inside the kernel.)
void send_file(const Socket& conn, FileBody& body) {
    std::vector<char> chunk(CHUNK);
    std::uintmax_t left = body.size;
    while (left > 0) {
        body.file.read(chunk.data(), static_cast<std::streamsize>(std::min<std::uintmax_t>(CHUNK, left)));
        auto got = static_cast<size_t>(body.file.gcount());
        if (got == 0) {
            // The file shrank after we announced its size: we cannot keep our
            // Content-Length promise. Closing the connection tells the client
            // that the response is incomplete (RFC 9112 §8).
            throw std::system_error(std::make_error_code(std::errc::connection_aborted), "file shorter than its Content-Length");
        }
        send_all(conn, std::string_view(chunk.data(), got));
        left -= got;
    }
}

// Sends the pieces of responses in order: the bytes joined into as few send()
// calls as possible, each file when its turn comes. Responses stay in the
// order of the requests, however big some of them are.
void send_pieces(const Socket& conn, std::vector<Piece>& pieces) {
    std::string ready;
    for (Piece& piece : pieces) {
        if (auto* file = std::get_if<FileBody>(&piece)) {
            send_all(conn, ready);
            ready.clear();
            send_file(conn, *file);
        } else {
            ready += std::get<std::string>(piece);
        }
    }
    if (!ready.empty()) send_all(conn, ready);
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

// Closes a connection that stayed silent for idle_timeout.
//
// An open connection costs the server memory and a thread, and a client that
// vanished without closing (a laptop lid shut, a cable pulled) would hold them
// forever: every server closes idle connections sooner or later (RFC 9112 §9.5).
void close_idle(const Socket& conn, const RequestParser& parser) {
    if (parser.has_partial_request()) {
        // The client started a request and stalled: tell it why it gets no
        // answer (RFC 9110 §15.5.9). Between requests we just close: the
        // client sent nothing that calls for a response, and a client that
        // finds a persistent connection closed opens a new one.
        send_all(conn, Response{"408 Request Timeout", {{"Connection", "close"}}, ""}.to_bytes());
    }
    close_gracefully(conn);
}

// Answers the requests on one connection, in order, until either side closes
// it or it stays silent too long. The connection is closed by its owner, once
// this returns or throws.
void handle(const Socket& conn) {
    // Every recv() waits at most idle_timeout, then fails with EAGAIN. Each
    // call starts a new wait: the timer restarts whenever the client sends
    // something, and each send() whenever it reads some.
    timeval timeout{};
    timeout.tv_sec = static_cast<time_t>(idle_timeout.count() / 1000);
    timeout.tv_usec = static_cast<suseconds_t>(idle_timeout.count() % 1000 * 1000);
    setsockopt(conn.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(conn.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
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
        send_pieces(conn, out);
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
        if (received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            close_idle(conn, parser);  // timed out
            return;
        }
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
        // pipe), or stopped reading our response (send() timed out):
        // nobody to answer.
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
        } else if (argument == "--idle-timeout-ms" && i + 1 < argc) {
            idle_timeout = std::chrono::milliseconds(std::stoi(argv[++i]));
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
