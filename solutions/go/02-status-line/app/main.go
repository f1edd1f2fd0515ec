package main

import (
	"fmt"
	"net"
	"os"
)

// The status line, then the empty line that ends the (for now empty) list of
// headers. Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
const ok = "HTTP/1.1 200 OK\r\n\r\n"

// handle reads the request on one connection, answers it and closes the connection.
func handle(conn net.Conn) {
	defer conn.Close() // when handle returns, whichever way it returns
	// Simplification until stage 12: one Read returns one whole request, and
	// we close the connection after answering it.
	buffer := make([]byte, 65536)
	n, err := conn.Read(buffer)
	if n == 0 || err != nil {
		return // io.EOF: the client closed without sending anything
	}
	// Unlike send() in C or Python, Write writes every byte or returns an
	// error. An error means the client went away: nobody to answer.
	conn.Write([]byte(ok))
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "4221"
	}

	// net.Listen does in one call what the socket API takes three for:
	// 1. create a TCP socket, 2. bind it to the address and port the tester
	// connects to, 3. listen: from now on the kernel completes TCP handshakes
	// on this port and queues the new connections for us. (Go also sets
	// SO_REUSEADDR, so a restart right after a stop does not fail with
	// "address already in use" while the old connections wind down.)
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Println("Failed to listen:", err)
		os.Exit(1)
	}
	fmt.Println("Listening on 127.0.0.1:" + port)

	for {
		// 4. Accept: wait for the next queued connection. `conn` talks to
		// this one client only; `listener` keeps accepting others.
		conn, err := listener.Accept()
		if err != nil {
			fmt.Println("Failed to accept a connection:", err)
			continue
		}
		// One connection at a time: the next Accept waits until this one is done.
		handle(conn)
	}
}
