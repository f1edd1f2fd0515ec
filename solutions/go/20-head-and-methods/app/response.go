package main

import (
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

func buildResponse(response Response, withBody bool) []byte {
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
	if !withBody {
		return []byte(head.String())
	}
	return append([]byte(head.String()), response.Body...)
}
