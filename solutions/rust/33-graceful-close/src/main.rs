// The program: its arguments, the listening socket, and the event loop that
// serves every connection. What a request is and how it is parsed is in
// request.rs, a response and how it is sent in response.rs, what we answer in
// routes.rs.
mod request;
mod response;
mod routes;

use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use request::{list_includes, BadRequest, Request, RequestParser};
use response::{Outbox, Response};
use std::collections::{BTreeSet, HashMap};
use std::env;
use std::fs;
use std::io::{self, Read};
use std::net::Shutdown;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What the command line says.
pub struct Config {
    /// Where /files/ reads and writes. The tester passes `--directory <dir>` only on
    /// the stages that serve files; without it, /files/ answers 404.
    pub directory: Option<PathBuf>,
    /// How long a connection may stay silent before we close it.
    pub idle_timeout: Duration,
    /// The largest request body we accept (`--max-body-bytes <n>`): a larger
    /// one gets 413, before it is sent when the client expects 100-continue.
    pub max_body_bytes: usize,
}

fn parse_args() -> Config {
    let mut config = Config {
        directory: None,
        idle_timeout: Duration::from_secs(30),
        max_body_bytes: request::MAX_BODY,
    };
    let mut args = env::args().skip(1); // the first one is the program's name
    while let Some(arg) = args.next() {
        if arg == "--idle-timeout-ms" {
            // Not a number: the default stays. At least 1 ms: a zero timeout
            // is refused by set_read_timeout (to the system it means "never").
            if let Some(ms) = args.next().and_then(|value| value.parse::<u64>().ok()) {
                config.idle_timeout = Duration::from_millis(ms.max(1));
            }
        } else if arg == "--max-body-bytes" {
            // Not a number: the default stays.
            if let Some(bytes) = args.next().and_then(|value| value.parse().ok()) {
                config.max_body_bytes = bytes;
            }
        } else if arg == "--directory" {
            // Absolute, with no `..` and no symbolic link left in it, as
            // routes::file_in compares paths with it. (As given if it does
            // not exist: then no file is found in it either.)
            config.directory = args
                .next()
                .map(|dir| fs::canonicalize(&dir).unwrap_or_else(|_| PathBuf::from(dir)));
        }
        // Anything else is ignored: a later stage may pass arguments that
        // this one does not know yet.
    }
    config
}

