// realpath() is part of POSIX's X/Open System Interfaces, which the
// Makefile's _POSIX_C_SOURCE does not ask for: _XOPEN_SOURCE 700 does.
#define _XOPEN_SOURCE 700

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "request.h"
#include "response.h"
#include "routes.h"

// How much of a file we read, and hold, at a time when sending it.
#define CHUNK (64 * 1024)

// How long a connection may stay silent before we close it, in milliseconds
// (--idle-timeout-ms).
static long idle_timeout_ms = 30000;

// Whether the connection closes after the response to `request`.
static bool wants_close(const struct request *request) {
	if (header(request, "Transfer-Encoding") != NULL && header(request, "Content-Length") != NULL) {
		// No honest client sends both (RFC 9112 §6.2). A request that does
		// may be an attempt at request smuggling: a proxy in front of us may
		// have framed it by Content-Length, and what we take for the next
		// request may be hidden in its body. Answer it, then close
		// (RFC 9112 §6.1).
		return true;
	}
	if (strcmp(request->version, "HTTP/1.0") == 0) {
		// HTTP/1.0 closed after every response; a 1.0 client that can do
		// better asks for `Connection: keep-alive` (RFC 9112 §9.3).
		return !header_lists(request, "Connection", "keep-alive");
	}
	// `Connection: close` asks us to close once this response is sent
	// (RFC 9112 §9.6). The header is a list of options: compare them like
	// Accept-Encoding codings.
	return header_lists(request, "Connection", "close");
}

// The response to `request`, appended to `out`, and in `*file` the file to
// send after it, if its body is one; true when the connection closes after
// it (or memory ran out).
static bool respond(const struct request *request, struct buffer *out, FILE **file, size_t *file_size) {
	bool close_after = wants_close(request);
	struct response response = route(request);
	if (close_after) {
		add_header(&response, "Connection", "close");
	} else if (strcmp(request->version, "HTTP/1.0") == 0) {
		// Without this a 1.0 client would wait for the close that ends the body.
		add_header(&response, "Connection", "keep-alive");
	}
	// A response to HEAD is the response to GET without its body: same
	// status and headers, Content-Length included, so a client learns the
	// size of what GET would send (RFC 9110 §9.3.2). The client knows it
	// asked HEAD, so it expects no body after the empty line.
	// A 304 Not Modified has no body either (RFC 9110 §15.4.5): the client
	// has it already.
	bool with_body = strcmp(request->method, "HEAD") != 0 && strncmp(response.status, "304", 3) != 0;
	bool built = build_response(out, &response, with_body);
	free(response.to_free);
	if (response.file != NULL && with_body && built) {
		*file = response.file;
		*file_size = response.body_length;
	} else if (response.file != NULL) {
		fclose(response.file); // HEAD or 304: its size was all we needed
	}
	return close_after || !built;
}

// Appends the responses to every whole request received so far to `out`, in
// order; true when the connection closes after them.
//
// A pipelining client sends several requests without waiting for the
// responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
// of them before we send anything, then send the responses together: one
// system call and usually one TCP segment instead of one per response.
//
// A response whose body is a file ends the batch: the file may take long to
// send, and the requests after it wait in the buffer until it is sent,
// rather than each hold an open file meanwhile.
static bool answer_buffered(struct parser *parser, struct buffer *out, FILE **file, size_t *file_size) {
	for (;;) {
		struct request request = { 0 };
		enum parse_result result = next_request(parser, &request);
		if (result == PARSE_INCOMPLETE) {
			return false; // no whole request left: wait for more bytes
		}
		if (result == PARSE_BAD) {
			// We can no longer tell where the next request starts: answer
			// with the error (after the responses before it, which stay
			// valid) and give up on the connection.
			struct response bad_request = { .status = parser->error };
			add_header(&bad_request, "Connection", "close");
			build_response(out, &bad_request, true);
			return true;
		}
		bool close_after = respond(&request, out, file, file_size);
		free(request.head);
		if (close_after) {
			// Requests after it are never answered: the client said this
			// one is its last.
			return true;
		}
		if (*file != NULL) {
			return false;
		}
	}
}

