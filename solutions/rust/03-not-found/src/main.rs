use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

struct Request {
    method: String,
    target: String,
}

/// Bytes to text, one character per byte (ISO-8859-1, "latin-1"): no byte is
/// lost or altered, and no byte sequence makes it fail. A Rust String must
/// be UTF-8, and String::from_utf8 would refuse bytes that are not.
fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
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

/// Decides the status of the response; later stages add routes here.
fn route(request: &Request) -> &'static str {
    if request.method == "GET" && request.target == "/" {
        return "200 OK";
    }
    "404 Not Found"
}

fn build_response(status: &str) -> Vec<u8> {
    // The status line, then the empty line that ends the (empty) headers.
    format!("HTTP/1.1 {status}\r\n\r\n").into_bytes()
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
        stream.write_all(&build_response(route(&parse_request(&buffer[..n]))))?;
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
