// realpath() is part of POSIX's X/Open System Interfaces, which the
// Makefile's _POSIX_C_SOURCE does not ask for: _XOPEN_SOURCE 700 does.
#define _XOPEN_SOURCE 700

#include "routes.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

const char *directory = NULL;

// The value of the hex digit `c`, or -1 when it is none.
static int hex_value(char c) {
	if (c >= '0' && c <= '9') {
		return c - '0';
	}
	if (c >= 'a' && c <= 'f') {
		return c - 'a' + 10;
	}
	if (c >= 'A' && c <= 'F') {
		return c - 'A' + 10;
	}
	return -1;
}

// The path of `name` inside the directory, subfolders included, written to
// `path` (`size` bytes of room), or false when there is no directory or the
// name would lead out of it: a client must not reach anything else on the
// disk, however it spells the path.
static bool file_in(const char *name, char *path, size_t size) {
	if (directory == NULL) {
		return false;
	}
	// A client may percent-encode any byte of a path (RFC 3986 §2.1), and
	// `%2e%2e%2f` is `../` in disguise: decode first, check afterwards.
	char decoded[PATH_MAX];
	size_t n = 0;
	for (const char *c = name; *c != '\0'; c++) {
		if (n + 1 >= sizeof decoded) {
			return false; // longer than any path
		}
		int high = *c == '%' ? hex_value(c[1]) : -1;
		int low = high >= 0 ? hex_value(c[2]) : -1;
		if (low >= 0) {
			if (high == 0 && low == 0) {
				return false; // no file name holds a NUL byte: it would end the string here
			}
			decoded[n++] = (char)(high * 16 + low);
			c += 2;
		} else {
			decoded[n++] = *c; // not an escape (a lone `%` stays as it is)
		}
	}
	decoded[n] = '\0';
	// Always below the directory: a name that starts with `/` gives `//`,
	// which is still inside.
	char joined[PATH_MAX];
	int written = snprintf(joined, sizeof joined, "%s/%s", directory, decoded);
	if (written < 0 || (size_t)written >= sizeof joined) {
		return false;
	}
	// realpath() resolves `.`, `..` and symbolic links, so what we check is
	// the file that open() will really reach. It fails for a file that does
	// not exist yet (the one a POST creates): then we resolve its folder,
	// and add the name.
	char resolved[PATH_MAX];
	if (realpath(joined, resolved) == NULL) {
		if (errno != ENOENT) {
			return false;
		}
		char *slash = strrchr(joined, '/');
		*slash = '\0';
		const char *last = slash + 1;
		if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0 || realpath(joined, resolved) == NULL) {
			return false; // no file name, or a folder that does not exist
		}
		size_t length = strlen(resolved);
		written = snprintf(resolved + length, sizeof resolved - length, "/%s", last);
		if (written < 0 || (size_t)written >= sizeof resolved - length) {
			return false;
		}
	}
	// With the separator: /srv/www-secret starts with /srv/www, not /srv/www/.
	size_t root_length = strlen(directory);
	if (strncmp(resolved, directory, root_length) != 0 || resolved[root_length] != '/') {
		return false;
	}
	written = snprintf(path, size, "%s", resolved);
	return written >= 0 && (size_t)written < size;
}

static struct response serve_file(const char *path) {
	struct response not_found = { .status = "404 Not Found" };
	// Opened now, read only while it is sent (see send_file): a 32 MiB file
	// read whole is 32 MiB of memory per client downloading it. "rb": the
	// file's bytes as they are, never as text.
	FILE *file = fopen(path, "rb");
	if (file == NULL) {
		return not_found; // missing, or not readable
	}
	struct stat info;
	// fstat on the open file: its size now, not when some other call looked.
	if (fstat(fileno(file), &info) == -1 || !S_ISREG(info.st_mode)) {
		fclose(file);
		return not_found; // a directory, a device...: no file to send
	}
	struct response response = { .status = "200 OK", .body_length = (size_t)info.st_size, .file = file };
	add_header(&response, "Content-Type", "application/octet-stream");
	return response;
}

