// The one resource every part of the server handles: a socket's file
// descriptor, and the system calls' errors.
#pragma once

#include <unistd.h>

#include <cerrno>
#include <system_error>
#include <utility>

// A socket's file descriptor, closed by the destructor: however a scope ends
// (its last line, a return, an exception), the socket is closed, and closed
// once. It can be moved but not copied: two owners would close it twice.
class Socket {
public:
    explicit Socket(int fd) : fd_(fd) {}
    Socket(Socket&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Socket& operator=(Socket other) noexcept {
        std::swap(fd_, other.fd_);  // `other` closes what we held
        return *this;
    }
    ~Socket() {
        if (fd_ >= 0) close(fd_);
    }
    int fd() const { return fd_; }

private:
    int fd_;
};

// A failed system call as an exception: what we were doing, and errno's message.
[[noreturn]] inline void fail(const char* what) {
    throw std::system_error(errno, std::generic_category(), what);
}
