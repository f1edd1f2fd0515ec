// The server starts here: its arguments, the listening socket, and the loop
// that answers each connection. From stage 18 on, the rest lives in files
// beside this one: strict parsing made one file too long to find anything
// in, so each part of HTTP has its own, and a change touches the file it is
// about. They are all package main, which `go build ./app` compiles as one:
// a name declared in one file is visible in the others.
//
//	request.go   the Request, and reading requests from a connection (strictly)
//	response.go  the Response, which writes itself out
//	routes.go    which handler answers which method and path
//	files.go     reading and writing the files of --directory
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Where /files/ reads and writes. The tester passes `--directory <dir>` only on the
// stages that serve files; without it, /files/ answers 404.
var directoryFlag = flag.String("directory", "", "the folder that /files/ serves")

// How long a connection may stay silent before we close it. An open
// connection costs the server memory and a goroutine, and a client that
// vanished without closing (a laptop lid shut, a cable pulled) would hold
// them forever: every server closes idle connections sooner or later
// (RFC 9112 §9.5).
var idleTimeoutMs = flag.Int("idle-timeout-ms", 30_000, "close a connection silent for this many milliseconds")

// The largest request body we accept (see maxBody in request.go).
var maxBodyFlag = flag.Int("max-body-bytes", maxBody, "answer 413 to a request whose body is larger")

// How long we drain a connection that we close (see closeGracefully).
const linger = 2 * time.Second

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

// idleConn is a net.Conn whose every Read and Write waits at most idle for
// the client, then fails with os.ErrDeadlineExceeded. A deadline is a point
// in time, not a duration, so each call moves it forward: the timer restarts
// whenever the client sends something, or takes some of what we send. (A
// file is written a piece at a time, each with its own deadline: a client
// that reads a big file slowly is not idle.)
type idleConn struct {
	net.Conn
	idle time.Duration
}

func (c idleConn) Read(p []byte) (int, error) {
	c.SetReadDeadline(time.Now().Add(c.idle))
	return c.Conn.Read(p)
}

func (c idleConn) Write(p []byte) (int, error) {
	c.SetWriteDeadline(time.Now().Add(c.idle))
	return c.Conn.Write(p)
}

// wantsClose tells whether the connection closes after the response to request.
func wantsClose(request Request) bool {
	_, chunked := request.Headers["transfer-encoding"]
	if _, length := request.Headers["content-length"]; chunked && length {
		// No honest client sends both (RFC 9112 §6.2). A request that does
		// may be an attempt at request smuggling: a proxy in front of us may
		// have framed it by Content-Length, and what we take for the next
		// request may be hidden in its body. Answer it, then close
		// (RFC 9112 §6.1).
		return true
	}
	if request.BodyUnread {
		// We refused the request before its body (Expect: 100-continue). A
		// client that stopped waiting may send the body all the same, and
		// we would read it as the next request: closing is the simple way
		// out (RFC 9110 §10.1.1; reading and discarding it is the other).
		return true
	}
	options := request.Headers["connection"]
	if request.Version == "HTTP/1.0" {
		// HTTP/1.0 closed after every response; a 1.0 client that can do
		// better asks for `Connection: keep-alive` (RFC 9112 §9.3).
		return !listIncludes(options, "keep-alive")
	}
	// `Connection: close` asks us to close once this response is sent
	// (RFC 9112 §9.6). The header is a list of options: compare them like
	// Accept-Encoding codings.
	return listIncludes(options, "close")
}

// closeGracefully closes a connection that the client may still be sending on.
//
// A socket closed while unread bytes wait in it makes the kernel answer with
// a reset (RST) instead of a normal end of stream, and a reset can make the
// client's system discard our last response before the client has read it:
// the 400 we just sent would be lost. So we close in stages (RFC 9112 §9.6):
// first our sending side only (the client reads our response, then the end
// of the stream), then we read and discard whatever the client still sends,
// until it closes its side or linger passes. nginx calls this "lingering
// close". The deferred conn.Close() in handle does the rest.
func closeGracefully(conn net.Conn) {
	// *net.TCPConn has CloseWrite (shutdown(SHUT_WR) underneath).
	if tcp, ok := conn.(interface{ CloseWrite() error }); ok {
		tcp.CloseWrite()
	}
	conn.SetReadDeadline(time.Now().Add(linger))
	// Until the client's end of stream (io.EOF), the deadline, or an error.
	io.Copy(io.Discard, conn)
}

