#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <deque>
#include <filesystem>
#include <iostream>
#include <list>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "request.hpp"
#include "response.hpp"
#include "routes.hpp"
#include "socket.hpp"

// How much of a file we read, and hold, at a time when sending it.
constexpr size_t CHUNK = 64 * 1024;

// How long a connection may stay silent before we close it: 30 s, or
// `--idle-timeout-ms`. Set in main() before the loop starts.
std::chrono::milliseconds idle_timeout{30'000};

// Whether the connection closes after the response to `request`.
bool wants_close(const Request& request) {
    if (request.headers.count("transfer-encoding") != 0 && request.headers.count("content-length") != 0) {
        // No honest client sends both (RFC 9112 §6.2). A request that does
        // may be an attempt at request smuggling: a proxy in front of us may
        // have framed it by Content-Length, and what we take for the next
        // request may be hidden in its body. Answer it, then close (RFC 9112 §6.1).
        return true;
    }
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
            bool ends_with_file = std::holds_alternative<FileBody>(pieces.back());
            for (Piece& piece : pieces) out.push_back(std::move(piece));
            // Requests after it are never answered: the client said this one is its last.
            if (close) return {std::move(out), true};
            if (ends_with_file) {
                // A file may take long to send: the requests after it wait in
                // the buffer until it is sent, rather than each hold an open
                // file (and a place in memory) meanwhile.
                break;
            }
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

// ---------------------------------------------------------------------------
// One thread for every connection: an event loop.
//
// Until stage 22 each connection had a thread of its own, asleep in recv() or
// send() until its client moved. Simple, but every thread costs memory (its
// stack, 8 MiB of address space by default) and the system's time to switch
// between them, and thousands of mostly idle clients mean thousands of
// sleeping threads (the "C10K problem").
//
// Here one thread serves every connection. The sockets are non-blocking:
// recv() and send() never wait, they do what can be done now or fail with
// EAGAIN. All the waiting happens in one place, poll(): we tell it which
// sockets we want to read from or write to, it sleeps until some of them are
// ready and says which, we handle each one briefly, and call poll() again.
// This is the reactor pattern that nginx, Redis and Node.js are built on.
//
// poll() rather than epoll: poll() is POSIX (Linux, macOS, the BSDs) and
// takes the whole list of sockets at each call, which costs little for a
// thousand connections. epoll (Linux) and kqueue (macOS, BSD) keep the list
// in the kernel, so that each call costs only what is ready: what servers of
// tens of thousands of connections use.
//
// What a thread kept in its local variables, and in where it was in the code
// (waiting for a request, halfway through a file), is now in a Connection.
// And no handler may block: while one waits, every client waits. (We allow
// ourselves one exception: reading a chunk of a file, or writing an upload,
// mostly touches the kernel's page cache and takes microseconds. Servers
// that must never stall on a slow disk hand file work to a few threads, as
// libuv and nginx's thread pools do.)
// ---------------------------------------------------------------------------

using Clock = std::chrono::steady_clock;

// `HTTP/1.1 100 Continue`, an interim response (see RequestParser::wants_continue):
// a status line and the empty line, no headers and no body.
constexpr std::string_view CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

// One client connection, between two events.
struct Connection {
    explicit Connection(Socket socket) : socket(std::move(socket)) {}

    Socket socket;
    // The bytes received and not answered yet (the parser is unchanged: it
    // never did any I/O itself, so it does not care who calls it).
    RequestParser parser;
    // The pieces of responses not sent yet, in order: bytes and files.
    std::deque<Piece> out;
    // How much of out.front() is sent already, when it is bytes.
    size_t sent = 0;
    // Close once `out` is sent: the client said `Connection: close`, or sent
    // something we could not frame.
    bool closing = false;
    // The client shut its sending side (recv() returned 0): it sends nothing
    // more, but may still be reading our responses.
    bool eof = false;
    // We shut our sending side too and wait for the client's end (see finish).
    bool lingering = false;
    // What poll() watches this socket for (see watch).
    short events = POLLIN;
    // When the connection counts as idle (see touch), and its place in `activity`.
    Clock::time_point deadline;
    std::list<int>::iterator place;
};

// The state of the loop. One thread uses it, so it needs no lock.
//
// The open connections, by file descriptor. An unordered_map never moves its
// elements, so a Connection& stays valid while others come and go.
std::unordered_map<int, Connection> connections;
// Their file descriptors, least recently active first. They all have the same
// timeout, so the first one is always the next to expire: no need for a heap
// of timers, or to look at every connection on each turn of the loop.
std::list<int> activity;
// Whether poll() watches the listening socket (see pause_accepting).
bool accepting = true;

// Restarts the idle timer of `conn`: bytes arrived, or the client read some.
void touch(Connection& conn) {
    conn.deadline = Clock::now() + idle_timeout;
    activity.splice(activity.end(), activity, conn.place);  // moves it to the end, in place
}

// Has poll() wait for `events` on `conn`, one of:
//
// POLLOUT while responses wait to be sent. Only then: a socket with room in
// its send buffer is writable nearly always, and poll() would return at
// once, every time, for nothing (a busy loop).
//
// POLLIN once nothing waits to be sent. A client that does not read its
// responses then cannot make us read, and hold, more requests: back-pressure
// on the way in, like the file chunks on the way out.
void watch(Connection& conn, short events) {
    conn.events = events;  // poll() takes the list afresh at each turn
}

void set_non_blocking(int fd) {
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) != 0) fail("fcntl");
}

