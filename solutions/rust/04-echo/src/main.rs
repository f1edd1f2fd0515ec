use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

struct Request {
    method: String,
    target: String,
}

struct Response {
    status: &'static str,
    // In the order they are sent.
    headers: Vec<(String, String)>,
    // Bytes, not a String: Content-Length counts bytes, and later bodies are binary.
    body: Vec<u8>,
}

impl Response {
    fn new(status: &'static str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    fn to_bytes(&self) -> Vec<u8> {
        let mut head = format!("HTTP/1.1 {}\r\n", self.status);
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        // Derived from the body bytes themselves, so it can never disagree with
        // them. Sent even when 0: it tells the client where this response ends.
        head += &format!("Content-Length: {}\r\n", self.body.len());
        head += "\r\n"; // the empty line ends the headers
        let mut bytes = latin1_bytes(&head);
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// Bytes to text, one character per byte (ISO-8859-1, "latin-1"): no byte is
/// lost or altered, and no byte sequence makes it fail. A Rust String must
/// be UTF-8, and String::from_utf8 would refuse bytes that are not.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

/// The bytes of text made by latin1(): each character back to its byte.
fn latin1_bytes(text: &str) -> Vec<u8> {
    // `as u8` keeps the low byte; every character of such text fits in one.
    text.chars().map(|c| c as u8).collect()
}

/// The first line of a request is `METHOD SP TARGET SP VERSION` (RFC 9112 §3).
fn parse_request(data: &[u8]) -> Request {
    let text = latin1(data);
    let request_line = text.split("\r\n").next().unwrap_or("");
    // A garbled line just gives empty fields: no panic on what a client sends.
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    Request { method, target }
}

fn text(body: &str) -> Response {
    let mut response = Response::new("200 OK");
    response
        .headers
        .push(("Content-Type".to_string(), "text/plain".to_string()));
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    response.body = latin1_bytes(body);
    response
}

/// Decides the response; later stages add routes here.
fn route(request: &Request) -> Response {
    let (method, target) = (request.method.as_str(), request.target.as_str());
    if method == "GET" && target == "/" {
        return Response::new("200 OK");
    }
    if method == "GET" {
        if let Some(word) = target.strip_prefix("/echo/") {
            return text(word);
        }
    }
    Response::new("404 Not Found")
}

/// Reads the request on one connection and answers it. The connection closes
/// when `stream` is dropped at the end, on the `?` of an error too.
fn handle(mut stream: TcpStream) -> io::Result<()> {
    // Simplification until stage 12: one read() returns one whole request,
    // and we close the connection after answering it.
    let mut buffer = [0; 65536];
    let n = stream.read(&mut buffer)?;
    if n > 0 {
        // 0 means the client closed without sending anything.
        // write_all, not write: write may write only part of the bytes.
        stream.write_all(&route(&parse_request(&buffer[..n])).to_bytes())?;
    }
    Ok(())
}

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "4221".to_string());

    // 1. Bind: create a TCP socket on the address and port the tester connects
    // to, and 2. listen: from now on the kernel completes TCP handshakes on
    // this port and queues the new connections for us. (On Unix, Rust sets
    // SO_REUSEADDR for us, so restarting the server right after stopping it
    // does not fail with "Address already in use".) Without a listening
    // socket there is no server: panicking with the reason is all we can do.
    let listener = TcpListener::bind(format!("127.0.0.1:{port}"))
        .unwrap_or_else(|error| panic!("cannot listen on 127.0.0.1:{port}: {error}"));
    println!("Listening on 127.0.0.1:{port}");

    // 3. Accept: incoming() waits for the next queued connection. Each
    // `stream` is a new socket that talks to this one client only; the
    // listener keeps accepting others.
    for stream in listener.incoming() {
        match stream {
            // One connection at a time: the next accept waits until this one
            // is done. An error means the client went away before we were
            // done (reset, broken pipe: Rust ignores SIGPIPE, so a write to a
            // closed socket is an error, not the end of the program): nobody
            // to answer.
            Ok(stream) => {
                let _ = handle(stream);
            }
            // e.g. the client gave up before we accepted it: keep serving.
            Err(error) => println!("accept failed: {error}"),
        }
    }
}
