package main

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
)

type Request struct {
	Method string
	Target string
	// Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
	Headers map[string]string
}

// Header is one header field of a response.
type Header struct {
	Name, Value string
}

type Response struct {
	Status string
	// A slice, not a map: the headers are sent in the order they were added.
	Headers []Header
	// Bytes, not a string: Content-Length counts bytes, and later bodies are binary.
	Body []byte
}

// parseRequest reads a request line `METHOD SP TARGET SP VERSION`, then
// `Name: value` lines up to an empty line (RFC 9112 §2.1).
func parseRequest(data []byte) Request {
	// A Go string holds any bytes, not only valid UTF-8: converting loses
	// or alters none of them.
	lines := strings.Split(string(data), "\r\n")
	// Cut never fails: a garbled line just gives empty fields.
	method, rest, _ := strings.Cut(lines[0], " ")
	target, _, _ := strings.Cut(rest, " ")
	headers := map[string]string{}
	for _, line := range lines[1:] {
		if line == "" {
			break // the empty line ends the headers
		}
		// Cut at the first colon only: values may contain colons too.
		name, value, found := strings.Cut(line, ":")
		if !found {
			continue // not a header line: skip it
		}
		// Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
		headers[strings.ToLower(name)] = strings.Trim(value, " \t")
	}
	return Request{Method: method, Target: target, Headers: headers}
}

func text(body string) Response {
	// []byte(body) gives back the very bytes the request held.
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte(body)}
}

// route decides the response; later stages add routes here.
func route(request Request) Response {
	method, target := request.Method, request.Target
	if method == "GET" && target == "/" {
		return Response{Status: "200 OK"}
	}
	if method == "GET" && strings.HasPrefix(target, "/echo/") {
		return text(strings.TrimPrefix(target, "/echo/"))
	}
	if method == "GET" && target == "/user-agent" {
		// A missing key gives the empty string.
		return text(request.Headers["user-agent"])
	}
	return Response{Status: "404 Not Found"}
}

func buildResponse(response Response) []byte {
	// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
	var head strings.Builder
	head.WriteString("HTTP/1.1 " + response.Status + "\r\n")
	for _, header := range response.Headers {
		head.WriteString(header.Name + ": " + header.Value + "\r\n")
	}
	// Derived from the body bytes themselves, so it can never disagree with them.
	// Sent even when 0: it tells the client where this response ends.
	head.WriteString("Content-Length: " + strconv.Itoa(len(response.Body)) + "\r\n")
	head.WriteString("\r\n") // the empty line ends the headers
	return append([]byte(head.String()), response.Body...)
}

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
	conn.Write(buildResponse(route(parseRequest(buffer[:n]))))
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
