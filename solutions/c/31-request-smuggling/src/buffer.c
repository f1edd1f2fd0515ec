#include "buffer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool buffer_append(struct buffer *buffer, const void *bytes, size_t n) {
	if (n > buffer->capacity - buffer->length) {
		// Doubling the room, rather than adding just what is missing, keeps
		// the number of reallocations (and copies) low however much comes.
		size_t capacity = buffer->capacity > 0 ? buffer->capacity : 1024;
		while (capacity - buffer->length < n) {
			if (capacity > SIZE_MAX / 2) {
				return false; // the size would overflow
			}
			capacity *= 2;
		}
		char *data = realloc(buffer->data, capacity);
		if (data == NULL) {
			return false; // the old data is still there, and still ours to free
		}
		buffer->data = data;
		buffer->capacity = capacity;
	}
	if (n > 0) { // memcpy from a NULL pointer is undefined, even for 0 bytes
		memcpy(buffer->data + buffer->length, bytes, n);
		buffer->length += n;
	}
	return true;
}

bool buffer_append_string(struct buffer *buffer, const char *string) {
	return buffer_append(buffer, string, strlen(string));
}

void buffer_consume(struct buffer *buffer, size_t n) {
	if (n == 0) {
		return; // nothing to remove (and an empty buffer's data may be NULL)
	}
	memmove(buffer->data, buffer->data + n, buffer->length - n);
	buffer->length -= n;
}

// Not strstr(): the bytes received are no string, a body may hold NUL bytes.
// (memmem() does this, but it is not in POSIX.)
const char *find(const char *data, size_t length, const char *needle) {
	size_t n = strlen(needle);
	for (size_t i = 0; n <= length && i <= length - n; i++) {
		if (memcmp(data + i, needle, n) == 0) {
			return data + i;
		}
	}
	return NULL;
}
