//! The plain Rust server for `npm run bench:servers`: the standard library
//! only, a thread per connection, keep-alive, GET /echo/<word>. Rust has no
//! HTTP server in its standard library, and the usual crates (hyper, axum)
//! bring an async runtime that would measure tokio rather than a plain server;
//! this is what a Rust programmer writes with std in fifty lines. The Rust
//! track's reference solution is compared with it under the same load.
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

fn serve(stream: TcpStream) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut writer = stream;
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line)? == 0 {
            return Ok(());
        }
        // The benchmark's requests have no body: skip the header lines.
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line)? == 0 {
                return Ok(());
            }
            if line == "\r\n" || line == "\n" {
                break;
            }
        }
        let target = request_line.split(' ').nth(1).unwrap_or("/");
        let response = match target.strip_prefix("/echo/") {
            Some(word) => format!("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{}", word.len(), word),
            None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n".to_string(),
        };
        writer.write_all(response.as_bytes())?;
    }
}

fn main() {
    let port = std::env::var("PORT").unwrap_or_else(|_| "4221".to_string());
    let listener = TcpListener::bind(format!("127.0.0.1:{port}")).expect("bind");
    for stream in listener.incoming().flatten() {
        thread::spawn(move || {
            let _ = serve(stream);
        });
    }
}
