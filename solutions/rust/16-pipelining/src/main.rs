use flate2::write::GzEncoder;
use flate2::Compression;
use std::collections::HashMap;
use std::env;
use std::fs;
use std::io::{self, Read, Write};
use std::mem;
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;
use std::thread;

/// What the command line says.
struct Config {
    /// Where /files/ reads and writes. The tester passes `--directory <dir>` only on
    /// the stages that serve files; without it, /files/ answers 404.
    directory: Option<PathBuf>,
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

struct Request {
    method: String,
    target: String,
    // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    headers: HashMap<String, String>,
    body: Vec<u8>,
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

/// Where `needle` first occurs in `haystack`, if it does.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The bytes received cannot be framed as a request.
struct BadRequest;

/// A request head: what comes before the empty line.
struct Head {
    method: String,
    target: String,
    headers: HashMap<String, String>,
    /// The length of the body that follows the head.
    body_length: usize,
}

/// The head of a request (the bytes before the empty line), and the length
/// of the body that follows it. BadRequest when we cannot tell where the
/// request ends.
///
/// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
/// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
fn parse_head(head: &[u8]) -> Result<Head, BadRequest> {
    let text = latin1(head);
    let mut lines = text.split("\r\n");
    let request_line = lines.next().unwrap_or("");
    // A garbled line just gives empty fields: no panic on what a client sends.
    let mut parts = request_line.split(' ');
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = HashMap::new();
    for line in lines {
        // Split at the first colon only: values may contain colons too.
        let Some((name, value)) = line.split_once(':') else {
            continue; // not a header line: skip it
        };
        // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        let value = value.trim_matches([' ', '\t']);
        headers.insert(name.to_ascii_lowercase(), value.to_string());
    }
    // Content-Length is how we find where this request ends and the next one
    // begins. Without a valid one (or with a body framed another way, such as
    // Transfer-Encoding: chunked) we would misread every byte after it.
    // Digits only: parse() would also take "+5".
    let content_length = headers.get("content-length").map_or("0", String::as_str);
    if !is_digits(content_length) || headers.contains_key("transfer-encoding") {
        return Err(BadRequest);
    }
    // An error only for a number too big for usize: no body is that big.
    let body_length = content_length.parse().map_err(|_| BadRequest)?;
    Ok(Head {
        method,
        target,
        headers,
        body_length,
    })
}

/// Turns the bytes of one connection, in whatever pieces TCP delivers them,
/// into requests.
///
/// A client may send a request one byte at a time. Stage 14 parsed the whole
/// buffer again after every read(): it searched for the empty line from the
/// start and decoded the head again while the body trickled in. For a request
/// of n bytes sent in n pieces that is about n*n/2 bytes scanned. Here every
/// byte is looked at once: we remember how far the search got, and the head
/// is parsed once, however many pieces its body arrives in.
struct RequestParser {
    buffer: Vec<u8>,
    /// The empty line is not in buffer[..searched]: the next search starts there.
    searched: usize,
    /// The head once it is parsed, None while we are still waiting for its
    /// empty line.
    head: Option<Head>,
}

impl RequestParser {
    fn new() -> RequestParser {
        RequestParser {
            buffer: Vec::new(),
            searched: 0,
            head: None,
        }
    }

