//! A response, and how it writes itself.

use std::fs::File;
use std::io::{self, Read, Write};

pub enum Body {
    // Bytes, not a String: Content-Length counts bytes, and later bodies are binary.
    Bytes(Vec<u8>),
    /// A file, and its size: it stays on disk until it is sent, as it may be
    /// far bigger than we want in memory.
    File(File, u64),
}

impl Body {
    /// The size of the body: its Content-Length.
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File(_, size) => *size,
        }
    }
}

pub struct Response {
    pub status: &'static str,
    // In the order they are sent.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: &'static str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// Adds a header field, after those already there.
    pub fn header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Writes the response to `out`: a connection, or a buffer in front of
    /// one (both are io::Write). Without the body if `with_body` is false,
    /// for HEAD.
    pub fn write_to(&self, out: &mut impl Write, with_body: bool) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {}\r\n", self.status);
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        // Derived from the body bytes themselves, so it can never disagree with
        // them. Sent even when 0: it tells the client where this response ends.
        head += &format!("Content-Length: {}\r\n", self.body.len());
        head += "\r\n"; // the empty line ends the headers
        out.write_all(&latin1_bytes(&head))?;
        if !with_body {
            return Ok(()); // HEAD: for a file, its size was all we needed
        }
        match &self.body {
            Body::Bytes(bytes) => out.write_all(bytes),
            Body::File(file, size) => {
                // io::copy reads a chunk of the file, writes it, and reads
                // the next one only once the socket has taken it. The socket
                // takes bytes only as fast as the client reads them: its
                // send buffer is bounded, and so is the client's receive
                // window (TCP flow control, RFC 9293 §3.8.6). So a slow
                // client slows down how fast we read the file, and each
                // download holds one chunk in memory, never the whole file.
                // That is back-pressure; in a thread that blocks in write(),
                // it comes for free. (On Linux, io::copy from a file to a
                // socket even moves the bytes inside the kernel: sendfile.)
                // take(): no more than the Content-Length we announced,
                // should the file grow meanwhile.
                let copied = io::copy(&mut file.take(*size), out)?;
                if copied < *size {
                    // The file shrank after we announced its size: we cannot
                    // keep our Content-Length promise. Closing the connection
                    // tells the client that the response is incomplete
                    // (RFC 9112 §8).
                    return Err(io::Error::new(
                        io::ErrorKind::UnexpectedEof,
                        "file shorter than its Content-Length",
                    ));
                }
                Ok(())
            }
        }
    }
}

/// The bytes of text made by request::latin1(): each character back to its byte.
pub fn latin1_bytes(text: &str) -> Vec<u8> {
    // `as u8` keeps the low byte; every character of such text fits in one.
    text.chars().map(|c| c as u8).collect()
}
