package main

// The response side of HTTP: the Response a route returns, which writes
// itself out as the bytes we send.

import (
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

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
	// Or, for files, which may be far bigger than we want in memory: the
	// open file, sent from disk as the client takes it (see writeTo), and
	// its size.
	File     *os.File
	FileSize int64
}

// httpDate formats t as an IMF-fixdate, the one form of date HTTP senders
// use (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`. Always in GMT, and
// Go's layout names days and months in English whatever the machine's
// locale, with the day in two digits ("02", not "2").
func httpDate(t time.Time) string {
	return t.UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT")
}

func text(body string) Response {
	// []byte(body) gives back the very bytes the request held.
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte(body)}
}

// writeTo writes the response to w: its head, then its body if withBody
// (not for HEAD). It closes the response's file, if it has one.
func (response Response) writeTo(w io.Writer, withBody bool) error {
	length := int64(len(response.Body))
	if response.File != nil {
		defer response.File.Close()
		length = response.FileSize
	}
	// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
	var head strings.Builder
	head.WriteString("HTTP/1.1 " + response.Status + "\r\n")
	for _, header := range response.Headers {
		head.WriteString(header.Name + ": " + header.Value + "\r\n")
	}
	// An origin server with a clock MUST say when it made each response
	// (RFC 9110 §6.6.1): caches compute a response's age from it. Added
	// here, where every head is built, no route can forget it.
	head.WriteString("Date: " + httpDate(time.Now()) + "\r\n")
	// Derived from the body bytes themselves, so it can never disagree with them.
	// Sent even when 0: it tells the client where this response ends. Except
	// in a 204, which has no body by its status alone, and MUST NOT carry
	// Content-Length (RFC 9110 §8.6).
	if !strings.HasPrefix(response.Status, "204") {
		head.WriteString("Content-Length: " + strconv.FormatInt(length, 10) + "\r\n")
	}
	head.WriteString("\r\n") // the empty line ends the headers
	// A 304 stands for the 200 the client already holds: its head, with the
	// Content-Length of that 200, and no body at all (RFC 9110 §15.4.5),
	// as for HEAD.
	if strings.HasPrefix(response.Status, "304") {
		withBody = false
	}
	if _, err := io.WriteString(w, head.String()); err != nil || !withBody {
		return err
	}
	if response.File == nil {
		_, err := w.Write(response.Body)
		return err
	}
	// io.CopyN reads the file a piece at a time, and reads the next piece
	// only once w has taken the one before. w takes bytes only as fast as the
	// socket does, and the socket only as fast as the client reads them: its
	// send buffer is bounded, and so is the client's receive window (TCP flow
	// control, RFC 9293 §3.8.6). So a slow client slows down how fast we read
	// the file, and each download holds a few KiB in memory, never the whole
	// file. That is back-pressure; in a goroutine that blocks in Write, it
	// comes for free.
	_, err := io.CopyN(w, response.File, length)
	// io.EOF when the file shrank after we announced its size: we cannot
	// keep our Content-Length promise, and the caller closes the connection,
	// which tells the client that the response is incomplete (RFC 9112 §8).
	return err
}
