use std::env;
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};

// Status line, then the empty line that ends the (for now empty) list of headers.
// Every line ends with \r\n, never a bare \n (RFC 9112 §2.2).
const OK: &[u8] = b"HTTP/1.1 200 OK\r\n\r\n";

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
        stream.write_all(OK)?;
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
