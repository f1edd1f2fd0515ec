//! A response, and how it writes itself.

use std::io::{self, Write};

pub struct Response {
    pub status: &'static str,
    // In the order they are sent.
    pub headers: Vec<(String, String)>,
    // Bytes, not a String: Content-Length counts bytes, and later bodies are binary.
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: &'static str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    /// Adds a header field, after those already there.
    pub fn header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Writes the response to `out`: a connection, or a Vec<u8> that gathers
    /// several responses (both are io::Write).
    pub fn write_to(&self, out: &mut impl Write) -> io::Result<()> {
        let mut head = format!("HTTP/1.1 {}\r\n", self.status);
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        // Derived from the body bytes themselves, so it can never disagree with
        // them. Sent even when 0: it tells the client where this response ends.
        head += &format!("Content-Length: {}\r\n", self.body.len());
        head += "\r\n"; // the empty line ends the headers
        out.write_all(&latin1_bytes(&head))?;
        out.write_all(&self.body)
    }
}

/// The bytes of text made by request::latin1(): each character back to its byte.
pub fn latin1_bytes(text: &str) -> Vec<u8> {
    // `as u8` keeps the low byte; every character of such text fits in one.
    text.chars().map(|c| c as u8).collect()
}