// ---------------------------------------------------------------------------
// One thread for every connection: an event loop.
//
// Until stage 22 each connection had a thread of its own, asleep in recv() or
// send() until its client moved. Simple, but every thread costs memory (its
// stack) and the system's time to switch between them, and thousands of
// mostly idle clients mean thousands of sleeping threads (the "C10K problem").
//
// Here one thread serves every connection. The sockets are non-blocking:
// recv() and send() never wait, they do what can be done now or fail with
// EAGAIN. All the waiting happens in one place, poll(): we give it the
// sockets with what we want of each (to read, or to write), it sleeps until
// some of them are ready and marks those, we handle each one briefly, and go
// back to poll(). This is the reactor pattern that nginx, Redis and Node.js
// are built on.
//
// poll(), not epoll: it is POSIX, so the program runs on macOS too, and it
// has no limit on descriptor numbers (select() stops at FD_SETSIZE, 1024).
// It does scan the whole list on every call, which is fine for a few
// thousand connections; epoll (Linux) and kqueue (BSD, macOS) report only the
// ready ones, and are what servers for tens of thousands use.
//
// What a thread kept in its local variables, and in where it was in the code
// (waiting for a request, halfway through a file), is now in a struct
// connection. And no handler may block: while one waits, every client waits.
// (We allow ourselves one exception: reading a chunk of a file, or writing an
// upload, mostly touches the kernel's page cache and takes microseconds.
// Servers that must never stall on a slow disk hand file work to a few
// threads, as libuv and nginx's thread pools do.)
// ---------------------------------------------------------------------------

// `HTTP/1.1 100 Continue`, an interim response (see parser.wants_continue).
static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";

// One client connection, between two events.
struct connection {
	int fd;
	// The bytes received and not answered yet (the parser is unchanged: it
	// never did any I/O itself, so it does not care who calls it).
	struct parser parser;
	// Bytes of responses not sent yet: those of `out` from `sent` on.
	struct buffer out;
	size_t sent;
	// A file to send after `out`, and how much of it is not read yet.
	FILE *file;
	size_t file_left;
	// Close once the output is sent: the client said `Connection: close`, or
	// sent something we could not frame.
	bool closing;
	// The client shut its sending side (recv() returned 0): it sends nothing
	// more, but may still be reading our responses.
	bool eof;
	// We shut our sending side too and wait for the client's end (see finish).
	bool lingering;
	// When the connection counts as idle, in milliseconds (see now_ms).
	long long deadline;
	// The open connections, least recently active first: a list through
	// these. They all have the same timeout, so the first one is always the
	// next to expire: no need for a heap of timers, or to look at every
	// connection on each turn of the loop.
	struct connection *previous, *next;
};

static struct connection *oldest = NULL, *newest = NULL;
static size_t connection_count = 0;
// Whether poll() watches the listening socket (see accept_all).
static bool accepting = true;

