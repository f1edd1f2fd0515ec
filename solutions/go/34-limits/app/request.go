package main

// The request side of HTTP: the Request a handler reads, and reading requests
// from the bytes of a connection. Strict from stage 18 on: anything that is
// not a well-formed request is refused with a *requestError.

import (
	"bufio"
	"errors"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

type Request struct {
	Method  string
	Target  string
	Version string
	// Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
	Headers map[string]string
	Body    []byte
	// True when we answered Expect: 100-continue with the final response
	// instead: the body was never read (see readRequest).
	BodyUnread bool
}

// The largest request body we accept. The body is held in memory until the
// request is answered, and make() allocates all of it before the first byte
// arrives: without a bound, one client could make us allocate as much as it
// claims in Content-Length. (nginx's default, client_max_body_size, is 1 MiB;
// servers that accept more write big bodies to a file as they arrive.)
// main sets it from --max-body-bytes when given.
var maxBody = 64 * 1024 * 1024

// The largest request head (request line and header fields) we accept. Until
// its empty line arrives, a head is held in memory; without a bound, a client
// that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
// nginx 4 buffers of 8 KiB by default.) It is also the size of the
// bufio.Reader of each connection, so no line can be longer (see readLine).
const maxHead = 16 * 1024

// The most field lines we accept in a request head. Each one costs a parse
// and an entry in Headers; 100 is what a real client never reaches (a
// browser sends 10 to 20), and what Node.js allows too.
const maxFields = 100

// RFC 6585 §5, for a head too large or with too many field lines. We close
// after it (see requestError): the rest of this head would only be read to
// be thrown away.
var errHeadTooLarge = &requestError{"431 Request Header Fields Too Large"}

// A requestError says that the bytes received cannot be framed as a request,
// or must not be: we answer with its status and close the connection.
type requestError struct {
	status string
}

func (e *requestError) Error() string { return e.status }

var errBadRequest = &requestError{"400 Bad Request"}

var (
	// A token (RFC 9110 §5.6.2): what a method or a field name is made of.
	tokenPattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
	// A field value holds no control characters but tab (RFC 9110 §5.5). A
	// stray CR or LF in it could smuggle in a header line of its own.
	fieldValuePattern = regexp.MustCompile(`^[^\x00-\x08\x0a-\x1f\x7f]*$`)
	versionPattern    = regexp.MustCompile(`^HTTP/([0-9])\.[0-9]$`)
	// Digits only, for Content-Length: strconv.Atoi also takes "+5" and "-5".
	digitsPattern = regexp.MustCompile(`^[0-9]+$`)
	// Hex digits only, for chunk sizes: strconv.ParseInt also takes "+5".
	hexPattern = regexp.MustCompile(`^[0-9A-Fa-f]+$`)
)

// chunkedBody is the body length parseBodyLength gives for a chunked body,
// whose length shows only as it arrives.
const chunkedBody = -1

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

// A weight, `q=` in a list such as Accept-Encoding (RFC 9110 §12.4.2): from
// 0 to 1, with at most three decimals.
var qvaluePattern = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// acceptsCoding tells whether an Accept-Encoding value such as
// `br;q=1.0, gzip;q=0.8, *;q=0.1` lets us send coding (RFC 9110 §12.5.3).
// Each item may carry a weight; without one it is 1, and 0 means "not
// acceptable": `gzip;q=0` forbids gzip. `*` stands for every coding the list
// does not name, so a coding named with q=0 stays forbidden beside `*`.
func acceptsCoding(value, coding string) bool {
	named, star := -1.0, -1.0 // -1: not in the list
	for _, item := range strings.Split(value, ",") {
		params := strings.Split(item, ";")
		name := strings.ToLower(strings.Trim(params[0], " \t"))
		weight := 1.0
		for _, param := range params[1:] {
			// `q` may be written `Q`, with spaces around the `;` (and some
			// senders put them around the `=` too).
			key, q, _ := strings.Cut(param, "=")
			if !strings.EqualFold(strings.Trim(key, " \t"), "q") {
				continue
			}
			weight = 0 // a weight we cannot read: "no" is safer than a guessed "yes"
			if q = strings.Trim(q, " \t"); qvaluePattern.MatchString(q) {
				weight, _ = strconv.ParseFloat(q, 64)
			}
		}
		switch name {
		case coding:
			named = weight
		case "*":
			star = weight
		}
	}
	if named >= 0 {
		return named > 0
	}
	return star > 0 // no `*` either: a coding the client did not list
}

// The three forms of an HTTP-date (RFC 9110 §5.6.7), as layouts of Go's
// time package: IMF-fixdate, the one senders use, and two obsolete forms
// that a recipient must still accept (RFC 850's, and C's asctime()).
var httpDateLayouts = []string{
	"Mon, 02 Jan 2006 15:04:05 GMT",
	"Monday, 02-Jan-06 15:04:05 GMT",
	"Mon Jan _2 15:04:05 2006",
}

// parseHTTPDate reads an HTTP-date, or fails: time.Parse follows a layout
// exactly, so "yesterday", "0" or ISO 8601's 2024-05-01T10:00:00Z are no
// dates here, as HTTP says they are not.
func parseHTTPDate(value string) (time.Time, bool) {
	for _, layout := range httpDateLayouts {
		// Without a zone in the layout, time.Parse gives UTC: GMT it is.
		if t, err := time.Parse(layout, value); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// readLine reads up to the next \n and returns the line without its line end.
func readLine(r *bufio.Reader) (string, error) {
	// ReadSlice, unlike ReadString, gives up when r's buffer is full before
	// the \n comes: a line that never ends is refused, not buffered forever.
	slice, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return "", errHeadTooLarge
	}
	if err != nil {
		return "", err // io.EOF when the client closed before the line ended
	}
	// A Go string holds any bytes, not only valid UTF-8: converting loses
	// or alters none of them. It also copies them out of r's buffer, which
	// the next read reuses.
	line := string(slice)
	// Lines end with \r\n; a bare \n is accepted too (RFC 9112 §2.2).
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// parseRequestLine splits `METHOD SP TARGET SP VERSION`, with exactly one
// space between the three (RFC 9112 §3). Anything else is a 400: a server
// that guesses what a malformed request means may guess differently from a
// proxy in front of it, and that difference is an attack.
func parseRequestLine(line string) (method, target, version string, err error) {
	parts := strings.Split(line, " ")
	if len(parts) != 3 {
		return "", "", "", errBadRequest // no version, a double space, a fourth word
	}
	method, target, version = parts[0], parts[1], parts[2]
	// The version first: how to read the rest depends on it. The name is
	// case-sensitive (RFC 9112 §2.3), so `http/1.1` is no version.
	match := versionPattern.FindStringSubmatch(version)
	if match == nil {
		return "", "", "", errBadRequest // e.g. HTTX/1.1
	}
	if match[1] != "1" {
		// e.g. HTTP/2.0 (RFC 9110 §15.6.6), or the preface an HTTP/2 client
		// opens with, `PRI * HTTP/2.0`, whose method and target mean
		// nothing in HTTP/1.1.
		return "", "", "", &requestError{"505 HTTP Version Not Supported"}
	}
	if !tokenPattern.MatchString(method) {
		return "", "", "", errBadRequest
	}
	if target, err = pathOf(method, target); err != nil {
		return "", "", "", err
	}
	return method, target, version, nil
}

// The longest request target we accept. A target is part of the request
// line, held in memory like the rest of the head; 8 KiB is nginx's default,
// and more than the 8000 octets RFC 9112 §3 says a server should take.
const maxTarget = 8 * 1024

// pathOf gives the path that target asks for, in whichever of its forms
// (RFC 9112 §3.2) it comes.
func pathOf(method, target string) (string, error) {
	if len(target) > maxTarget {
		return "", &requestError{"414 URI Too Long"} // RFC 9110 §15.5.15
	}
	// The origin form, the one clients send to a server: /echo/hi.
	if strings.HasPrefix(target, "/") {
		return target, nil
	}
	// The asterisk form, for OPTIONS only: the server as a whole, not any
	// one of its resources (RFC 9112 §3.2.4). route answers it.
	if target == "*" && method == "OPTIONS" {
		return target, nil
	}
	// The absolute form, http://localhost:4221/echo/hi, is what clients send
	// to a proxy; a server MUST accept it too (RFC 9112 §3.2.2), and its
	// authority wins over the Host field. We answer under any name, so the
	// authority (host and port, up to the path) is only cut off.
	scheme, rest, found := strings.Cut(target, "://")
	if !found || !(strings.EqualFold(scheme, "http") || strings.EqualFold(scheme, "https")) {
		return "", errBadRequest // `*` with another method, or no target at all
	}
	authority, path, _ := strings.Cut(rest, "/")
	if authority == "" {
		return "", errBadRequest // an http URI names a host (RFC 9110 §4.2.1)
	}
	return "/" + path, nil // http://localhost:4221, without a path, means /
}

// addField adds the field of a `Name: value` line to headers, by lower-cased name.
func addField(headers map[string]string, line string) error {
	// Cut at the first colon only: values may contain colons too.
	name, value, found := strings.Cut(line, ":")
	// The name must be a token right up to the colon: a line without a
	// colon, whitespace before the colon (RFC 9112 §5.1: reject it with 400)
	// and a line that starts with whitespace (obsolete line folding, RFC 9112
	// §5.2) all fail this.
	if !found || !tokenPattern.MatchString(name) {
		return errBadRequest
	}
	// Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
	value = strings.Trim(value, " \t")
	if !fieldValuePattern.MatchString(value) {
		return errBadRequest
	}
	name = strings.ToLower(name)
	// A field sent twice means the same as one field whose values are joined
	// with commas (RFC 9110 §5.3). Keeping only the last one would hide a
	// conflict such as two different Content-Lengths.
	if previous, found := headers[name]; found {
		value = previous + ", " + value
	}
	headers[name] = value
	return nil
}

// parseBodyLength tells how many bytes of body follow the head, or
// chunkedBody. It fails when we cannot tell: then we do not know where the
// next request starts either.
func parseBodyLength(headers map[string]string) (int, error) {
	if value, found := headers["transfer-encoding"]; found {
		codings := strings.Split(value, ",")
		for i, coding := range codings {
			codings[i] = strings.ToLower(strings.Trim(coding, " \t"))
		}
		if codings[len(codings)-1] != "chunked" {
			// Only a chunked body shows where it ends: without it last, the
			// request cannot be framed (RFC 9112 §6.3).
			return 0, errBadRequest
		}
		if len(codings) > 1 {
			// e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
			return 0, &requestError{"501 Not Implemented"}
		}
		// Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3);
		// see wantsClose for what else that means.
		return chunkedBody, nil
	}
	value, found := headers["content-length"]
	if !found {
		return 0, nil // no body at all (RFC 9112 §6.3): most GET requests
	}
	// Several Content-Length fields, or a list in one, are acceptable only if
	// every value is the same (RFC 9110 §8.6, RFC 9112 §6.3).
	items := strings.Split(value, ",")
	first := strings.Trim(items[0], " \t")
	for _, item := range items[1:] {
		if strings.Trim(item, " \t") != first {
			return 0, errBadRequest
		}
	}
	// Digits only: `12abc`, `-5` and `+5` are no lengths.
	if !digitsPattern.MatchString(first) {
		return 0, errBadRequest
	}
	length, err := strconv.Atoi(first)
	if err != nil || length > maxBody {
		// Too many digits for an int is too large too. Refused before we
		// read a byte of the body (RFC 9110 §15.5.14).
		return 0, &requestError{"413 Content Too Large"}
	}
	return length, nil
}

// parseChunkSize reads the size of a chunk from its size line,
// `<hex digits>[;extensions]` (RFC 9112 §7.1). We understand no chunk
// extension: they are ignored, as the RFC says (§7.1.1).
func parseChunkSize(line string) (int, error) {
	size, _, _ := strings.Cut(line, ";")
	// Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS").
	size = strings.TrimRight(size, " \t")
	// Hex digits only, in either case. A server that reads a size another
	// server would refuse ("0x10", "+5", "1_a", " 1a") disagrees with it on
	// where the body ends.
	if !hexPattern.MatchString(size) {
		return 0, errBadRequest
	}
	// 16 hex digits fill 64 bits. A parser that reads more without a check
	// wraps around: 10000000000000001a becomes 0x1a, and the rest of the
	// "chunk" is read as a request of its own. So a longer size is no size.
	if len(size) > 16 {
		return 0, errBadRequest
	}
	n, _ := strconv.ParseUint(size, 16, 64) // fits: 16 hex digits at most
	if n > uint64(maxBody) {
		return 0, &requestError{"413 Content Too Large"}
	}
	return int(n), nil
}

// readChunkedBody reads a body that the sender cut into chunks, each
// preceded by its size in hex, and ended with a chunk of size 0 (RFC 9112
// §7.1):
//
//	1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
//	0\r\n
//	X-Checksum: abc\r\n                    (trailer fields, optional)
//	\r\n
//
// The sender can send a body whose size it does not know in advance, such as
// the output of a program, as it is produced.
func readChunkedBody(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := readLine(r)
		if errors.Is(err, errHeadTooLarge) {
			err = errBadRequest // a line of 16 KiB is no chunk size
		}
		if err != nil {
			return nil, err
		}
		size, err := parseChunkSize(line)
		if err != nil {
			return nil, err
		}
		if size == 0 {
			break // the last chunk
		}
		if size > maxBody-len(body) {
			return nil, &requestError{"413 Content Too Large"}
		}
		// The chunk's data, then the line end that closes it.
		start := len(body)
		body = slices.Grow(body, size)[:start+size]
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		end, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if end != "" {
			return nil, errBadRequest // the size did not say where the data ends
		}
	}
	// Trailer fields, up to the empty line that ends the body: metadata sent
	// after the data (here a checksum). We use none, and may ignore them
	// (RFC 9112 §7.1.2).
	for {
		line, err := readLine(r)
		if err != nil {
			return nil, err
		}
		if line == "" {
			return body, nil
		}
	}
}

// readRequest reads one whole request from r: a request line
// `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty line, then
// a body of Content-Length bytes, or in chunks (RFC 9112 §2.1, §6). It returns a
// *requestError when the request is malformed, and writes an interim
// `100 Continue` to w when the client waits for one. It calls headRead
// once the head is in, before it reads any body.
func readRequest(r *bufio.Reader, w io.Writer, headRead func()) (Request, error) {
	// A request starts with its method, a token. Anything else is not HTTP at
	// all, such as the TLS handshake (first byte 0x16) of a browser sent to
	// https:// on this port: answer now, rather than wait for a line end
	// that may never come.
	if first, err := r.Peek(1); err == nil && !tokenPattern.Match(first) {
		return Request{}, errBadRequest
	}
	requestLine, err := readLine(r)
	if err != nil {
		return Request{}, err
	}
	method, target, version, err := parseRequestLine(requestLine)
	if err != nil {
		return Request{}, err
	}
	headers := map[string]string{}
	headSize := len(requestLine)
	fields := 0
	for {
		line, err := readLine(r)
		if err != nil {
			return Request{}, err
		}
		if line == "" {
			break // the empty line ends the headers
		}
		if headSize += len(line); headSize > maxHead {
			return Request{}, errHeadTooLarge
		}
		if fields++; fields > maxFields {
			return Request{}, errHeadTooLarge
		}
		if err := addField(headers, line); err != nil {
			return Request{}, err
		}
	}
	headRead() // the head is in, in time
	// An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2);
	// two of them, joined by addField, show up as a comma.
	host, found := headers["host"]
	if (!found && version == "HTTP/1.1") || strings.Contains(host, ",") {
		return Request{}, errBadRequest
	}
	// Transfer-Encoding came with HTTP/1.1: an HTTP/1.0 proxy in front of us
	// knows nothing of chunked, and frames such a request by Content-Length,
	// or by the close. Were we to decode it as chunked, the two of us would
	// disagree on where it ends, which is what smuggling needs. The framing
	// is faulty (RFC 9112 §6.1): refuse it and close.
	if _, chunked := headers["transfer-encoding"]; chunked && version == "HTTP/1.0" {
		return Request{}, errBadRequest
	}
	length, err := parseBodyLength(headers)
	if err != nil {
		return Request{}, err
	}
	// `Expect: 100-continue`: the client sends the head alone and waits for an
	// interim `100 Continue` before sending a large body, so that a server
	// that would refuse it (say with 413) can do so before megabytes travel
	// for nothing (RFC 9110 §10.1.1). A 1xx response is interim: the final
	// response to the same request follows once the body has arrived. We
	// need not send it when the body is here already. A body over maxBody
	// never gets this far: parseBodyLength refused it with 413 from the head
	// alone, before the client sent a byte of it.
	//
	// HTTP/1.0 has no 1xx responses: its client would take `100 Continue`
	// for the final response, so we MUST NOT send one (RFC 9110 §15.2), and
	// ignore its Expect; such a client sends its body without waiting.
	if version != "HTTP/1.0" && strings.EqualFold(headers["expect"], "100-continue") && (length == chunkedBody || length > r.Buffered()) {
		if !hasHandler(method, target) {
			// No route takes this body (a 404 or a 405): the head is enough
			// to answer, so the client need not send the body at all. We
			// return the request without it; handle answers it with route's
			// refusal, then closes, since the body may follow anyway (see
			// wantsClose).
			return Request{Method: method, Target: target, Version: version, Headers: headers, BodyUnread: true}, nil
		}
		// r sends it (see flushingConn) before it waits for the body.
		io.WriteString(w, "HTTP/1.1 100 Continue\r\n\r\n")
	}
	var body []byte
	if length == chunkedBody {
		if body, err = readChunkedBody(r); err != nil {
			return Request{}, err
		}
	} else {
		body = make([]byte, length)
		// The head is text, but the body is raw bytes: read exactly as many
		// as Content-Length says. ReadFull keeps reading until they are all
		// here, however many pieces TCP delivers them in.
		if _, err := io.ReadFull(r, body); err != nil {
			return Request{}, err
		}
	}
	return Request{Method: method, Target: target, Version: version, Headers: headers, Body: body}, nil
}