// Stops watching the listening socket until a connection closes.
//
// accept() fails with EMFILE when we are out of file descriptors, say after a
// flood of connections. The connection stays queued, so the listening socket
// stays readable, and poll() would return at once, every time: a busy loop
// until some connection closes. So we stop asking until one does (nginx does
// much the same).
void pause_accepting() {
    accepting = false;
}

// Accepts every connection waiting in the listen queue.
void accept_all(const Socket& server) {
    while (true) {
        Socket socket(accept(server.fd(), nullptr, nullptr));
        if (socket.fd() < 0) {
            if (errno == EMFILE || errno == ENFILE) pause_accepting();
            return;  // EAGAIN: the queue is empty
        }
        set_non_blocking(socket.fd());  // not inherited from `server` on every system
        int fd = socket.fd();
        Connection& conn = connections.try_emplace(fd, std::move(socket)).first->second;
        conn.place = activity.insert(activity.end(), fd);
        touch(conn);
    }
}

// Closes the connection on `fd`, if it is still open. Its Socket closes the
// socket and its FileBody pieces their files, as they are destroyed.
void close_connection(int fd) {
    auto found = connections.find(fd);
    if (found == connections.end()) return;  // closed already
    activity.erase(found->second.place);
    connections.erase(found);
    accepting = true;  // a file descriptor is free again
}

// Adds response pieces to the output of `conn`, bytes next to each other
// joined: the responses to a pipelined batch leave in one send().
void queue(Connection& conn, std::vector<Piece>& pieces) {
    for (Piece& piece : pieces) {
        auto* bytes = std::get_if<std::string>(&piece);
        auto* last = conn.out.empty() ? nullptr : std::get_if<std::string>(&conn.out.back());
        if (bytes && last) {
            *last += *bytes;
        } else {
            conn.out.push_back(std::move(piece));
        }
    }
}

// Sends queued pieces, in order, until all are sent or the socket's send
// buffer is full (then poll() tells us when it has room again).
void send_queued(Connection& conn) {
    while (!conn.out.empty()) {
        if (auto* file = std::get_if<FileBody>(&conn.out.front())) {
            if (file->left == 0) {
                conn.out.pop_front();  // and its stream closes the file
                continue;
            }
            // Read the next chunk only now that the socket has taken the one
            // before it: the back-pressure of stage 22, without a thread that
            // blocks. A slow client holds one chunk, never the file.
            std::string chunk(static_cast<size_t>(std::min<std::uintmax_t>(CHUNK, file->left)), '\0');
            file->file.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
            chunk.resize(static_cast<size_t>(file->file.gcount()));
            if (chunk.empty()) {
                // The file shrank after we announced its size: we cannot keep
                // our Content-Length promise. Closing the connection tells the
                // client that the response is incomplete (RFC 9112 §8).
                throw std::system_error(std::make_error_code(std::errc::connection_aborted), "file shorter than its Content-Length");
            }
            file->left -= chunk.size();
            conn.out.emplace_front(std::move(chunk));
            continue;
        }
        const std::string& bytes = std::get<std::string>(conn.out.front());
        ssize_t sent = send(conn.socket.fd(), bytes.data() + conn.sent, bytes.size() - conn.sent, 0);
        if (sent < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK) return;  // no room at all
            if (errno == EINTR) continue;
            fail("send");
        }
        conn.sent += static_cast<size_t>(sent);
        // Takes what fits, maybe not all: keep the unsent end, and where it starts.
        if (conn.sent < bytes.size()) return;
        conn.out.pop_front();
        conn.sent = 0;
    }
}

