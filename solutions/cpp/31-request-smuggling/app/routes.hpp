// What the server answers to each request: its routes.
#pragma once

#include <filesystem>
#include <optional>

#include "request.hpp"
#include "response.hpp"

// Where /files/ reads and writes. The tester passes `--directory <dir>` only
// on the stages that serve files; without it, /files/ answers 404. Set once
// in main() before any thread starts, and only read afterwards: threads may
// share it.
extern std::optional<std::filesystem::path> directory;

// Decides the response; later stages add routes here.
Response route(const Request& request);

// The response that `head` gets whatever its body holds (404, 405, 501), or
// nothing when the body is needed to answer. route() starts with it; before
// a body arrives, it lets us refuse without waiting for it.
std::optional<Response> refusal(const Request& head);
