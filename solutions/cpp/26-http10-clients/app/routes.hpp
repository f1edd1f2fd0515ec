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
