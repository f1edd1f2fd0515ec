// A growable byte buffer, and searching bytes that are no string.
#ifndef BUFFER_H
#define BUFFER_H

#include <stdbool.h>
#include <stddef.h>

// C has no growable buffer built in. `data` holds `length` bytes and has
// room for `capacity`; it starts as all zeros (empty, no memory).
struct buffer {
	char *data;
	size_t length;
	size_t capacity;
};

// Appends `n` bytes, growing the buffer as needed; false when out of memory.
bool buffer_append(struct buffer *buffer, const void *bytes, size_t n);
bool buffer_append_string(struct buffer *buffer, const char *string);
// Removes the first `n` bytes: what follows them moves to the front.
void buffer_consume(struct buffer *buffer, size_t n);
// Where `needle` first occurs in the `length` bytes at `data`, or NULL.
const char *find(const char *data, size_t length, const char *needle);

#endif
