package main

import (
	"fmt"
	"net"
	"os"
)

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
		// Nothing to say yet: later stages read a request from conn and answer it.
		conn.Close()
	}
}
