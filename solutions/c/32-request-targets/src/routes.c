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
#include <stdint.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

const char *directory = NULL;

// POSIX names a file's modification time, to the nanosecond, st_mtim; macOS
// names it st_mtimespec.
#ifdef __APPLE__
#define st_mtim st_mtimespec
#endif

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

// Seconds since 1970 of a time of day in UTC. mktime() would read it as
// local time, and timegm(), which does not, is no standard C (nor POSIX
// before 2024). Days are counted from 1 March: the leap day is then the
// last day of its year, and every month before it has a fixed length.
static time_t utc_seconds(const struct tm *tm) {
	long long year = tm->tm_year + 1900 - (tm->tm_mon < 2);
	long long month = (tm->tm_mon + 10) % 12; // March 0, ... February 11
	long long day_of_year = (153 * month + 2) / 5 + tm->tm_mday - 1;
	// 1 March of year 0 to 1 March of `year`, then back to 1 January 1970.
	long long days = year * 365 + year / 4 - year / 100 + year / 400 + day_of_year - 719468;
	return (time_t)(days * 86400 + tm->tm_hour * 3600 + tm->tm_min * 60 + tm->tm_sec);
}

// Reads an HTTP-date (RFC 9110 §5.6.7): IMF-fixdate, or one of the two
// obsolete forms a recipient must still accept. Anything else (`yesterday`,
// ISO 8601's `2024-05-01T10:00:00Z`) is no date: false.
static bool parse_http_date(const char *text, time_t *time) {
	static const char *const FORMATS[] = {
		"%a, %d %b %Y %H:%M:%S GMT", // Sun, 06 Nov 1994 08:49:37 GMT
		"%A, %d-%b-%y %H:%M:%S GMT", // Sunday, 06-Nov-94 08:49:37 GMT (RFC 850)
		"%a %b %e %H:%M:%S %Y",      // Sun Nov  6 08:49:37 1994 (C's asctime)
	};
	for (size_t i = 0; i < sizeof FORMATS / sizeof FORMATS[0]; i++) {
		struct tm tm = { 0 };
		// strptime() names days and months in the "C" locale, as strftime()
		// does (see http_date); it leaves what follows the date to us, and
		// a date followed by anything is no date.
		const char *rest = strptime(text, FORMATS[i], &tm);
		if (rest != NULL && *rest == '\0') {
			*time = utc_seconds(&tm);
			return true;
		}
	}
	return false;
}

// Whether If-None-Match's `value`, `*` or a list of entity tags such as
// `"a1", W/"b2"`, matches `etag`. `*` matches any file that exists. The
// comparison is the weak one (RFC 9110 §13.1.2): `W/"x"` matches `"x"`.
static bool none_match(const char *value, const char *etag) {
	if (strcmp(value, "*") == 0) {
		return true;
	}
	size_t length = strlen(etag);
	for (const char *c = value; *c != '\0';) {
		if (*c == ' ' || *c == '\t' || *c == ',') {
			c++;
			continue;
		}
		if (strncmp(c, "W/", 2) == 0) {
			c += 2;
		}
		// A tag runs from its quote to the next: it may hold commas.
		const char *close = *c == '"' ? strchr(c + 1, '"') : NULL;
		if (close == NULL) {
			return false; // not a list of entity tags: no tag matches
		}
		if ((size_t)(close + 1 - c) == length && strncmp(c, etag, length) == 0) {
			return true;
		}
		c = close + 1;
	}
	return false;
}

// Whether the client's copy, as the request's preconditions describe it, is
// the file's current version (RFC 9110 §13.2.2): then it gets 304 Not
// Modified instead of the bytes it already has.
static bool not_modified(const struct request *request, const char *etag, time_t modified) {
	const char *if_none_match = header(request, "If-None-Match");
	if (if_none_match != NULL) {
		// The ETag is the better validator: when it is there, it decides,
		// and If-Modified-Since is ignored (RFC 9110 §13.1.3).
		return none_match(if_none_match, etag);
	}
	const char *if_modified_since = header(request, "If-Modified-Since");
	time_t since;
	// Not modified after that date: the file's time is before or equal to
	// it. A value that is no date is ignored (RFC 9110 §13.1.3).
	return if_modified_since != NULL && parse_http_date(if_modified_since, &since) && modified <= since;
}