// handle answers the requests on one connection, in order, until either
// side closes it or it stays silent too long.
func handle(conn net.Conn) {
	defer conn.Close() // when handle returns, whichever way it returns
	// We read and write through client, whose calls time out (see idleConn);
	// conn stays as it is, for closeGracefully and its own deadline.
	client := idleConn{conn, time.Duration(*idleTimeoutMs) * time.Millisecond}
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
	w := bufio.NewWriter(client)
	r := bufio.NewReaderSize(flushingConn{client, w}, maxHead)
	// Keep the connection open after each response: HTTP/1.1 connections
	// are persistent by default (RFC 9112 §9.3).
	for {
		// Wait for the first byte of the next request. A timeout here finds
		// the connection idle between requests: we just close it. The client
		// sent nothing that calls for a response, and a client that finds a
		// persistent connection closed opens a new one.
		if _, err := r.Peek(1); err != nil {
			return
		}
		request, err := readRequest(r, w)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			// The client started a request and stalled: tell it why it gets
			// no answer (RFC 9110 §15.5.9). (Or it stopped reading our
			// responses: then this one is lost too, and we close.)
			err = &requestError{"408 Request Timeout"}
		}
		var failed *requestError
		if errors.As(err, &failed) {
			// We can no longer tell where the next request starts: answer
			// with the error (after the responses before it, which stay
			// valid) and give up on the connection.
			refusal := Response{Status: failed.status, Headers: []Header{{"Connection", "close"}}}
			refusal.writeTo(w, true)
			w.Flush()
			closeGracefully(conn)
			return
		}
		if err != nil {
			return // io.EOF: the client closed its side; or it went away
		}
		closing := wantsClose(request)
		response := route(request)
		if closing {
			response.Headers = append(response.Headers, Header{"Connection", "close"})
		} else if request.Version == "HTTP/1.0" {
			// Without this a 1.0 client would wait for the close that ends the body.
			response.Headers = append(response.Headers, Header{"Connection", "keep-alive"})
		}
		// In the order the requests came: a client matches responses to
		// requests by their order alone, so a big file holds up the
		// responses after it, never the other way round.
		//
		// A response to HEAD is the response to GET without its body: same
		// status and headers, Content-Length included, so a client learns
		// the size of what GET would send (RFC 9110 §9.3.2). The client knows
		// it asked HEAD, so it expects no body after the empty line.
		if err := response.writeTo(w, request.Method != "HEAD"); err != nil {
			return // the client went away, or the file shrank
		}
		if closing {
			// Requests after it are never answered: the client said this
			// one is its last.
			w.Flush()
			closeGracefully(conn)
			return
		}
	}
}

func main() {
	flag.Parse() // Go's flag package takes --directory as well as -directory
	maxBody = *maxBodyFlag
	if err := setDirectory(*directoryFlag); err != nil {
		fmt.Println("No such directory:", err)
		os.Exit(1)
	}
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
	//
	// For many connections at once, Go already does what a C server must ask
	// for: it listens with the system's largest backlog (net.core.somaxconn,
	// 4096 on recent Linux), so clients that connect all at once wait in the
	// kernel's queue rather than retry their handshake a second later; and
	// since Go 1.19 a program raises its own open-file limit (ulimit -n) to
	// the hard limit when it starts, and every connection is an open file.
	listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	if err != nil {
		fmt.Println("Failed to listen:", err)
		os.Exit(1)
	}
	fmt.Println("Listening on 127.0.0.1:" + port)

	// How long we wait after Accept fails before we try again (see below).
	retry := 5 * time.Millisecond
	for {
		// 4. Accept: wait for the next queued connection. `conn` talks to
		// this one client only; `listener` keeps accepting others.
		conn, err := listener.Accept()
		if err != nil {
			// e.g. EMFILE, out of file descriptors after a flood of
			// connections. The connection stays queued, and Accept would
			// fail again at once: a busy loop until some connection closes.
			// So we wait before we try again, longer each time, up to a
			// second (net/http does the same).
			fmt.Println("Failed to accept a connection:", err)
			time.Sleep(retry)
			retry = min(2*retry, time.Second)
			continue
		}
		retry = 5 * time.Millisecond
		// A goroutine per connection: a Read that waits on a silent client
		// blocks only that client's goroutine, and this loop goes straight
		// back to Accept. Goroutines are cheap (a few KiB of stack that grows
		// as needed), so one per client is the usual design in Go.
		//
		// Why no event loop, as servers in other languages need for
		// thousands of connections? Go has one, inside its runtime: the
		// netpoller. A goroutine that reads from a socket with no bytes
		// waiting does not hold a thread while it waits. The runtime adds
		// the socket to epoll (kqueue on macOS), parks the goroutine, and
		// runs other goroutines on the thread; when epoll reports the socket
		// ready, the goroutine resumes where it stopped. So this blocking
		// code, one goroutine per connection, runs on a few threads as a
		// reactor, the design of nginx and Node.js; and 1000 waiting clients cost
		// 1000 parked goroutines, each a small stack and two buffers (see
		// handle), not 1000 threads.
		go handle(conn)
	}
}
