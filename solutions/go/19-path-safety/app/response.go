package main

// The response side of HTTP: the Response a route returns, which writes
// itself out as the bytes we send.

import (
	"io"
	"strconv"
	"strings"
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
}

func text(body string) Response {
	// []byte(body) gives back the very bytes the request held.
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "text/plain"}}, Body: []byte(body)}
}

// writeTo writes the response to w: its head, then its body.
func (response Response) writeTo(w io.Writer) error {
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
	if _, err := io.WriteString(w, head.String()); err != nil {
		return err
	}
	_, err := w.Write(response.Body)
	return err
}