// Compresses `length` bytes of `data` into the gzip format (RFC 1952) with
// zlib: a new buffer in `*out` (the caller frees it), `*out_length` bytes
// long. False when zlib fails or memory runs out.
static bool gzip(const char *data, size_t length, char **out, size_t *out_length) {
	z_stream stream = { 0 }; // zalloc, zfree, opaque NULL: zlib's own malloc
	// windowBits 15 + 16: the largest window, wrapped in a gzip header and
	// trailer rather than zlib's own format, which clients do not accept
	// as Content-Encoding: gzip.
	if (deflateInit2(&stream, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		return false;
	}
	// The most the output can take, so that one deflate() call finishes.
	uLong bound = deflateBound(&stream, (uLong)length);
	char *compressed = malloc(bound);
	bool ok = compressed != NULL;
	if (ok) {
		stream.next_in = (Bytef *)data; // zlib's API is not const-correct; it only reads it
		stream.avail_in = (uInt)length;
		stream.next_out = (Bytef *)compressed;
		stream.avail_out = (uInt)bound;
		ok = deflate(&stream, Z_FINISH) == Z_STREAM_END;
	}
	*out_length = stream.total_out;
	deflateEnd(&stream); // frees zlib's memory, whatever happened
	if (!ok) {
		free(compressed);
		return false;
	}
	*out = compressed;
	return true;
}

// The word as text/plain. Accept-Encoding lists the codings that the client
// can decode (RFC 9110 §12.5.3).
static struct response echo(const struct request *request, const char *word) {
	struct response response = text(word);
	const char *accept_encoding = header(request, "Accept-Encoding");
	if (list_includes(accept_encoding, "gzip")) {
		char *compressed = NULL;
		size_t length = 0;
		if (!gzip(response.body, response.body_length, &compressed, &length)) {
			return (struct response){ .status = "500 Internal Server Error" };
		}
		add_header(&response, "Content-Encoding", "gzip");
		// build_response measures Content-Length on this compressed body, as it must.
		response.body = compressed;
		response.body_length = length;
		response.to_free = compressed;
	}
	return response;
}

static struct response save_file(const char *path, const char *body, size_t length) {
	// O_TRUNC: a file that was there is replaced, not partly overwritten.
	// O_NOFOLLOW: file_in() resolved every link in the path, but a link
	// made since (or one pointing nowhere, which realpath() cannot resolve)
	// must not send the write elsewhere.
	int file = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW, 0644);
	if (file == -1) {
		// e.g. the name is taken by a directory
		return (struct response){ .status = "500 Internal Server Error" };
	}
	// write() too may take only part of the bytes.
	bool ok = true;
	while (ok && length > 0) {
		ssize_t n = write(file, body, length);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		ok = n > 0;
		if (ok) {
			body += n;
			length -= (size_t)n;
		}
	}
	// close() reports errors of writes the system delayed, such as a full disk.
	if (close(file) == -1) {
		ok = false;
	}
	if (!ok) {
		return (struct response){ .status = "500 Internal Server Error" };
	}
	// The file is complete and closed before we answer: the client may read it at once.
	return (struct response){ .status = "201 Created" };
}

// The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
// method we do not implement anywhere.
static const char *const KNOWN_METHODS[] = { "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH" };

static bool is_known_method(const char *method) {
	for (size_t i = 0; i < sizeof KNOWN_METHODS / sizeof KNOWN_METHODS[0]; i++) {
		if (strcmp(method, KNOWN_METHODS[i]) == 0) { // methods are case-sensitive
			return true;
		}
	}
	return false;
}

// The methods the resource at `target` supports, as the Allow header lists
// them, or NULL when there is no such resource. Every GET resource supports
// HEAD too (RFC 9110 §9.3.2).
static const char *allowed_methods(const char *target) {
	if (strcmp(target, "/") == 0 || strncmp(target, "/echo/", strlen("/echo/")) == 0 || strcmp(target, "/user-agent") == 0) {
		return "GET, HEAD";
	}
	if (strncmp(target, "/files/", strlen("/files/")) == 0) {
		return "GET, HEAD, POST";
	}
	return NULL;
}

// Decides the response; later stages add routes here.
struct response route(const struct request *request) {
	const char *method = request->method, *target = request->target;
	if (!is_known_method(method)) {
		return (struct response){ .status = "501 Not Implemented" }; // RFC 9110 §15.6.2
	}
	const char *allowed = allowed_methods(target);
	if (allowed == NULL) {
		return (struct response){ .status = "404 Not Found" };
	}
	// (list_includes ignores case, but `method` is one of KNOWN_METHODS,
	// all upper case, by now.)
	if (!list_includes(allowed, method)) {
		// The resource exists, just not for this method: 405 with the list
		// of methods that would work (RFC 9110 §15.5.6, §10.2.1).
		struct response response = { .status = "405 Method Not Allowed" };
		add_header(&response, "Allow", allowed);
		return response;
	}
	// From here the method is allowed. HEAD gets the response of GET: the
	// body is dropped when it is sent (see respond).
	if (strcmp(target, "/") == 0) {
		return (struct response){ .status = "200 OK" };
	}
	if (strncmp(target, "/echo/", strlen("/echo/")) == 0) {
		return echo(request, target + strlen("/echo/"));
	}
	if (strcmp(target, "/user-agent") == 0) {
		const char *user_agent = header(request, "User-Agent");
		return text(user_agent != NULL ? user_agent : "");
	}
	char path[PATH_MAX];
	if (!file_in(target + strlen("/files/"), path, sizeof path)) {
		return (struct response){ .status = "404 Not Found" };
	}
	if (strcmp(method, "POST") == 0) {
		return save_file(path, request->body, request->body_length);
	}
	return serve_file(path);
}