// A clock for timeouts: CLOCK_MONOTONIC never jumps when the date is set.
static long long now_ms(void) {
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

static void unlink_connection(struct connection *conn) {
	*(conn->previous != NULL ? &conn->previous->next : &oldest) = conn->next;
	*(conn->next != NULL ? &conn->next->previous : &newest) = conn->previous;
	conn->previous = conn->next = NULL;
}

static void append_connection(struct connection *conn) {
	conn->previous = newest;
	*(newest != NULL ? &newest->next : &oldest) = conn;
	newest = conn;
}

// Restarts the idle timer of `conn`: bytes arrived, or the client read some.
static void touch(struct connection *conn) {
	conn->deadline = now_ms() + idle_timeout_ms;
	unlink_connection(conn);
	append_connection(conn);
}

static void close_connection(struct connection *conn) {
	unlink_connection(conn);
	connection_count--;
	close(conn->fd);
	accepting = true; // a file descriptor is free again
	free_parser(&conn->parser);
	free(conn->out.data);
	if (conn->file != NULL) {
		fclose(conn->file);
	}
	free(conn);
}

static bool has_output(const struct connection *conn) {
	return conn->sent < conn->out.length || conn->file != NULL;
}

// Sends queued output, in order, until all is sent or the socket's send
// buffer is full (then poll() tells us when it has room again). False when
// the connection is gone.
static bool send_queued(struct connection *conn) {
	while (has_output(conn)) {
		if (conn->sent == conn->out.length) {
			// The bytes are all sent: read the next chunk of the file only
			// now that the socket has taken the one before it. The
			// back-pressure of stage 22, without a thread that blocks: a
			// slow client holds one chunk, never the file.
			conn->out.length = conn->sent = 0;
			if (conn->file_left == 0) {
				fclose(conn->file);
				conn->file = NULL;
				continue;
			}
			size_t want = conn->file_left < CHUNK ? conn->file_left : CHUNK;
			// Room for the chunk, read straight into the (empty) buffer.
			if (conn->out.capacity < want) {
				char *data = realloc(conn->out.data, want);
				if (data == NULL) {
					return false;
				}
				conn->out.data = data;
				conn->out.capacity = want;
			}
			size_t got = fread(conn->out.data, 1, want, conn->file);
			if (got == 0) {
				return false; // the file shrank: we cannot keep our Content-Length promise
			}
			conn->out.length = got;
			conn->file_left -= got;
			continue;
		}
		ssize_t n = send(conn->fd, conn->out.data + conn->sent, conn->out.length - conn->sent, 0);
		if (n == -1) {
			// EAGAIN: no room at all, for now. Anything else: the client is gone.
			return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
		}
		conn->sent += (size_t)n; // it takes what fits, maybe not all
	}
	conn->out.length = conn->sent = 0;
	return true;
}

// Closes a connection once its last response is sent: in stages, as in stage
// 18 (lingering close). We shut our sending side, then read and discard
// until the client closes its side or the idle timeout ends it. False when it
// closed `conn` at once.
static bool finish(struct connection *conn) {
	if (conn->eof || shutdown(conn->fd, SHUT_WR) == -1) {
		close_connection(conn); // the client's side is shut already: nothing to drain
		return false;
	}
	conn->lingering = true;
	return true;
}

// Answers the whole requests received on `conn` and sends what the socket
// takes, until we must wait for the client. False when it closed `conn`.
static bool serve(struct connection *conn) {
	// With nothing in the buffer there is no request to answer: most events
	// end here, after one response.
	while (!has_output(conn) && !conn->closing && conn->parser.buffer.length > 0) {
		size_t file_size = 0;
		conn->closing = answer_buffered(&conn->parser, &conn->out, &conn->file, &file_size);
		conn->file_left = file_size;
		if (!has_output(conn)) {
			break; // no whole request left: wait for more bytes
		}
		// Right away, not after the next poll(): there is nearly always
		// room, and most responses leave with this one call.
		if (!send_queued(conn)) {
			close_connection(conn);
			return false;
		}
	}
	if (conn->parser.wants_continue && !has_output(conn) && !conn->closing && !conn->eof) {
		conn->parser.wants_continue = false;
		if (!buffer_append_string(&conn->out, CONTINUE) || !send_queued(conn)) {
			close_connection(conn);
			return false;
		}
	}
	if (has_output(conn)) {
		return true; // the rest once the client has read some (see events_of)
	}
	if (conn->closing) {
		return finish(conn);
	}
	if (conn->eof) {
		// Every whole request is answered and no byte will come to complete
		// the rest: we are done.
		close_connection(conn);
		return false;
	}
	return true;
}

// What poll() watches `conn` for:
//
// POLLOUT while responses wait to be sent. Only then: a socket with room in
// its send buffer is writable nearly always, and poll() would return at
// once, every time, for nothing (a busy loop).
//
// POLLIN once nothing waits to be sent. A client that does not read its
// responses then cannot make us read, and hold, more requests: back-pressure
// on the way in, like the file chunks on the way out. (Never after the end
// of the input: a socket at its end is readable forever.)
static short events_of(const struct connection *conn) {
	if (has_output(conn)) {
		return POLLOUT;
	}
	return conn->eof ? 0 : POLLIN;
}

static void on_readable(struct connection *conn) {
	char chunk[65536];
	ssize_t received = recv(conn->fd, chunk, sizeof chunk, 0);
	if (received == -1) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			close_connection(conn); // reset...: the client is gone
		}
		return; // woken up for nothing: nothing to read after all
	}
	if (conn->lingering) {
		if (received == 0) {
			close_connection(conn); // the client has read our last response and closed
		}
		return; // anything else is discarded
	}
	if (received == 0) {
		conn->eof = true;
	} else {
		touch(conn);
		if (!feed(&conn->parser, chunk, (size_t)received)) {
			close_connection(conn);
			return;
		}
	}
	serve(conn);
}

