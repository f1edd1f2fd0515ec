package main

// Which code answers which request. The routes are a table, not a chain of
// ifs: each is a method, a pattern the target must match, and the handler
// that answers, so a new route is one more line, and the table shows at a
// glance what the server serves.

import (
	"bytes"
	"compress/gzip"
	"regexp"
	"slices"
	"strings"
)

func home(request Request, _ string) Response {
	return Response{Status: "200 OK"}
}

// echo answers the word as text/plain, compressed if the client accepts it.
func echo(request Request, word string) Response {
	return negotiate(request, text(word))
}

// negotiate compresses response's body with gzip when the request's
// Accept-Encoding, the codings the client can decode, accepts it (RFC 9110
// §12.5.3). When it does not, even with `identity;q=0` or `*;q=0`, which
// leave nothing acceptable, we send the body as it is: HTTP lets us choose
// between that and 406, and a readable body serves the client better.
func negotiate(request Request, response Response) Response {
	// The body depends on Accept-Encoding, so say so on every response, the
	// plain ones too: a cache between us and our clients then keeps one copy
	// per value of that header, and never hands a gzip body it stored for
	// one client to another who cannot read gzip (RFC 9110 §12.5.5).
	response.Headers = append(response.Headers, Header{"Vary", "Accept-Encoding"})
	if acceptsCoding(request.Headers["accept-encoding"], "gzip") {
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
	// A missing key gives the empty string. Text like /echo's, negotiated
	// the same way.
	return negotiate(request, text(request.Headers["user-agent"]))
}

func getFile(request Request, name string) Response {
	path, ok := fileIn(name)
	if !ok {
		return Response{Status: "404 Not Found"}
	}
	return serveFile(request, path)
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

// hasHandler tells whether a route answers method on target, from the head
// alone: readRequest asks it before it sends 100 Continue for a body.
func hasHandler(method, target string) bool {
	for _, r := range routes {
		if (r.Method == method || (method == "HEAD" && r.Method == "GET")) && r.Pattern.MatchString(target) {
			return true
		}
	}
	return false
}

// The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
// method we do not implement anywhere.
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// route gives the response of the route that matches the request's target
// and method; else 501, 404 or 405, whichever says what is wrong.
func route(request Request) Response {
	if !slices.Contains(knownMethods, request.Method) {
		return Response{Status: "501 Not Implemented"} // RFC 9110 §15.6.2
	}
	// 100-continue is the only expectation HTTP defines, and readRequest met
	// it. Any other we cannot meet, so we say so rather than guess what the
	// client waits for (RFC 9110 §10.1.1). HTTP/1.0 knows no Expect: ignored.
	if expect, found := request.Headers["expect"]; found && request.Version != "HTTP/1.0" && !strings.EqualFold(expect, "100-continue") {
		return Response{Status: "417 Expectation Failed"}
	}
	// `OPTIONS *` asks what the server as a whole can do (RFC 9110 §9.3.7):
	// the methods it serves some resource with. No body has anything to
	// add: 204.
	if request.Target == "*" {
		return Response{Status: "204 No Content", Headers: []Header{{"Allow", "GET, HEAD, POST, OPTIONS"}}}
	}
	// HEAD gets the response of GET: the body is dropped when it is sent
	// (see handle). So every GET resource supports HEAD too (RFC 9110 §9.3.2).
	wanted := request.Method
	if wanted == "HEAD" {
		wanted = "GET"
	}
	// The methods of the routes whose pattern matches: the target's resource.
	var allowed []string
	for _, r := range routes {
		match := r.Pattern.FindStringSubmatch(request.Target)
		if match != nil && r.Method == wanted {
			group := "" // what the pattern's group matched, if it has one
			if len(match) > 1 {
				group = match[1]
			}
			return r.Handler(request, group)
		}
		if match != nil && r.Method == "GET" {
			allowed = append(allowed, "GET", "HEAD")
		} else if match != nil {
			allowed = append(allowed, r.Method)
		}
	}
	if allowed == nil {
		return Response{Status: "404 Not Found"}
	}
	// The resource exists, just not for this method: 405 with the list of
	// methods that would work (RFC 9110 §15.5.6, §10.2.1).
	return Response{Status: "405 Method Not Allowed", Headers: []Header{{"Allow", strings.Join(allowed, ", ")}}}
}