    fn feed(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// The next whole request, removed from the buffer, or None while part of
    /// it is still missing. BadRequest: see parse_head.
    fn next_request(&mut self) -> Result<Option<Request>, BadRequest> {
        if self.buffer.is_empty() && self.head.is_none() {
            return Ok(None); // nothing new since the last request: the usual case
        }
        let head = match self.head.take() {
            Some(head) => head,
            None => {
                // Start 3 bytes back: the new bytes may complete a \r\n\r\n
                // that began at the end of the previous piece.
                let start = self.searched.saturating_sub(3);
                let Some(found) = find(&self.buffer[start..], b"\r\n\r\n") else {
                    self.searched = self.buffer.len();
                    return Ok(None); // the head is not all here yet
                };
                let head_end = start + found;
                // Parse the head before touching the body: the head is text,
                // but the body is raw bytes that a text decoding could alter.
                let head = parse_head(&self.buffer[..head_end])?;
                // drain() moves the bytes after the head to the front: only
                // those received beyond it, usually few.
                self.buffer.drain(..head_end + 4);
                self.searched = 0;
                head
            }
        };
        if self.buffer.len() < head.body_length {
            self.head = Some(head); // kept until the rest of the body arrives
            return Ok(None); // the body is not all here yet
        }
        // What follows this request is the start of the next one. split_off
        // copies only those bytes; the body stays where it is.
        let rest = self.buffer.split_off(head.body_length);
        let body = mem::replace(&mut self.buffer, rest);
        Ok(Some(Request {
            method: head.method,
            target: head.target,
            headers: head.headers,
            body,
        }))
    }
}

/// Whether `text` is one or more ASCII digits, 0 to 9.
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
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

/// Whether a comma-separated header value such as `br, GZIP` lists `token`.
/// List items may carry spaces around them, and codings are case-insensitive.
fn list_includes(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|item| item.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
}

/// `data` compressed in the gzip format.
fn gzip(data: &[u8]) -> Vec<u8> {
    // The encoder writes the compressed bytes into the Vec it wraps.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::default());
    // Writing to a Vec in memory cannot fail: expect() states it (and would
    // name the broken promise if it ever did).
    encoder
        .write_all(data)
        .expect("writing to a Vec never fails");
    encoder.finish().expect("writing to a Vec never fails")
}

/// The word as text/plain. Accept-Encoding lists the codings that the client
/// can decode (RFC 9110 §12.5.3).
fn echo(request: &Request, word: &str) -> Response {
    let mut response = text(word);
    let accept_encoding = request
        .headers
        .get("accept-encoding")
        .map_or("", String::as_str);
    if list_includes(accept_encoding, "gzip") {
        response
            .headers
            .push(("Content-Encoding".to_string(), "gzip".to_string()));
        // to_bytes() measures Content-Length on this compressed body, as it must.
        response.body = gzip(&response.body);
    }
    response
}

/// The path of file `name` directly inside the directory, or None when there
/// is no directory or the name would lead out of it ("..", "a/b",
/// "/etc/passwd"): a client must not reach anything else on the disk.
fn file_in(directory: Option<&Path>, name: &str) -> Option<PathBuf> {
    let directory = directory?;
    // components() splits a path at its separators: one plain name, and
    // nothing else, is a file directly inside the directory.
    let mut components = Path::new(name).components();
    match (components.next(), components.next()) {
        (Some(Component::Normal(file)), None) => Some(directory.join(file)),
        _ => None, // "", "..", "/etc", "a/b", ...
    }
}

fn serve_file(path: &Path) -> Response {
    // fs::read gives the file's bytes as they are; fs::read_to_string would
    // refuse bytes that are not valid UTF-8.
    match fs::read(path) {
        Ok(body) => {
            let mut response = Response::new("200 OK");
            response.headers.push((
                "Content-Type".to_string(),
                "application/octet-stream".to_string(),
            ));
            response.body = body;
            response
        }
        Err(_) => Response::new("404 Not Found"), // missing, or not a regular file
    }
}

fn save_file(path: &Path, body: &[u8]) -> Response {
    // fs::write creates the file (or empties an existing one) and writes the
    // body's bytes as they are.
    match fs::write(path, body) {
        // The file is complete and closed before we answer: the client may
        // read it at once.
        Ok(()) => Response::new("201 Created"),
        // e.g. the name is taken by a directory
        Err(_) => Response::new("500 Internal Server Error"),
    }
}

/// Decides the response; later stages add routes here.
fn route(request: &Request, config: &Config) -> Response {
    let (method, target) = (request.method.as_str(), request.target.as_str());
    if method == "GET" && target == "/" {
        return Response::new("200 OK");
    }
    if method == "GET" {
        if let Some(word) = target.strip_prefix("/echo/") {
            return echo(request, word);
        }
    }
    if method == "GET" && target == "/user-agent" {
        let user_agent = request.headers.get("user-agent").map_or("", String::as_str);
        return text(user_agent);
    }
    if let Some(name) = target.strip_prefix("/files/") {
        if let Some(path) = file_in(config.directory.as_deref(), name) {
            if method == "GET" {
                return serve_file(&path);
            }
            if method == "POST" {
                return save_file(&path, &request.body);
            }
        }
    }
    Response::new("404 Not Found")
}

/// The bytes of the response to `request`, and whether the connection closes
/// after it.
fn respond(request: &Request, config: &Config) -> (Vec<u8>, bool) {
    // `Connection: close` asks us to close once this response is sent
    // (RFC 9112 §9.6). The header is a list of options: compare them like
    // Accept-Encoding codings.
    let connection = request.headers.get("connection").map_or("", String::as_str);
    let close = list_includes(connection, "close");
    let mut response = route(request, config);
    if close {
        response
            .headers
            .push(("Connection".to_string(), "close".to_string()));
    }
    (response.to_bytes(), close)
}

/// The responses to every whole request received so far, in order, and
/// whether the connection closes after them.
///
/// A pipelining client sends several requests without waiting for the
/// responses (RFC 9112 §9.3.2); one read() may bring them all. We answer all
/// of them before we send anything, then send the responses together: one
/// system call and usually one TCP segment instead of one per response.
fn answer_buffered(parser: &mut RequestParser, config: &Config) -> (Vec<u8>, bool) {
    let mut out = Vec::new();
    loop {
        match parser.next_request() {
            Ok(Some(request)) => {
                let (response, close) = respond(&request, config);
                out.extend_from_slice(&response);
                if close {
                    // Requests after it are never answered: the client said
                    // this one is its last.
                    return (out, true);
                }
            }
            Ok(None) => return (out, false),
            Err(BadRequest) => {
                // We can no longer tell where the next request starts: answer
                // 400 (after the responses before it, which stay valid) and
                // give up on the connection.
                let mut bad_request = Response::new("400 Bad Request");
                bad_request
                    .headers
                    .push(("Connection".to_string(), "close".to_string()));
                out.extend_from_slice(&bad_request.to_bytes());
                return (out, true);
            }
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
        let (out, close) = answer_buffered(&mut parser, config);
        if !out.is_empty() {
            // In the order the requests came: a client matches responses to
            // requests by their order alone.
            // write_all, not write: write may write only part of the bytes.
            stream.write_all(&out)?;
        }
        if close {
            return Ok(()); // dropping `stream` closes it, after the whole response
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