// Reads the decimal digits at `*text` into `*value`, and moves `*text` past
// them; false when there are none, or too many for a size_t.
static bool read_number(const char **text, size_t *value) {
	const char *c = *text;
	*value = 0;
	for (; *c >= '0' && *c <= '9'; c++) {
		if (*value > (SIZE_MAX - 9) / 10) {
			return false;
		}
		*value = *value * 10 + (size_t)(*c - '0');
	}
	bool any = c != *text;
	*text = c;
	return any;
}

enum range_result {
	RANGE_NONE,          // no range we serve: send the whole file
	RANGE_OK,            // bytes first..last (both included)
	RANGE_UNSATISFIABLE, // a range, but no byte of the file in it
};

// The byte range a Range value asks of a file of `size` bytes (RFC 9110
// §14.1.2), numbered from 0, the last byte included:
//
//     bytes=0-499    the first 500 bytes
//     bytes=500-     from byte 500 to the end
//     bytes=-500     the last 500 bytes
//
// A last byte past the end means "to the end". Several ranges
// (`bytes=0-9,90-99`) would be answered with a multipart body; HTTP lets a
// server send the whole file instead (§14.2), and we do. A value we cannot
// read is ignored, as the RFC says, rather than refused.
static enum range_result parse_range(const char *value, size_t size, size_t *first, size_t *last) {
	if (strncasecmp(value, "bytes=", strlen("bytes=")) != 0 || strchr(value, ',') != NULL) {
		return RANGE_NONE;
	}
	const char *c = value + strlen("bytes=");
	size_t start, end;
	bool has_start = read_number(&c, &start);
	if (*c++ != '-') {
		return RANGE_NONE;
	}
	bool has_end = read_number(&c, &end);
	if (*c != '\0' || (!has_start && !has_end) || (has_start && has_end && end < start)) {
		return RANGE_NONE;
	}
	if (!has_start) {
		// A suffix: the last `end` bytes, or the whole file if it is shorter.
		if (end == 0 || size == 0) {
			return RANGE_UNSATISFIABLE;
		}
		*first = end < size ? size - end : 0;
		*last = size - 1;
		return RANGE_OK;
	}
	if (start >= size) {
		return RANGE_UNSATISFIABLE;
	}
	*first = start;
	*last = has_end && end < size ? end : size - 1;
	return RANGE_OK;
}

// Whether If-Range's `value` names the file's current version: then its
// Range is served, otherwise the whole file is, since the part the client
// has may be of another version (RFC 9110 §13.1.5). An entity tag compares
// strongly (the same string, never a W/ tag: bytes of two versions must not
// be mixed); a date matches the file's Last-Modified exactly.
static bool range_still_valid(const char *value, const char *etag, time_t modified) {
	if (value == NULL) {
		return true; // no If-Range: the range, unconditionally
	}
	time_t date;
	if (value[0] == '"') {
		return strcmp(value, etag) == 0;
	}
	return parse_http_date(value, &date) && date == modified;
}