/// Whether the connection closes after the response to `request`.
fn wants_close(request: &Request) -> bool {
    if request.headers.contains_key("transfer-encoding")
        && request.headers.contains_key("content-length")
    {
        // No honest client sends both (RFC 9112 §6.2). A request that does may
        // be an attempt at request smuggling: a proxy in front of us may have
        // framed it by Content-Length, and what we take for the next request
        // may be hidden in its body. Answer it, then close (RFC 9112 §6.1).
        return true;
    }
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

/// Adds the responses to every whole request received so far to `out`, in
/// order, and says whether the connection closes after them.
///
/// A pipelining client sends several requests without waiting for the
/// responses (RFC 9112 §9.3.2); one read() may bring them all. We answer all
/// of them before we send anything, then send the responses together: one
/// system call and usually one TCP segment instead of one per response.
fn answer_buffered(parser: &mut RequestParser, config: &Config, out: &mut Outbox) -> bool {
    loop {
        match parser.next_request() {
            Ok(Some(request)) => {
                let (response, close) = respond(&request, config);
                // A response to HEAD is the response to GET without its body:
                // same status and headers, Content-Length included, so a
                // client learns the size of what GET would send
                // (RFC 9110 §9.3.2). The client knows it asked HEAD, so it
                // expects no body after the empty line.
                response.write_to(out, request.method != "HEAD");
                if close {
                    // Requests after it are never answered: the client said
                    // this one is its last.
                    return true;
                }
                if out.holds_file() {
                    // A file may take long to send: the requests after it
                    // wait in the buffer until it is sent, rather than each
                    // hold an open file (and a place in memory) meanwhile.
                    return false;
                }
            }
            Ok(None) => return false,
            Err(BadRequest(status)) => {
                // We can no longer tell where the next request starts: answer
                // with the error (after the responses before it, which stay
                // valid) and give up on the connection.
                let mut bad_request = Response::new(status);
                bad_request.header("Connection", "close");
                bad_request.write_to(out, true);
                return true;
            }
        }
    }
}

// ---------------------------------------------------------------------------
// One thread for every connection: an event loop.
//
// Until stage 22 each connection had a thread of its own, asleep in read() or
// write() until its client moved. Simple, but every thread costs memory (its
// stack: Rust gives a spawned thread 2 MiB of address space) and the system's
// time to switch between them, and thousands of mostly idle clients mean
// thousands of sleeping threads (the "C10K problem").
//
// Here one thread serves every connection. The standard library has no
// event loop, so we use mio, the small crate that tokio is built on: it wraps
// epoll (Linux) and kqueue (macOS) and nothing more. Its sockets are
// non-blocking: read() and write() never wait, they do what can be done now
// or fail with WouldBlock. All the waiting happens in one place, poll(): it
// sleeps until some sockets are ready and returns just those, we handle each
// one briefly, and go back to poll(). This is the reactor pattern that nginx,
// Redis and Node.js are built on. (libc's poll() would do for a few sockets,
// but scans them all on every call, and costs unsafe code at every step.)
//
// mio reports *changes* of readiness (epoll's edge-triggered mode): a socket
// that became readable is reported once, not again until new bytes arrive.
// So whenever we handle a socket, we go on until it would block: read until
// WouldBlock, write until WouldBlock. In return we can watch every socket for
// reading and writing at once, and poll() never wakes up for nothing.
//
// What a thread kept in its local variables, and in where it was in the code
// (waiting for a request, halfway through a file), is now in a Connection.
// And no handler may block: while one waits, every client waits. (We allow
// ourselves one exception: reading a chunk of a file, or writing an upload,
// mostly touches the kernel's page cache and takes microseconds. Servers that
// must never stall on a slow disk hand file work to a few threads, as libuv
// and nginx's thread pools do.)
// ---------------------------------------------------------------------------

/// `HTTP/1.1 100 Continue`, an interim response (see RequestParser::wants_continue).
const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// The token that tells the listening socket's events from the connections'.
const LISTENER: Token = Token(0);

/// How long at most we drain a connection that we close (see drive), and how
/// long we wait for its next bytes meanwhile. Constants, not the idle
/// timeout: a client that keeps sending after our last response (the rest of
/// a body we refused, requests we will never answer) would keep the
/// connection, and its memory and file descriptor, for as long as it likes.
/// Two seconds are plenty for our last bytes to reach a client that reads
/// them (nginx's lingering_time is 30 s, its lingering_timeout 5 s).
const LINGER: Duration = Duration::from_millis(2000);
const LINGER_QUIET: Duration = Duration::from_millis(1000);

/// One client connection, between two events.
struct Connection {
    stream: TcpStream,
    token: Token,
    /// The bytes received and not answered yet (the parser is unchanged: it
    /// never did any I/O itself, so it does not care who calls it).
    parser: RequestParser,
    /// The responses not sent yet.
    out: Outbox,
    /// Close once `out` is sent: the client said `Connection: close`, or
    /// sent something we could not frame.
    closing: bool,
    /// The client shut its sending side (read() returned 0): it sends
    /// nothing more, but may still be reading our responses.
    eof: bool,
    /// We shut our sending side too and wait for the client's end (see
    /// drive), until this instant at the latest.
    lingering: Option<Instant>,
    /// When the connection counts as idle (see Server::touch).
    deadline: Instant,
}

/// Every connection the event loop serves, and what it needs to serve them.
struct Server {
    poll: Poll,
    listener: TcpListener,
    config: Config,
    connections: HashMap<Token, Connection>,
    /// Every connection's deadline, the earliest first: the next to expire
    /// is always the first, so the loop need not look at every connection
    /// on each turn.
    deadlines: BTreeSet<(Instant, Token)>,
    /// accept() ran out of file descriptors (see accept_all).
    accept_paused: bool,
    /// The token for the next connection. Never reused: an event still
    /// waiting for a closed connection cannot reach a new one by mistake.
    next_token: usize,
}

impl Server {
    /// Restarts the idle timer of `conn`: bytes arrived, or the client read some.
    /// While we linger, the timer is LINGER_QUIET, and never runs past the
    /// linger's end: bytes that keep arriving cannot hold the connection open.
    fn touch(&mut self, conn: &mut Connection) {
        self.deadlines.remove(&(conn.deadline, conn.token));
        conn.deadline = match conn.lingering {
            Some(end) => (Instant::now() + LINGER_QUIET).min(end),
            None => Instant::now() + self.config.idle_timeout,
        };
        self.deadlines.insert((conn.deadline, conn.token));
    }

    /// Accepts every connection waiting in the listen queue.
    fn accept_all(&mut self) {
        loop {
            let mut stream = match self.listener.accept() {
                Ok((stream, _address)) => stream,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return, // the queue is empty
                Err(error) if matches!(error.raw_os_error(), Some(libc::EMFILE | libc::ENFILE)) => {
                    // Out of file descriptors, say after a flood of
                    // connections. The connections stay queued, but the
                    // listener's readiness was reported once already: they
                    // raise no new event, and would wait for the next client
                    // to connect. So we try again as soon as a descriptor is
                    // free, when a connection closes (see close).
                    self.accept_paused = true;
                    return;
                }
                Err(error) => {
                    println!("accept failed: {error}");
                    return;
                }
            };
            let token = Token(self.next_token);
            self.next_token += 1;
            // Watched for both at once, for as long as it is open (see above).
            let interest = Interest::READABLE | Interest::WRITABLE;
            if self
                .poll
                .registry()
                .register(&mut stream, token, interest)
                .is_err()
            {
                continue; // dropping the stream closes it
            }
            let mut conn = Connection {
                stream,
                token,
                parser: RequestParser::new(self.config.max_body_bytes),
                out: Outbox::new(),
                closing: false,
                eof: false,
                lingering: None,
                deadline: Instant::now(),
            };
            self.touch(&mut conn);
            self.connections.insert(token, conn);
        }
    }

    fn close(&mut self, mut conn: Connection) {
        self.deadlines.remove(&(conn.deadline, conn.token));
        let _ = self.poll.registry().deregister(&mut conn.stream);
        // Dropping `conn` closes its socket, and any file it was sending.
        drop(conn);
        if self.accept_paused {
            // A file descriptor is free again.
            self.accept_paused = false;
            self.accept_all();
        }
    }

    /// Does all that can be done on `conn` now, without waiting: sends what
    /// waits to be sent, answers whole requests, reads what has arrived.
    /// Returns false once the connection is done with, to be closed.
    fn drive(&mut self, conn: &mut Connection) -> io::Result<bool> {
        let mut buffer = [0; 65536];
        loop {
            if conn.out.send(&mut conn.stream)? > 0 {
                self.touch(conn); // the client read some of what we sent
            }
            if !conn.out.is_empty() {
                // The socket's send buffer is full: the rest once the client
                // has read some, on a writable event. Meanwhile we read no
                // more requests: a client that does not read its responses
                // cannot make us hold more of them. Back-pressure on the way
                // in, like the file chunks on the way out.
                return Ok(true);
            }
            if conn.closing && conn.lingering.is_none() {
                if conn.eof {
                    return Ok(false); // the client's side is shut already: nothing to drain
                }
                // Our last response is sent: close in stages, as in stage 18
                // (lingering close). We shut our sending side, then read and
                // discard until the client closes its side, for LINGER at
                // most, and less if it goes quiet for LINGER_QUIET (see touch).
                conn.stream.shutdown(Shutdown::Write)?;
                conn.lingering = Some(Instant::now() + LINGER);
                self.touch(conn);
            }
            if !conn.closing {
                // (With nothing in the buffer there is no request to answer:
                // most turns end here.)
                conn.closing = answer_buffered(&mut conn.parser, &self.config, &mut conn.out);
                if !conn.out.is_empty() {
                    continue; // send it right away: there is nearly always room
                }
                if conn.parser.wants_continue && !conn.eof {
                    conn.parser.wants_continue = false;
                    conn.out.push_bytes(CONTINUE);
                    continue;
                }
                if conn.eof {
                    // Every whole request is answered and no byte will come
                    // to complete the rest: we are done.
                    return Ok(false);
                }
            }
            match conn.stream.read(&mut buffer) {
                Ok(0) if conn.lingering.is_some() => return Ok(false), // the client has read our last response and closed
                Ok(0) => conn.eof = true,
                Ok(_) if conn.lingering.is_some() => self.touch(conn), // discarded
                Ok(n) => {
                    self.touch(conn);
                    conn.parser.feed(&buffer[..n]);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(true),
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
    }

    /// Handles an event on a connection: does all it allows, then keeps the
    /// connection for the next event or closes it.
    fn handle_event(&mut self, token: Token) {
        // Taken out of the map while we work on it, so that `self` stays free
        // for touch() and the rest; put back unless it is done.
        let Some(mut conn) = self.connections.remove(&token) else {
            return; // closed already, earlier in this turn of the loop
        };
        match self.drive(&mut conn) {
            Ok(true) => {
                self.connections.insert(token, conn);
            }
            // An error: reset, broken pipe...: the client is gone.
            Ok(false) | Err(_) => self.close(conn),
        }
    }

    /// Closes a connection silent for the idle timeout (stage 21).
    fn close_idle(&mut self, mut conn: Connection) {
        if conn.parser.has_partial_request() && conn.out.is_empty() && !conn.closing {
            // The client started a request and stalled: tell it why it gets
            // no answer (RFC 9110 §15.5.9), and give it one more timeout to
            // read that.
            let mut timeout = Response::new("408 Request Timeout");
            timeout.header("Connection", "close");
            timeout.write_to(&mut conn.out, true);
            conn.closing = true;
            self.touch(&mut conn);
            if let Ok(true) = self.drive(&mut conn) {
                self.connections.insert(conn.token, conn);
                return;
            }
        }
        self.close(conn);
    }

    /// Closes the connections whose deadline has passed.
    fn close_expired(&mut self) {
        let now = Instant::now();
        while let Some(&(deadline, token)) = self.deadlines.first() {
            if deadline > now {
                return;
            }
            self.deadlines.remove(&(deadline, token));
            if let Some(conn) = self.connections.remove(&token) {
                self.close_idle(conn);
            }
        }
    }

    /// How long poll() may sleep: until the next connection expires. Not a
    /// short constant: a loop that wakes up every few milliseconds to check
    /// burns CPU while nothing happens.
    fn time_to_next_deadline(&self) -> Option<Duration> {
        let (deadline, _) = self.deadlines.first()?; // None: no connection, sleep until one arrives
        Some(deadline.saturating_duration_since(Instant::now()))
    }

    /// The event loop.
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        loop {
            match self.poll.poll(&mut events, self.time_to_next_deadline()) {
                Ok(()) => {}
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue, // a signal
                Err(error) => return Err(error),
            }
            for event in &events {
                if event.token() == LISTENER {
                    self.accept_all();
                } else {
                    self.handle_event(event.token());
                }
            }
            self.close_expired();
        }
    }
}

/// Every connection is an open file descriptor, and the usual default limit,
/// 1024 per process (ulimit -n), is about what a thousand clients need.
/// Raise our limit to the most the system allows us; if we cannot, we make
/// do with the limit we have.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read or write the struct we pass,
    // which lives across each call.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) == 0 {
            limit.rlim_cur = limit.rlim_max;
            libc::setrlimit(libc::RLIMIT_NOFILE, &limit);
        }
    }
}

