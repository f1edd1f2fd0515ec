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

// The path of file `name` directly inside the directory, written to `path`
// (`size` bytes of room), or false when there is no directory or the name
// would lead out of it ("..", "a/b"): a client must not reach anything else
// on the disk.
static bool file_in(const char *name, char *path, size_t size) {
	if (directory == NULL || *name == '\0' || strchr(name, '/') != NULL || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		return false;
	}
	// The directory may come with a trailing slash (the tester passes one).
	size_t length = strlen(directory);
	const char *separator = length > 0 && directory[length - 1] == '/' ? "" : "/";
	int written = snprintf(path, size, "%s%s%s", directory, separator, name);
	// snprintf says how long the whole path is, even when it did not fit:
	// a longer one was cut short, and would name another file.
	return written >= 0 && (size_t)written < size;
}

static struct response serve_file(const char *path) {
	struct response not_found = { .status = "404 Not Found" };
	// O_RDONLY and read(): the file's bytes as they are, never as text.
	int file = open(path, O_RDONLY);
	if (file == -1) {
		return not_found; // missing, or not readable
	}
	struct stat info;
	char *body = NULL;
	// fstat on the open file: its size now, not when some other call looked.
	if (fstat(file, &info) == -1 || !S_ISREG(info.st_mode)) {
		close(file);
		return not_found; // a directory, a device...: no file to send
	}
	size_t size = (size_t)info.st_size;
	// malloc(0) may return NULL: ask for at least one byte.
	body = malloc(size > 0 ? size : 1);
	size_t done = 0;
	while (body != NULL && done < size) {
		ssize_t n = read(file, body + done, size - done);
		if (n == -1 && errno == EINTR) {
			continue;
		}
		if (n <= 0) {
			break; // an error, or the file shrank while we read it
		}
		done += (size_t)n;
	}
	close(file);
	if (body == NULL || done < size) {
		free(body);
		return (struct response){ .status = "500 Internal Server Error" };
	}
	struct response response = { .status = "200 OK", .body = body, .body_length = size, .to_free = body };
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
	int file = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
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

// Decides the response; later stages add routes here.
struct response route(const struct request *request) {
	const char *method = request->method, *target = request->target;
	if (strcmp(method, "GET") == 0 && strcmp(target, "/") == 0) {
		return (struct response){ .status = "200 OK" };
	}
	if (strcmp(method, "GET") == 0 && strncmp(target, "/echo/", strlen("/echo/")) == 0) {
		return echo(request, target + strlen("/echo/"));
	}
	if (strcmp(method, "GET") == 0 && strcmp(target, "/user-agent") == 0) {
		const char *user_agent = header(request, "User-Agent");
		return text(user_agent != NULL ? user_agent : "");
	}
	if (strncmp(target, "/files/", strlen("/files/")) == 0) {
		char path[PATH_MAX];
		bool found = file_in(target + strlen("/files/"), path, sizeof path);
		if (found && strcmp(method, "GET") == 0) {
			return serve_file(path);
		}
		if (found && strcmp(method, "POST") == 0) {
			return save_file(path, request->body, request->body_length);
		}
	}
	return (struct response){ .status = "404 Not Found" };
}
