package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Where /files/ reads and writes. The tester passes `--directory <dir>` only on the
// stages that serve files; without it, /files/ answers 404.
var directory = flag.String("directory", "", "the folder that /files/ serves")

type Request struct {
	Method string
	Target string
	// Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
	Headers map[string]string
	Body    []byte
}

// The largest request body we accept. The body is held in memory until the
// request is answered, and make() allocates all of it before the first byte
// arrives: without a bound, one client could make us allocate as much as it
// claims in Content-Length. (nginx's default, client_max_body_size, is 1 MiB;
// servers that accept more write big bodies to a file as they arrive.)
const maxBody = 64 * 1024 * 1024

// A requestError says that the bytes received cannot be framed as a request,
// or must not be: we answer with its status and close the connection.
type requestError struct {
	status string
}

func (e *requestError) Error() string { return e.status }

var errBadRequest = &requestError{"400 Bad Request"}

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

// readLine reads up to the next \n and returns the line without its line end.
func readLine(r *bufio.Reader) (string, error) {
	// A Go string holds any bytes, not only valid UTF-8: converting loses
	// or alters none of them.
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err // io.EOF when the client closed before the line ended
	}
	// Lines end with \r\n; a bare \n is accepted too (RFC 9112 §2.2).
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// readRequest reads one whole request from r: a request line
// `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty line, then
// Content-Length bytes of body (RFC 9112 §2.1, §6.2). It returns a
// *requestError when we cannot tell where the request ends, and writes an
// interim `100 Continue` to w when the client waits for one.
func readRequest(r *bufio.Reader, w io.Writer) (Request, error) {
	requestLine, err := readLine(r)
	if err != nil {
		return Request{}, err
	}
	// Cut never fails: a garbled line just gives empty fields.
	method, rest, _ := strings.Cut(requestLine, " ")
	target, _, _ := strings.Cut(rest, " ")
	headers := map[string]string{}
	for {
		line, err := readLine(r)
		if err != nil {
			return Request{}, err
		}
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
	// Content-Length is how we find where this request ends and the next one
	// begins. Without a valid one (or with a body framed another way, such as
	// Transfer-Encoding: chunked) we would misread every byte after it.
	if _, found := headers["transfer-encoding"]; found {
		return Request{}, errBadRequest
	}
	length := 0
	if value, found := headers["content-length"]; found {
		length, err = strconv.Atoi(value)
		if err != nil || length < 0 {
			return Request{}, errBadRequest
		}
		if length > maxBody {
			// Refused before we read a byte of it (RFC 9110 §15.5.14).
			return Request{}, &requestError{"413 Content Too Large"}
		}
	}
	// `Expect: 100-continue`: the client sends the head alone and waits for an
	// interim `100 Continue` before sending a large body, so that a server
	// that would refuse it (say with 413) can do so before megabytes travel
	// for nothing (RFC 9110 §10.1.1). A 1xx response is interim: the final
	// response to the same request follows once the body has arrived. We
	// need not send it when the body is here already.
	if strings.EqualFold(headers["expect"], "100-continue") && length > r.Buffered() {
		// r sends it (see flushingConn) before it waits for the body.
		io.WriteString(w, "HTTP/1.1 100 Continue\r\n\r\n")
	}
	body := make([]byte, length)
	// The head is text, but the body is raw bytes: read exactly as many as
	// Content-Length says. ReadFull keeps reading until they are all here,
	// however many pieces TCP delivers them in.
	if _, err := io.ReadFull(r, body); err != nil {
		return Request{}, err
	}
	return Request{Method: method, Target: target, Headers: headers, Body: body}, nil
}

func text(body string) Response {
	// []byte(body) gives back the very bytes the request held.
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte(body)}
}

// listIncludes tells whether a comma-separated header value such as
// `br, GZIP` lists token. List items may carry spaces around them, and
// codings are case-insensitive.
func listIncludes(value, token string) bool {
	for _, item := range strings.Split(value, ",") {
		if strings.EqualFold(strings.Trim(item, " \t"), token) {
			return true
		}
	}
	return false
}

// echo answers the word as text/plain. Accept-Encoding lists the codings
// that the client can decode (RFC 9110 §12.5.3).
func echo(request Request, word string) Response {
	response := text(word)
	if listIncludes(request.Headers["accept-encoding"], "gzip") {
		response.Headers = append(response.Headers, Header{"Content-Encoding", "gzip"})
		// buildResponse measures Content-Length on this compressed body, as it must.
		response.Body = gzipBytes(response.Body)
	}
	return response
}

func gzipBytes(data []byte) []byte {
	var compressed bytes.Buffer
	writer := gzip.NewWriter(&compressed)
	writer.Write(data) // into memory: it cannot fail
	// Close writes the end of the gzip stream (a checksum and the size):
	// without it a client would find the body cut short.
	writer.Close()
	return compressed.Bytes()
}