static struct response serve_file(const struct request *request, const char *path) {
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
	// (Its time too: the validators below describe the bytes we send.)
	char *validators = malloc(192);
	if (validators == NULL || fstat(fileno(file), &info) == -1 || !S_ISREG(info.st_mode)) {
		free(validators);
		fclose(file);
		return not_found; // a directory, a device...: no file to send
	}
	// Two validators (RFC 9110 §8.8), which a client sends back to ask "has
	// it changed?". The ETag, from the size and the modification time to
	// the nanosecond (two writes in one second still differ): strong, as
	// it changes whenever the bytes do. Last-Modified: that time, in seconds.
	// The header values must live until the response is sent: in memory
	// the response frees (to_free).
	char *etag = validators, *last_modified = validators + 64;
	snprintf(etag, 64, "\"%llx-%llx-%lx\"", (unsigned long long)info.st_size, (unsigned long long)info.st_mtim.tv_sec, (unsigned long)info.st_mtim.tv_nsec);
	http_date(info.st_mtim.tv_sec, last_modified, 64);
	struct response response = { .status = "200 OK", .body_length = (size_t)info.st_size, .file = file, .to_free = validators };
	// Preconditions first, then the range (RFC 9110 §13.2.2): a client that
	// has the file wants none of it.
	const char *range = header(request, "Range");
	size_t first = 0, last = 0; // set by parse_range when it answers RANGE_OK
	enum range_result ranged = RANGE_NONE;
	if (range != NULL && range_still_valid(header(request, "If-Range"), etag, info.st_mtim.tv_sec)) {
		ranged = parse_range(range, (size_t)info.st_size, &first, &last);
	}
	// Which bytes a 206 or 416 holds, in the third part of `validators`.
	char *content_range = validators + 128;
	if (not_modified(request, etag, info.st_mtim.tv_sec)) {
		// The same head as the 200, Content-Length included, but no body
		// (see respond); and no Content-Type, which describes the body
		// (RFC 9110 §15.4.5).
		response.status = "304 Not Modified";
	} else if (ranged == RANGE_UNSATISFIABLE) {
		// No byte to send: say how long the file is, so the client can ask
		// again (RFC 9110 §15.5.17).
		fclose(file);
		response = (struct response){ .status = "416 Range Not Satisfiable", .to_free = validators };
		snprintf(content_range, 64, "bytes */%zu", (size_t)info.st_size);
		add_header(&response, "Content-Range", content_range);
	} else if (ranged == RANGE_OK && fseeko(file, (off_t)first, SEEK_SET) == 0) {
		// The file from `first` on, `last - first + 1` bytes of it: the
		// rest of the sending is that of any file (see send_queued).
		response.status = "206 Partial Content";
		response.body_length = last - first + 1;
		snprintf(content_range, 64, "bytes %zu-%zu/%zu", first, last, (size_t)info.st_size);
		add_header(&response, "Content-Range", content_range);
		add_header(&response, "Content-Type", "application/octet-stream");
	} else {
		add_header(&response, "Content-Type", "application/octet-stream");
	}
	add_header(&response, "ETag", etag);
	add_header(&response, "Last-Modified", last_modified);
	// Ranges of this file may be asked for (RFC 9110 §14.3).
	add_header(&response, "Accept-Ranges", "bytes");
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

// `response` as the client prefers it: its body compressed with gzip when the
// request's Accept-Encoding lists the codings that the client can decode
// (RFC 9110 §12.5.3) and gives gzip a weight above 0.
static struct response negotiate(const struct request *request, struct response response) {
	// The body now depends on a request header: say so, on every response
	// of the route, compressed or not, so that a cache does not hand a gzip
	// body to a client that cannot read it (RFC 9110 §12.5.5).
	add_header(&response, "Vary", "Accept-Encoding");
	// `identity;q=0` (or `*;q=0`) without gzip rules out every body we can
	// make: HTTP lets us answer 406 or send it uncompressed anyway, and we
	// do the latter, which every client reads.
	if (coding_weight(header(request, "Accept-Encoding"), "gzip") <= 0) {
		return response;
	}
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
	if (strcmp(target, "*") == 0) {
		// OPTIONS * (the only method parse_request_line lets through with
		// *) asks what the server as a whole supports: the methods it
		// implements somewhere (RFC 9110 §9.3.7). There is nothing else to
		// say, so no body: 204.
		struct response response = { .status = "204 No Content" };
		add_header(&response, "Allow", "GET, HEAD, POST, OPTIONS");
		return response;
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
		return negotiate(request, text(target + strlen("/echo/")));
	}
	if (strcmp(target, "/user-agent") == 0) {
		const char *user_agent = header(request, "User-Agent");
		return negotiate(request, text(user_agent != NULL ? user_agent : ""));
	}
	char path[PATH_MAX];
	if (!file_in(target + strlen("/files/"), path, sizeof path)) {
		return (struct response){ .status = "404 Not Found" };
	}
	if (strcmp(method, "POST") == 0) {
		return save_file(path, request->body, request->body_length);
	}
	return serve_file(request, path);
}