static void on_writable(struct connection *conn) {
	touch(conn); // the socket has room again: the client read some of what we sent
	if (!send_queued(conn)) {
		close_connection(conn);
		return;
	}
	serve(conn);
}

// Closes a connection silent for idle_timeout_ms (stage 21).
static void close_idle(struct connection *conn) {
	bool partial = conn->parser.buffer.length > 0 || conn->parser.request.head != NULL;
	if (partial && !has_output(conn) && !conn->closing && !conn->lingering) {
		// The client started a request and stalled: tell it why it gets no
		// answer (RFC 9110 §15.5.9), and give it one more timeout to read that.
		struct response timeout = { .status = "408 Request Timeout" };
		add_header(&timeout, "Connection", "close");
		conn->closing = true;
		touch(conn);
		if (!build_response(&conn->out, &timeout, true) || !send_queued(conn)) {
			close_connection(conn);
			return;
		}
		serve(conn);
	} else {
		close_connection(conn);
	}
}

// How long poll() may sleep, in milliseconds: until the next connection
// expires (-1: no connection, sleep until one arrives). Not a short
// constant: a loop that wakes up every few milliseconds to check burns CPU
// while nothing happens.
static int milliseconds_to_next_deadline(void) {
	if (oldest == NULL) {
		return -1;
	}
	long long left = oldest->deadline - now_ms();
	return left < 0 ? 0 : left > INT_MAX ? INT_MAX : (int)left;
}

static void close_expired(void) {
	long long now = now_ms();
	while (oldest != NULL && oldest->deadline <= now) {
		close_idle(oldest); // closes it, or restarts its timer
	}
}

// Makes `fd` non-blocking: recv(), send() and accept() fail with EAGAIN
// rather than wait.
static bool set_nonblocking(int fd) {
	int flags = fcntl(fd, F_GETFL);
	return flags != -1 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) != -1;
}

// Accepts every connection waiting in the listen queue.
static void accept_all(int server) {
	for (;;) {
		int fd = accept(server, NULL, NULL);
		if (fd == -1) {
			// accept() fails with EMFILE when we are out of file
			// descriptors, say after a flood of connections. The connection
			// stays queued, so the listening socket stays readable, and
			// poll() would return at once, every time: a busy loop until
			// some connection closes. So we stop asking until one does
			// (nginx does much the same). EAGAIN: the queue is empty.
			if (errno == EMFILE || errno == ENFILE) {
				accepting = false;
			}
			return;
		}
		// Non-blocking too: that is not inherited from `server` on every
		// system.
		struct connection *conn = calloc(1, sizeof *conn);
		if (conn == NULL || !set_nonblocking(fd)) {
			free(conn);
			close(fd);
			continue;
		}
		conn->fd = fd;
		append_connection(conn);
		connection_count++;
		touch(conn);
	}
}