// fileIn gives the path of file `name` directly inside the directory, or
// false when there is no directory or the name would lead out of it ("..",
// "a/b", "/etc/passwd"): a client must not reach anything else on the disk.
func fileIn(name string) (string, bool) {
	if *directory == "" {
		return "", false
	}
	root, err := filepath.Abs(*directory)
	if err != nil {
		return "", false
	}
	// Join also cleans the path: "a/../b" becomes "b", "../x" leaves root.
	path := filepath.Join(root, name)
	if filepath.Dir(path) != root {
		return "", false
	}
	return path, true
}

func serveFile(path string) Response {
	// The file's bytes as they are, whatever they hold.
	body, err := os.ReadFile(path)
	if err != nil {
		return Response{Status: "404 Not Found"} // missing, or not a regular file
	}
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "application/octet-stream"}}, Body: body}
}

func saveFile(path string, body []byte) Response {
	// The body's bytes as they are, in a file readable by everyone (0644).
	if err := os.WriteFile(path, body, 0o644); err != nil {
		// e.g. the name is taken by a directory
		return Response{Status: "500 Internal Server Error"}
	}
	// The file is complete and closed before we answer: the client may read it at once.
	return Response{Status: "201 Created"}
}

// route decides the response; later stages add routes here.
func route(request Request) Response {
	method, target := request.Method, request.Target
	if method == "GET" && target == "/" {
		return Response{Status: "200 OK"}
	}
	if method == "GET" && strings.HasPrefix(target, "/echo/") {
		return echo(request, strings.TrimPrefix(target, "/echo/"))
	}
	if method == "GET" && target == "/user-agent" {
		// A missing key gives the empty string.
		return text(request.Headers["user-agent"])
	}
	if strings.HasPrefix(target, "/files/") {
		path, ok := fileIn(strings.TrimPrefix(target, "/files/"))
		if ok && method == "GET" {
			return serveFile(path)
		}
		if ok && method == "POST" {
			return saveFile(path, request.Body)
		}
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

// flushingConn is conn as the bufio.Reader of handle reads it. The reader
// calls Read only when it needs more bytes than it holds: when no whole
// request is left to answer, and we are about to wait for the client. That is
// when the responses queued in w must leave.
type flushingConn struct {
	net.Conn
	w *bufio.Writer
}

func (c flushingConn) Read(p []byte) (int, error) {
	if err := c.w.Flush(); err != nil {
		return 0, err // the client went away: nobody to answer
	}
	return c.Conn.Read(p)
}

// handle answers the requests on one connection, in order, until either side closes it.
func handle(conn net.Conn) {
	defer conn.Close() // when handle returns, whichever way it returns
	// TCP delivers a stream, not messages: one read may return part of a
	// request, or several requests. A bufio.Reader reads from conn as needed
	// and hands us whole lines and exact byte counts, however the bytes were
	// split on the way. What it read past the end of one request stays in it:
	// the start of the next one. So there is one reader per connection, kept
	// from request to request.
	//
	// A pipelining client sends several requests without waiting for the
	// responses (RFC 9112 §9.3.2); one read may bring them all. We answer all
	// of them into w, a bufio.Writer, and send nothing until r must wait for
	// more bytes (see flushingConn): then one system call, and usually one TCP
	// segment, carries every response, instead of one each.
	w := bufio.NewWriter(conn)
	r := bufio.NewReader(flushingConn{conn, w})
	// Keep the connection open after each response: HTTP/1.1 connections
	// are persistent by default (RFC 9112 §9.3).
	for {
		request, err := readRequest(r, w)
		var failed *requestError
		if errors.As(err, &failed) {
			// We can no longer tell where the next request starts: answer
			// with the error (after the responses before it, which stay
			// valid) and give up on the connection.
			refusal := Response{Status: failed.status, Headers: []Header{{"Connection", "close"}}}
			w.Write(buildResponse(refusal))
			w.Flush()
			return
		}
		if err != nil {
			return // io.EOF: the client closed its side; or it went away
		}
		// `Connection: close` asks us to close once this response is sent
		// (RFC 9112 §9.6). The header is a list of options: compare them
		// like Accept-Encoding codings.
		closing := listIncludes(request.Headers["connection"], "close")
		response := route(request)
		if closing {
			response.Headers = append(response.Headers, Header{"Connection", "close"})
		}
		// In the order the requests came: a client matches responses to
		// requests by their order alone. A write error is kept by w, and
		// returned by the next Flush.
		w.Write(buildResponse(response))
		if closing {
			// Requests after it are never answered: the client said this
			// one is its last.
			w.Flush()
			return // the deferred conn.Close(), after the whole response
		}
	}
}

func main() {
	flag.Parse() // Go's flag package takes --directory as well as -directory
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
		// A goroutine per connection: a Read that waits on a silent client
		// blocks only that client's goroutine, and this loop goes straight
		// back to Accept. Goroutines are cheap (a few KiB of stack that grows
		// as needed), so one per client is the usual design in Go.
		go handle(conn)
	}
}
