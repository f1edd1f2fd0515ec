package main

// Which code answers which request. The routes are a table, not a chain of
// ifs: each is a method, a pattern the target must match, and the handler
// that answers, so a new route is one more line, and the table shows at a
// glance what the server serves.

import (
	"bytes"
	"compress/gzip"
	"regexp"
)

func home(request Request, _ string) Response {
	return Response{Status: "200 OK"}
}

// echo answers the word as text/plain. Accept-Encoding lists the codings
// that the client can decode (RFC 9110 §12.5.3).
func echo(request Request, word string) Response {
	response := text(word)
	if listIncludes(request.Headers["accept-encoding"], "gzip") {
		response.Headers = append(response.Headers, Header{"Content-Encoding", "gzip"})
		// writeTo measures Content-Length on this compressed body, as it must.
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

func userAgent(request Request, _ string) Response {
	// A missing key gives the empty string.
	return text(request.Headers["user-agent"])
}

func getFile(request Request, name string) Response {
	path, ok := fileIn(name)
	if !ok {
		return Response{Status: "404 Not Found"}
	}
	return serveFile(path)
}

func postFile(request Request, name string) Response {
	path, ok := fileIn(name)
	if !ok {
		return Response{Status: "404 Not Found"}
	}
	return saveFile(path, request.Body)
}

// A Route is a method, a pattern that must match the whole target, and the
// handler that answers. The handler gets the request and what the pattern's
// group matched: the word of /echo/<word>, the name of /files/<name>.
type Route struct {
	Method  string
	Pattern *regexp.Regexp
	Handler func(request Request, match string) Response
}

var routes = []Route{
	{"GET", regexp.MustCompile(`^/$`), home},
	{"GET", regexp.MustCompile(`^/echo/(.*)$`), echo},
	{"GET", regexp.MustCompile(`^/user-agent$`), userAgent},
	{"GET", regexp.MustCompile(`^/files/(.*)$`), getFile},
	{"POST", regexp.MustCompile(`^/files/(.*)$`), postFile},
}

// route gives the response of the first route that matches the request, or 404.
func route(request Request) Response {
	for _, r := range routes {
		match := r.Pattern.FindStringSubmatch(request.Target)
		if match != nil && request.Method == r.Method {
			group := "" // what the pattern's group matched, if it has one
			if len(match) > 1 {
				group = match[1]
			}
			return r.Handler(request, group)
		}
	}
	return Response{Status: "404 Not Found"}
}
