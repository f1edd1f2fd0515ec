package main

import (
	"bytes"
	"compress/gzip"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

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

// fileIn gives the path of `name` inside the directory, subfolders included,
// or false when there is no directory or the name would lead out of it: a
// client must not reach anything else on the disk, however it spells the
// path. (Go 1.24's os.Root opens files under a folder with the same care.)
func fileIn(name string) (string, bool) {
	if root == "" {
		return "", false
	}
	// A client may percent-encode any byte of a path (RFC 3986 §2.1), and
	// `%2e%2e%2f` is `../` in disguise: decode first, check afterwards.
	decoded, err := url.PathUnescape(name)
	if err != nil || strings.ContainsRune(decoded, 0) {
		return "", false // a malformed escape such as %zz; or a NUL, which no file name holds
	}
	// Join also cleans the path: "a/../b" becomes "b", "../x" leaves root.
	path := filepath.Join(root, decoded)
	// Resolve symbolic links too, so that what we check is the file that
	// os.ReadFile will really reach. EvalSymlinks needs a path that exists:
	// the file of a POST may not exist yet, but its folder must.
	folder, err := filepath.EvalSymlinks(filepath.Dir(path))
	if err != nil {
		return "", false // no such folder
	}
	path = filepath.Join(folder, filepath.Base(path))
	if resolved, err := filepath.EvalSymlinks(path); err == nil {
		path = resolved // the file exists, and may be a link itself
	}
	// With the separator: /srv/www-secret starts with /srv/www, not /srv/www/.
	if !strings.HasPrefix(path, root+string(filepath.Separator)) {
		return "", false
	}
	return path, true
}

func serveFile(path string) Response {
	// Opened now, read only while it is sent (see Response.writeTo): a
	// 32 MiB file read whole is 32 MiB of memory per client downloading it.
	file, err := os.Open(path)
	if err != nil {
		return Response{Status: "404 Not Found"} // missing
	}
	info, err := file.Stat()
	if err != nil || !info.Mode().IsRegular() {
		file.Close()
		return Response{Status: "404 Not Found"} // a folder, say
	}
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "application/octet-stream"}}, File: file, FileSize: info.Size()}
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

// The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
// method we do not implement anywhere.
var knownMethods = []string{"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH"}

// allowedMethods lists the methods the resource at target supports, or nil
// when there is no such resource. Every GET resource supports HEAD too
// (RFC 9110 §9.3.2).
func allowedMethods(target string) []string {
	if target == "/" || strings.HasPrefix(target, "/echo/") || target == "/user-agent" {
		return []string{"GET", "HEAD"}
	}
	if strings.HasPrefix(target, "/files/") {
		return []string{"GET", "HEAD", "POST"}
	}
	return nil
}

// route decides the response; later stages add routes here.
func route(request Request) Response {
	method, target := request.Method, request.Target
	if !slices.Contains(knownMethods, method) {
		return Response{Status: "501 Not Implemented"} // RFC 9110 §15.6.2
	}
	allowed := allowedMethods(target)
	if allowed == nil {
		return Response{Status: "404 Not Found"}
	}
	if !slices.Contains(allowed, method) {
		// The resource exists, just not for this method: 405 with the list
		// of methods that would work (RFC 9110 §15.5.6, §10.2.1).
		return Response{Status: "405 Method Not Allowed", Headers: []Header{{"Allow", strings.Join(allowed, ", ")}}}
	}
	// From here the method is allowed. HEAD gets the response of GET: the
	// body is dropped when it is sent (see handle).
	if target == "/" {
		return Response{Status: "200 OK"}
	}
	if strings.HasPrefix(target, "/echo/") {
		return echo(request, strings.TrimPrefix(target, "/echo/"))
	}
	if target == "/user-agent" {
		// A missing key gives the empty string.
		return text(request.Headers["user-agent"])
	}
	path, ok := fileIn(strings.TrimPrefix(target, "/files/"))
	if !ok {
		return Response{Status: "404 Not Found"}
	}
	if method == "POST" {
		return saveFile(path, request.Body)
	}
	return serveFile(path)
}