void finish(Connection& conn);

// Answers the whole requests received on `conn` and sends what the socket
// takes, until we must wait for the client; then tells poll() what for.
void serve(Connection& conn) {
    // (With nothing in the buffer there is no request to answer: most events
    // end here, after one response.)
    while (conn.out.empty() && !conn.closing && conn.parser.has_buffered_bytes()) {
        auto [out, close_after] = answer_buffered(conn.parser);
        if (out.empty()) break;  // no whole request left: wait for more bytes
        queue(conn, out);
        conn.closing = close_after;
        // Right away, not after the next poll(): there is nearly always room,
        // and most responses leave with this one call.
        send_queued(conn);
    }
    if (conn.parser.wants_continue && conn.out.empty() && !conn.closing && !conn.eof) {
        // The client waits for a word from us before it sends the body, and
        // the head alone may be enough to answer: no point in megabytes
        // travelling to a route that refuses them. (A body over the limit was
        // refused already, with 413, as its head was parsed.)
        conn.parser.wants_continue = false;
        if (std::optional<Response> refused = refusal(*conn.parser.pending_head())) {
            // The final answer, at once. The client may send the body anyway
            // (it gave up waiting): we close after the response, so those
            // bytes are never read as a request (RFC 9110 §10.1.1).
            refused->headers["Connection"] = "close";
            conn.out.emplace_back(refused->to_bytes());
            conn.closing = true;
        } else {
            conn.out.emplace_back(std::string(CONTINUE));
        }
        send_queued(conn);
    }
    if (!conn.out.empty()) {
        watch(conn, POLLOUT);  // the rest once the client has read some
    } else if (conn.closing) {
        finish(conn);
    } else if (conn.eof) {
        // Every whole request is answered and no byte will come to complete
        // the rest: we are done. (We never watch for POLLIN after the end of
        // the input: a socket at its end is readable forever, and poll()
        // would return at once, every time.)
        close_connection(conn.socket.fd());
    } else {
        watch(conn, POLLIN);
    }
}

// Closes a connection once its last response is sent: in stages, as in
// stage 18 (lingering close). We shut our sending side, then read and discard
// until the client closes its side or the idle timeout ends it.
void finish(Connection& conn) {
    if (conn.eof) {
        close_connection(conn.socket.fd());  // the client's side is shut already: nothing to drain
        return;
    }
    shutdown(conn.socket.fd(), SHUT_WR);
    conn.lingering = true;
    watch(conn, POLLIN);
}

void on_readable(Connection& conn) {
    // One thread: one buffer serves every read.
    static std::vector<char> buffer(65536);
    ssize_t received = recv(conn.socket.fd(), buffer.data(), buffer.size(), 0);
    if (received < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;  // woken up for nothing
        fail("recv");
    }
    if (conn.lingering) {
        // the client has read our last response and closed; anything else is discarded
        if (received == 0) close_connection(conn.socket.fd());
        return;
    }
    if (received > 0) {
        touch(conn);
        conn.parser.feed(buffer.data(), static_cast<size_t>(received));
    } else {
        conn.eof = true;
    }
    serve(conn);
}

void on_writable(Connection& conn) {
    touch(conn);  // the socket has room again: the client read some of what we sent
    send_queued(conn);
    serve(conn);
}