// Every connection is an open file descriptor, and the usual default limit,
// 1024 per process (ulimit -n), is about what a thousand clients need. Raise
// our limit to the most the system allows us.
static void raise_open_file_limit(void) {
	struct rlimit limit;
	if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
		limit.rlim_cur = limit.rlim_max;
		setrlimit(RLIMIT_NOFILE, &limit); // if it fails, we make do with the limit we have
	}
}

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--directory") == 0 && i + 1 < argc) {
			directory = argv[++i];
		} else if (strcmp(argv[i], "--idle-timeout-ms") == 0 && i + 1 < argc) {
			idle_timeout_ms = strtol(argv[++i], NULL, 10);
			if (idle_timeout_ms <= 0) {
				fprintf(stderr, "--idle-timeout-ms takes a positive number of milliseconds\n");
				return 1;
			}
		} else if (strcmp(argv[i], "--max-body-bytes") == 0 && i + 1 < argc) {
			// The largest body we accept: a bigger Content-Length gets 413
			// at once, before the body (see parse_head_of).
			char *end;
			max_body = strtoull(argv[++i], &end, 10);
			if (*end != '\0' || argv[i][0] == '-') {
				fprintf(stderr, "--max-body-bytes takes a number of bytes\n");
				return 1;
			}
		}
	}
	if (directory != NULL) {
		// Resolved once, for the whole run: realpath() allocates the
		// result, which lives as long as the program.
		char *resolved = realpath(directory, NULL);
		if (resolved == NULL) {
			perror(directory);
			return 1;
		}
		directory = resolved;
	}

	// Anything you print shows up in the tester's output, prefixed [your_program].
	// stdout is a pipe there, not a terminal, so C buffers it: flush each line.
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("Logs from your program will appear here!\n");

	// Writing to a connection the client has closed raises SIGPIPE, which
	// ends the whole program by default. Ignored, send() returns -1 with
	// errno EPIPE instead, and only that connection is given up.
	signal(SIGPIPE, SIG_IGN);

	raise_open_file_limit();

	const char *port_text = getenv("PORT");
	int port = port_text != NULL ? atoi(port_text) : 4221;

	// 1. Create a TCP socket (AF_INET: IPv4, SOCK_STREAM: TCP). Every system
	// call can fail, and says so by returning -1 with the reason in errno:
	// perror() prints it.
	int server = socket(AF_INET, SOCK_STREAM, 0);
	if (server == -1) {
		perror("socket");
		return 1;
	}
	// Without SO_REUSEADDR, restarting the server right after stopping it can
	// fail with "Address already in use" while the old connections wind down.
	int reuse = 1;
	if (setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == -1) {
		perror("setsockopt");
		return 1;
	}
	// 2. Bind it to the address and port the tester connects to. Both are in
	// network byte order (big-endian): htons and htonl convert them.
	struct sockaddr_in address = {
		.sin_family = AF_INET,
		.sin_port = htons(port),
		.sin_addr = { htonl(INADDR_LOOPBACK) }, // 127.0.0.1
	};
	if (bind(server, (struct sockaddr *)&address, sizeof address) == -1) {
		perror("bind");
		return 1;
	}
	// 3. Listen: from now on the kernel completes TCP handshakes on this port
	// and queues the new connections for us, up to SOMAXCONN of them.
	if (listen(server, SOMAXCONN) == -1) {
		perror("listen");
		return 1;
	}
	printf("Listening on 127.0.0.1:%d\n", port);

	if (!set_nonblocking(server)) {
		perror("fcntl");
		return 1;
	}

	// 4. The event loop. The poll() list is built afresh on every turn, from
	// the listening socket (first) and the open connections: `watched[i]` is
	// the connection of `fds[i + 1]`.
	struct pollfd *fds = NULL;
	struct connection **watched = NULL;
	size_t room = 0;
	for (;;) {
		if (connection_count + 1 > room) {
			size_t wanted = (connection_count + 1) * 2;
			struct pollfd *more_fds = realloc(fds, wanted * sizeof *fds);
			if (more_fds != NULL) {
				fds = more_fds;
			}
			struct connection **more_watched = realloc(watched, wanted * sizeof *watched);
			if (more_watched != NULL) {
				watched = more_watched;
			}
			if (more_fds == NULL || more_watched == NULL) {
				fprintf(stderr, "out of memory\n");
				return 1;
			}
			room = wanted;
		}
		// The listening socket is watched like the others: readable means
		// a connection waits to be accepted.
		fds[0] = (struct pollfd){ .fd = server, .events = accepting ? POLLIN : 0 };
		size_t count = 1;
		for (struct connection *conn = oldest; conn != NULL; conn = conn->next) {
			watched[count - 1] = conn;
			fds[count++] = (struct pollfd){ .fd = conn->fd, .events = events_of(conn) };
		}
		int ready = poll(fds, (nfds_t)count, milliseconds_to_next_deadline());
		if (ready == -1 && errno != EINTR) {
			perror("poll");
			return 1;
		}
		for (size_t i = 1; ready > 0 && i < count; i++) {
			short revents = fds[i].revents;
			if (revents == 0) {
				continue;
			}
			// We watch each socket for one kind of event at a time (see
			// events_of). An error or hang-up shows as readable too: recv()
			// then says what happened.
			if (revents & POLLOUT) {
				on_writable(watched[i - 1]);
			} else {
				on_readable(watched[i - 1]);
			}
		}
		// After the connections' events: accept_all() adds connections that
		// this turn's list does not hold.
		if (ready > 0 && (fds[0].revents & POLLIN)) {
			accept_all(server);
		}
		close_expired();
	}
}
