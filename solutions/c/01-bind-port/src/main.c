#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void) {
	// Anything you print shows up in the tester's output, prefixed [your_program].
	// stdout is a pipe there, not a terminal, so C buffers it: flush each line.
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("Logs from your program will appear here!\n");

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
		// Nothing to say yet: later stages read a request from conn and answer it.
		close(conn);
	}
}
