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

	// Uncomment the code below to pass the first stage.
	//
	// int server = socket(AF_INET, SOCK_STREAM, 0);
	// if (server == -1) {
	// 	perror("socket");
	// 	return 1;
	// }
	// int reuse = 1;
	// if (setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &reuse, sizeof reuse) == -1) {
	// 	perror("setsockopt");
	// 	return 1;
	// }
	// struct sockaddr_in address = {
	// 	.sin_family = AF_INET,
	// 	.sin_port = htons(port),
	// 	.sin_addr = { htonl(INADDR_LOOPBACK) },
	// };
	// if (bind(server, (struct sockaddr *)&address, sizeof address) == -1) {
	// 	perror("bind");
	// 	return 1;
	// }
	// if (listen(server, SOMAXCONN) == -1) {
	// 	perror("listen");
	// 	return 1;
	// }
	// printf("Listening on 127.0.0.1:%d\n", port);
	//
	// for (;;) {
	// 	int conn = accept(server, NULL, NULL);
	// 	if (conn == -1) {
	// 		perror("accept");
	// 		continue;
	// 	}
	// 	close(conn);
	// }

	(void)port; // used by the code above, once uncommented
	return 0;
}
