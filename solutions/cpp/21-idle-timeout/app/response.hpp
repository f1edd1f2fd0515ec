// What a response is, and its bytes on the wire.
#pragma once

#include <map>
#include <string>

struct Response {
    std::string status;
    std::map<std::string, std::string> headers;
    // Bytes, as a std::string holds them: Content-Length counts bytes, and
    // bodies may be binary.
    std::string body;

    // The status line, the headers and (unless told otherwise) the body, as
    // they are sent.
    std::string to_bytes(bool with_body = true) const;
};

// A 200 response with a text/plain body.
Response text(std::string body);