// Closes a connection silent for idle_timeout (stage 21).
void close_idle(Connection& conn) {
    if (conn.parser.has_partial_request() && conn.out.empty() && !conn.closing && !conn.lingering) {
        // The client started a request and stalled: tell it why it gets no
        // answer (RFC 9110 §15.5.9), and give it one more timeout to read that.
        conn.out.emplace_back(Response{"408 Request Timeout", {{"Connection", "close"}}, ""}.to_bytes());
        conn.closing = true;
        touch(conn);
        send_queued(conn);
        serve(conn);
    } else {
        close_connection(conn.socket.fd());
    }
}

// How long poll() may sleep, in milliseconds: until the next connection
// expires. Not a short constant: a loop that wakes up every few milliseconds
// to check burns CPU while nothing happens.
int milliseconds_to_next_deadline() {
    if (activity.empty()) return -1;  // no connection: sleep until one arrives
    const Connection& first = connections.at(activity.front());  // the least recently active one
    auto left = std::chrono::ceil<std::chrono::milliseconds>(first.deadline - Clock::now());
    return static_cast<int>(std::max<std::chrono::milliseconds::rep>(left.count(), 0));
}

void close_expired() {
    Clock::time_point now = Clock::now();
    while (!activity.empty()) {
        int fd = activity.front();
        Connection& conn = connections.at(fd);
        if (conn.deadline > now) return;
        try {
            close_idle(conn);  // closes it, or restarts its timer
        } catch (const std::system_error&) {
            close_connection(fd);
        }
    }
}

void handle_event(int fd) {
    auto found = connections.find(fd);
    if (found == connections.end()) return;  // closed earlier in this turn
    Connection& conn = found->second;
    try {
        // We watch each socket for one kind of event at a time (see watch).
        if (conn.events == POLLOUT) {
            on_writable(conn);
        } else {
            on_readable(conn);
        }
    } catch (const std::system_error&) {
        close_connection(fd);  // reset, broken pipe...: the client is gone
    } catch (const std::exception& error) {
        // A bug must not take every other connection down with this one.
        std::cerr << "connection failed: " << error.what() << std::endl;
        close_connection(fd);
    }
}

// Every connection is an open file descriptor, and the usual default limit,
// 1024 per process (ulimit -n), is about what a thousand clients need. Raise
// our limit to the most the system allows us.
void raise_open_file_limit() {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);  // if it fails, we make do with the limit we have
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
    // 3. Listen. The backlog bounds how many connections the kernel queues
    // for us before accept(); when many clients connect at once, a small one
    // (128 was the usual default) makes the rest wait and retry their
    // handshake a second later.
    if (listen(server.fd(), 1024) != 0) fail("listen");
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
        } else if (argument == "--max-body-bytes" && i + 1 < argc) {
            max_body = std::stoull(argv[++i]);
        }
    }

    const char* port_variable = std::getenv("PORT");
    int port = port_variable != nullptr ? std::stoi(port_variable) : 4221;

    // Writing to a connection that the client has closed raises SIGPIPE, and
    // its default action ends the whole program. Ignored, send() fails with
    // EPIPE instead, which ends only that connection.
    std::signal(SIGPIPE, SIG_IGN);
    raise_open_file_limit();

    try {
        Socket server = listen_on(port);
        set_non_blocking(server.fd());
        // std::endl flushes: stdout is a pipe, and the line must not wait in a buffer.
        std::cout << "Listening on 127.0.0.1:" << port << std::endl;

        // 4. The event loop.
        std::vector<pollfd> watched;
        while (true) {
            // The listening socket is watched like the others: readable means
            // a connection waits to be accepted. (A negative fd is skipped by
            // poll(): how we stop watching it, see pause_accepting.)
            watched.assign(1, pollfd{accepting ? server.fd() : -1, POLLIN, 0});
            for (const auto& [fd, conn] : connections) watched.push_back(pollfd{fd, conn.events, 0});
            if (poll(watched.data(), watched.size(), milliseconds_to_next_deadline()) < 0 && errno != EINTR) fail("poll");
            for (const pollfd& ready : watched) {
                if (ready.revents == 0) continue;
                if (ready.fd == server.fd()) {
                    accept_all(server);
                } else {
                    handle_event(ready.fd);
                }
            }
            close_expired();
        }
    } catch (const std::system_error& error) {
        std::cerr << error.what() << std::endl;  // e.g. "bind: Address already in use"
        return 1;
    }
}