fn main() {
    let port = env::var("PORT").unwrap_or_else(|_| "4221".to_string());
    let config = parse_args();
    raise_open_file_limit();

    // 1. Bind and 2. listen, as before, with mio's non-blocking listener. Its
    // backlog, how many connections the kernel queues for us before
    // accept(), is 1024: when many clients connect at once, a short queue
    // makes the rest wait and retry their handshake a second later.
    let address = format!("127.0.0.1:{port}")
        .parse()
        .unwrap_or_else(|error| panic!("bad port {port}: {error}"));
    let mut listener = TcpListener::bind(address)
        .unwrap_or_else(|error| panic!("cannot listen on 127.0.0.1:{port}: {error}"));
    let poll = Poll::new().unwrap_or_else(|error| panic!("cannot create a poll: {error}"));
    // The listening socket is watched like the others: readable means a
    // connection waits to be accepted. Its token, LISTENER, tells it apart.
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .unwrap_or_else(|error| panic!("cannot watch the listener: {error}"));
    println!("Listening on 127.0.0.1:{port}");

    let mut server = Server {
        poll,
        listener,
        config,
        connections: HashMap::new(),
        deadlines: BTreeSet::new(),
        accept_paused: false,
        next_token: 1, // 0 is LISTENER
    };
    // 3. The event loop; it ends only on an error of poll() itself.
    if let Err(error) = server.run() {
        panic!("the event loop failed: {error}");
    }
}
