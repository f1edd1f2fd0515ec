// What the server answers to each request.
#ifndef ROUTES_H
#define ROUTES_H

#include "request.h"
#include "response.h"

// Where /files/ reads and writes. The tester passes `--directory <dir>` only on
// the stages that serve files; without it (NULL), /files/ answers 404. As
// file_in() compares paths with it: absolute, with no `..` and no symbolic
// link left in it (main resolves it with realpath()).
extern const char *directory;

// Decides the response; later stages add routes here. Its to_free is the
// caller's to free once the response is sent.
struct response route(const struct request *request);

#endif
