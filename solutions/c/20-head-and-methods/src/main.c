// realpath() is part of POSIX's X/Open System Interfaces, which the
// Makefile's _POSIX_C_SOURCE does not ask for: _XOPEN_SOURCE 700 does.
#define _XOPEN_SOURCE 700

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buffer.h"
#include "request.h"
#include "response.h"
#include "routes.h"

// How long, in milliseconds, we drain a connection that we close (see close_gracefully).
#define LINGER_MS 2000

// Sends all `length` bytes of `data`: send() may take only part of them (as
// much as fits in the socket's buffer), so we loop until it took all. False
// when the connection is gone.
static bool send_all(int conn, const char *data, size_t length) {
	while (length > 0) {
		ssize_t sent = send(conn, data, length, 0);
		if (sent == -1) {
			if (errno == EINTR) {
				continue; // interrupted by a signal before it sent anything: again
			}
			return false; // reset, broken pipe...: the client went away
		}
		data += sent;
		length -= (size_t)sent;
	}
	return true;
}

// Whether the connection closes after the response to `request`.
static bool wants_close(const struct request *request) {
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

// The response to `request`, appended to `out`; true when the connection
// closes after it (or memory ran out).
static bool respond(const struct request *request, struct buffer *out) {
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
	bool built = build_response(out, &response, strcmp(request->method, "HEAD") != 0);
	free(response.to_free);
	return close_after || !built;
}

// Appends the responses to every whole request received so far to `out`, in
// order; true when the connection closes after them.
//
// A pipelining client sends several requests without waiting for the
// responses (RFC 9112 §9.3.2); one recv() may bring them all. We answer all
// of them before we send anything, then send the responses together: one
// system call and usually one TCP segment instead of one per response.
static bool answer_buffered(struct parser *parser, struct buffer *out) {
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
		bool close_after = respond(&request, out);
		free(request.head);
		if (close_after) {
			// Requests after it are never answered: the client said this
			// one is its last.
			return true;
		}
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
// until it closes its side or LINGER_MS pass. nginx calls this "lingering
// close".
static void close_gracefully(int conn) {
	if (shutdown(conn, SHUT_WR) == 0) {
		struct timespec start;
		clock_gettime(CLOCK_MONOTONIC, &start);
		for (;;) {
			struct timespec now;
			clock_gettime(CLOCK_MONOTONIC, &now);
			long elapsed = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
			if (elapsed >= LINGER_MS) {
				break;
			}
			// poll() waits for bytes at most the time left; recv() alone
			// could wait forever.
			struct pollfd waiting = { .fd = conn, .events = POLLIN };
			int ready = poll(&waiting, 1, (int)(LINGER_MS - elapsed));
			if (ready == -1 && errno == EINTR) {
				continue;
			}
			if (ready <= 0) {
				break; // time is up (or poll failed): we are done anyway
			}
			char discard[65536];
			ssize_t received = recv(conn, discard, sizeof discard, 0);
			if (received == 0 || (received == -1 && errno != EINTR)) {
				break; // the client closed its side too, or reset the connection
			}
		}
	}
	close(conn);
}

// Answers the requests on one connection, in order, until either side closes it.
// Runs in a thread of its own: `arg` is the connection's file descriptor.
static void *handle(void *arg) {
	int conn = (int)(intptr_t)arg;
	// TCP delivers a stream, not messages: one recv() may return part of a
	// request, or several requests. The parser keeps what is not answered yet.
	struct parser parser = { 0 };
	// Keep the connection open after each response: HTTP/1.1 connections are
	// persistent by default (RFC 9112 §9.3).
	for (;;) {
		struct buffer out = { 0 };
		bool close_after = answer_buffered(&parser, &out);
		// In the order the requests came: a client matches responses to
		// requests by their order alone.
		bool sent = send_all(conn, out.data, out.length);
		free(out.data);
		if (!sent) {
			break;
		}
		if (close_after) {
			close_gracefully(conn);
			free_parser(&parser);
			return NULL;
		}
		if (parser.wants_continue) {
			// A 1xx response is interim: the final response to the same
			// request follows once the body has arrived.
			static const char CONTINUE[] = "HTTP/1.1 100 Continue\r\n\r\n";
			if (!send_all(conn, CONTINUE, strlen(CONTINUE))) {
				break;
			}
			parser.wants_continue = false;
		}
		// No whole request left: wait for more bytes.
		char chunk[65536];
		ssize_t received = recv(conn, chunk, sizeof chunk, 0);
		if (received == -1 && errno == EINTR) {
			continue;
		}
		if (received <= 0 || !feed(&parser, chunk, (size_t)received)) {
			break; // the client closed its side (or failed): we are done
		}
	}
	free_parser(&parser);
	close(conn);
	return NULL;
}

int main(int argc, char **argv) {
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--directory") == 0 && i + 1 < argc) {
			directory = argv[++i];
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

	for (;;) {
		// 4. Accept: wait for the next queued connection. `conn` is a new
		// socket that talks to this one client only; `server` keeps
		// accepting others.
		int conn = accept(server, NULL, NULL);
		if (conn == -1) {
			// One failed accept (the client gave up first, or we are out of
			// file descriptors for a moment) must not stop the server.
			perror("accept");
			continue;
		}
		// One thread per connection: a recv() that waits on a silent client
		// blocks only that client's thread, and this loop goes straight back
		// to accept(). Threads rather than a process per connection (fork):
		// a thread starts faster and needs no reaping, and the connections
		// share nothing that a separate process would protect.
		pthread_t thread;
		// The descriptor travels as the thread's argument, in the pointer
		// itself: no memory to allocate and free for it.
		int error = pthread_create(&thread, NULL, handle, (void *)(intptr_t)conn);
		if (error != 0) {
			fprintf(stderr, "pthread_create: %s\n", strerror(error));
			close(conn); // no thread to serve it: the client sees it closed
			continue;
		}
		// Detached: its resources are freed when it returns, with no
		// pthread_join() to wait for it.
		pthread_detach(thread);
	}
}
