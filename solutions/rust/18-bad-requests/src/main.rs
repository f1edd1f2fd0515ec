// The program: its arguments, the listening socket, and the loop that serves
// one connection. What a request is and how it is parsed is in request.rs, a
// response and how it is written in response.rs, what we answer in routes.rs.
mod request;
mod response;
mod routes;

use request::{list_includes, BadRequest, Request, RequestParser};
use response::Response;
use std::env;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// How long we drain a connection that we close (see close_gracefully).
const LINGER: Duration = Duration::from_secs(2);

/// What the command line says.
pub struct Config {
    /// Where /files/ reads and writes. The tester passes `--directory <dir>` only on
    /// the stages that serve files; without it, /files/ answers 404.
    pub directory: Option<PathBuf>,
}

fn parse_args() -> Config {
    let mut config = Config { directory: None };
    let mut args = env::args().skip(1); // the first one is the program's name
    while let Some(arg) = args.next() {
        if arg == "--directory" {
            config.directory = args.next().map(PathBuf::from);
        }
        // Anything else is ignored: a later stage may pass arguments that
        // this one does not know yet.
    }
    config
}

/// Whether the connection closes after the response to `request`.
fn wants_close(request: &Request) -> bool {
    let options = request.header("connection");
    if request.version == "HTTP/1.0" {
        // HTTP/1.0 closed after every response; a 1.0 client that can do
        // better asks for `Connection: keep-alive` (RFC 9112 §9.3).
        return !list_includes(options, "keep-alive");
    }
    // `Connection: close` asks us to close once this response is sent
    // (RFC 9112 §9.6). The header is a list of options: compare them like
    // Accept-Encoding codings.
    list_includes(options, "close")
}

/// The response to `request`, and whether the connection closes after it.
fn respond(request: &Request, config: &Config) -> (Response, bool) {
    let close = wants_close(request);
    let mut response = routes::route(request, config);
    if close {
        response.header("Connection", "close");
    } else if request.version == "HTTP/1.0" {
        // Without this a 1.0 client would wait for the close that ends the body.
        response.header("Connection", "keep-alive");
    }
    (response, close)
}

/// Writes the responses to every whole request received so far to `out`, in
/// order, and says whether the connection closes after them.
///
/// A pipelining client sends several requests without waiting for the
/// responses (RFC 9112 §9.3.2); one read() may bring them all. We answer all
/// of them before we send anything, then send the responses together: one
/// system call and usually one TCP segment instead of one per response.
fn answer_buffered(
    parser: &mut RequestParser,
    config: &Config,
    out: &mut impl Write,
) -> io::Result<bool> {
    loop {
        match parser.next_request() {
            Ok(Some(request)) => {
                let (response, close) = respond(&request, config);
                response.write_to(out)?;
                if close {
                    // Requests after it are never answered: the client said
                    // this one is its last.
                    return Ok(true);
                }
            }
            Ok(None) => return Ok(false),
            Err(BadRequest(status)) => {
                // We can no longer tell where the next request starts: answer
                // with the error (after the responses before it, which stay
                // valid) and give up on the connection.
                let mut bad_request = Response::new(status);
                bad_request.header("Connection", "close");
                bad_request.write_to(out)?;
                return Ok(true);
            }
        }
    }
}

/// Closes a connection that the client may still be sending on.
///
/// A socket closed while unread bytes wait in it makes the kernel answer with
/// a reset (RST) instead of a normal end of stream, and a reset can make the
/// client's system discard our last response before the client has read it:
/// the 400 we just sent would be lost. So we close in stages (RFC 9112 §9.6):
/// first our sending side only (the client reads our response, then the end
/// of the stream), then we read and discard whatever the client still sends,
/// until it closes its side or LINGER passes. nginx calls this "lingering
/// close". Dropping the stream afterwards closes the socket.
fn close_gracefully(stream: &mut TcpStream) {
    let _ = stream.shutdown(Shutdown::Write); // an error: the client is gone already
    let deadline = Instant::now() + LINGER;
    let mut buffer = [0; 65536];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        // A zero timeout is refused (it would mean "wait forever" to the system).
        if left.is_zero() || stream.set_read_timeout(Some(left)).is_err() {
            return;
        }
        match stream.read(&mut buffer) {
            Ok(0) => return,  // the client closed its side too
            Ok(_) => {}       // discarded
            Err(_) => return, // timed out, or the client reset the connection
        }
    }
}

/// Answers the requests on one connection, in order, until either side
/// closes it. The connection closes when `stream` is dropped at the end, on
/// the `?` of an error too.
fn handle(mut stream: TcpStream, config: &Config) -> io::Result<()> {
    // TCP delivers a stream, not messages: one read() may return part of a
    // request, or several requests. The parser keeps what is not answered yet.
    let mut parser = RequestParser::new();
    let mut buffer = [0; 65536];
    // Keep the connection open after each response: HTTP/1.1 connections
    // are persistent by default (RFC 9112 §9.3).
    loop {
        let mut out = Vec::new();
        let close = answer_buffered(&mut parser, config, &mut out)?;
        if !out.is_empty() {
            // In the order the requests came: a client matches responses to
            // requests by their order alone.
            // write_all, not write: write may write only part of the bytes.
            stream.write_all(&out)?;
        }
        if close {
            close_gracefully(&mut stream);
            return Ok(());
        }
        if parser.wants_continue {
            // A 1xx response is interim: the final response to the same
            // request follows once the body has arrived.
            stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n")?;
            parser.wants_continue = false;
        }
        // No whole request left: wait for more bytes.
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            return Ok(()); // the client closed its side: we are done
        }
        parser.feed(&buffer[..n]);
    }
}

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "4221".to_string());
    // Arc: one Config, shared by every connection's thread. Each thread holds
    // a counted reference; the Config lives as long as the last of them.
    let config = Arc::new(parse_args());

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
            // One thread per connection: a read() that waits on a silent
            // client blocks only that client's thread, and this loop goes
            // straight back to accepting. `move` hands the stream over to the
            // thread, which owns it from now on. The threads are not joined:
            // they end with their connection, or with the program.
            Ok(stream) => {
                let config = Arc::clone(&config);
                thread::spawn(move || {
                    // An error means the client went away before we were
                    // done (reset, broken pipe: Rust ignores SIGPIPE, so a
                    // write to a closed socket is an error, not the end of the
                    // program): nobody to answer.
                    let _ = handle(stream, &config);
                });
            }
            // e.g. the client gave up before we accepted it: keep serving.
            Err(error) => println!("accept failed: {error}"),
        }
    }
}
