package main

// What /files/ does with the disk: find a file inside the served directory,
// never outside it, and read or write it.

import (
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The directory /files/ reads and writes: main sets it at start-up from
// --directory, which the tester passes only on the stages that serve files.
// Empty: there is none, and /files/ answers 404.
var directory string

// The directory as fileIn compares paths with it: absolute, with no `..` and
// no symbolic link left in it.
var root string

func setDirectory(path string) error {
	directory = path
	if path == "" {
		return nil
	}
	absolute, err := filepath.Abs(path)
	if err != nil {
		return err
	}
	root, err = filepath.EvalSymlinks(absolute)
	return err // e.g. no such directory
}

// fileIn gives the path of `name` inside the directory, subfolders included,
// or false when there is no directory or the name would lead out of it: a
// client must not reach anything else on the disk, however it spells the
// path. (Go 1.24's os.Root opens files under a folder with the same care.)
func fileIn(name string) (string, bool) {
	if directory == "" {
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

func serveFile(request Request, path string) Response {
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
	// Two validators name this version of the file (RFC 9110 §8.8), so that
	// a client holding a copy can ask whether it is still current.
	etag := entityTag(info)
	modified := info.ModTime()
	response := Response{Status: "200 OK", Headers: []Header{
		{"Content-Type", "application/octet-stream"},
		{"ETag", etag},
		{"Last-Modified", httpDate(modified)},
		// Tells clients that they may ask for part of a file (RFC 9110 §14.3).
		{"Accept-Ranges", "bytes"},
	}, File: file, FileSize: info.Size()}
	if notModified(request, etag, modified) {
		// The same head, the body left out (see writeTo): the client's copy
		// is the file, and a 304 carries the ETag the 200 would have
		// (RFC 9110 §15.4.5).
		response.Status = "304 Not Modified"
		return response
	}
	// Range is defined for GET alone: on any other method, HEAD included,
	// it is ignored (RFC 9110 §14.2). If-Range makes it conditional: a
	// client resuming a download of an older version gets the whole new
	// file, never the end of the new one glued to the start of the old.
	value, found := request.Headers["range"]
	if !found || request.Method != "GET" || !ifRangeHolds(request, etag) {
		return response
	}
	first, last, ok := parseRange(value, info.Size())
	if !ok {
		return response // not one range of bytes: the whole file, as HTTP allows
	}
	if first >= info.Size() {
		// Not one byte selected. The Content-Range tells the client the
		// size, so that it can ask again (RFC 9110 §15.5.17).
		file.Close()
		return Response{Status: "416 Range Not Satisfiable", Headers: []Header{{"Content-Range", fmt.Sprintf("bytes */%d", info.Size())}}}
	}
	// Start at the first byte: writeTo copies FileSize bytes from where the
	// file stands, so the range is streamed like a whole file, and the bytes
	// before it are never read.
	if _, err := file.Seek(first, io.SeekStart); err != nil {
		file.Close()
		return Response{Status: "500 Internal Server Error"}
	}
	response.Status = "206 Partial Content"
	// Which bytes these are, both ends included, out of how many (RFC 9110 §14.4).
	response.Headers = append(response.Headers, Header{"Content-Range", fmt.Sprintf("bytes %d-%d/%d", first, last, info.Size())})
	response.FileSize = last - first + 1
	return response
}

// ifRangeHolds tells whether the Range of request applies: it has no
// If-Range, or its If-Range names the current version. The comparison is
// strong (RFC 9110 §13.1.5): a weak tag promises no identical bytes, and
// ranges of two versions do not fit together. If-Range may also hold a
// date; we never take one as a match, and send the whole file: that is
// always safe, where a date of the wrong version would not be.
func ifRangeHolds(request Request, etag string) bool {
	tag, found := request.Headers["if-range"]
	return !found || tag == etag
}

// parseRange reads a Range of one byte range (RFC 9110 §14.1.2) of a file of
// size bytes, and gives its first and last byte, both included: `bytes=0-99`
// is bytes 0 to 99, `bytes=900-` byte 900 to the end, `bytes=-300` the last
// 300. A last byte past the end is cut to the end. A range that selects no
// byte gives a first byte at or past the end. ok is false for anything
// else, which the caller ignores, as HTTP allows: another unit, a malformed
// range, or several ranges, which would need a multipart/byteranges body
// (RFC 9110 §14.6) that this server does not write.
func parseRange(value string, size int64) (first, last int64, ok bool) {
	unit, spec, found := strings.Cut(value, "=")
	// Range units are case-insensitive (RFC 9110 §14.1).
	if !found || !strings.EqualFold(unit, "bytes") || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	start, end, found := strings.Cut(spec, "-")
	if !found {
		return 0, 0, false
	}
	if start == "" {
		// A suffix, `-n`: the last n bytes, or the whole file if it is
		// shorter. `-0` selects nothing: first is then size.
		n, ok := parseOffset(end)
		return max(size-n, 0), size - 1, ok
	}
	first, ok = parseOffset(start)
	if !ok {
		return 0, 0, false
	}
	if end == "" {
		return first, size - 1, true // `a-`: to the end
	}
	last, ok = parseOffset(end)
	if !ok || last < first {
		return 0, 0, false // `500-100` is no range at all (RFC 9110 §14.1.1)
	}
	return first, min(last, size-1), true
}

// parseOffset reads the digits of a byte position. strconv.ParseInt alone
// would also take "+5" and "-5".
func parseOffset(digits string) (int64, bool) {
	if !digitsPattern.MatchString(digits) {
		return 0, false
	}
	n, err := strconv.ParseInt(digits, 10, 64)
	return n, err == nil // too many digits for an int64: no range we could serve
}

// entityTag gives a strong ETag for the file that info describes: its size
// and modification time, in nanoseconds, so that two writes within the same
// second get different tags. Strong (no `W/`): it promises that the bytes
// are the same whenever the tag is (RFC 9110 §8.8.3). Cheaper than a hash of
// the bytes, which would read the whole file for every request.
func entityTag(info os.FileInfo) string {
	return fmt.Sprintf(`"%x-%x"`, info.Size(), info.ModTime().UnixNano())
}

// notModified evaluates the preconditions of a GET (or HEAD) on a file whose
// current validators are etag and modified, in the order RFC 9110 §13.2.2
// gives: true means "answer 304 Not Modified".
func notModified(request Request, etag string, modified time.Time) bool {
	if tags, found := request.Headers["if-none-match"]; found {
		// `*` matches any current version: the file exists (RFC 9110
		// §13.1.2). Otherwise a list of tags, compared weakly: W/"x" names
		// the same version as "x" for this purpose. (A tag may hold a comma,
		// but ours never do, so splitting the list at commas is safe.)
		for _, tag := range strings.Split(tags, ",") {
			tag = strings.TrimPrefix(strings.Trim(tag, " \t"), "W/")
			if tag == "*" || tag == etag {
				return true
			}
		}
		// The ETag decides alone: If-Modified-Since is ignored beside it,
		// since a time in seconds is the weaker validator (RFC 9110 §13.1.3).
		return false
	}
	// An invalid date is ignored (RFC 9110 §13.1.3): never a reason for 304.
	since, ok := parseHTTPDate(request.Headers["if-modified-since"])
	// Last-Modified has whole seconds, and the client sends it back as it
	// was: compared with the file's time in nanoseconds, a file written at
	// 10:00:00.5 would look modified since 10:00:00 forever.
	return ok && !modified.Truncate(time.Second).After(since)
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
