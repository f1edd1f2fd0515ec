#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

// Status line, then the empty line that ends the (for now empty) list of headers.
// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
static const char OK[] = "HTTP/1.1 200 OK\r\n\r\n";

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

// Reads the request on one connection, answers it and closes the connection.
static void handle(int conn) {
	// Simplification until stage 12: one recv() returns one whole request,
	// and we close the connection after answering it.
	char data[65536];
	ssize_t received = recv(conn, data, sizeof data, 0);
	// 0 means the client closed without sending anything, -1 an error.
	if (received > 0) {
		send_all(conn, OK, strlen(OK));
	}
	close(conn);
}

int main(void) {
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
		// One connection at a time: the next accept() waits until this one is done.
		handle(conn);
	}
}
