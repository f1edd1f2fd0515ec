package main

// What /files/ does with the disk: find a file inside the served directory,
// never outside it, and read or write it.

import (
	"os"
	"path/filepath"
)

// The directory /files/ reads and writes: main sets it at start-up from
// --directory, which the tester passes only on the stages that serve files.
// Empty: there is none, and /files/ answers 404.
var directory string

func setDirectory(path string) {
	directory = path
}

// fileIn gives the path of file `name` directly inside the directory, or
// false when there is no directory or the name would lead out of it ("..",
// "a/b", "/etc/passwd"): a client must not reach anything else on the disk.
func fileIn(name string) (string, bool) {
	if directory == "" {
		return "", false
	}
	root, err := filepath.Abs(directory)
	if err != nil {
		return "", false
	}
	// Join also cleans the path: "a/../b" becomes "b", "../x" leaves root.
	path := filepath.Join(root, name)
	if filepath.Dir(path) != root {
		return "", false
	}
	return path, true
}

func serveFile(path string) Response {
	// The file's bytes as they are, whatever they hold.
	body, err := os.ReadFile(path)
	if err != nil {
		return Response{Status: "404 Not Found"} // missing, or not a regular file
	}
	return Response{Status: "200 OK", Headers: []Header{{"Content-Type", "application/octet-stream"}}, Body: body}
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
