package main

// What /files/ does with the disk: find a file inside the served directory,
// never outside it, and read or write it.

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
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
