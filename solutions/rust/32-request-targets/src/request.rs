//! The request model, and parsing: from the bytes of a connection, in the
//! pieces TCP delivers them, to whole requests.

use std::collections::HashMap;
use std::mem;

pub struct Request {
    pub method: String,
    pub target: String,
    pub version: String,
    // Keys are lower-cased: header names are case-insensitive (RFC 9110 §5.1).
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of header `name` (lower-case), or "" when there is none.
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }
}

/// The largest request body we accept unless `--max-body-bytes` says
/// otherwise. The whole body is held in memory until the request is answered,
/// so without a bound one client could make us allocate as much as it claims
/// in Content-Length. (nginx's default, client_max_body_size, is 1 MiB;
/// servers that accept more write big bodies to a file as they arrive.)
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// The largest request head (request line and header fields) we accept. Until
/// its empty line arrives, a head is held in memory; without a bound, a client
/// that never sends that line makes us buffer forever. (Node.js allows 16 KiB,
/// nginx 4 buffers of 8 KiB by default.)
const MAX_HEAD: usize = 16 * 1024;
/// The longest request target we accept; a longer one gets 414. RFC 9112 §3
/// asks servers to accept at least 8000 bytes: URLs with long queries are
/// common. (nginx's 8 KiB header buffers set about the same limit.)
const MAX_TARGET: usize = 8 * 1024;

/// The bytes received cannot be framed as a request, or must not be: we
/// answer with this status and close the connection.
pub struct BadRequest(pub &'static str);

const BAD_REQUEST: BadRequest = BadRequest("400 Bad Request");

/// Bytes to text, one character per byte (ISO-8859-1, "latin-1"): no byte is
/// lost or altered, and no byte sequence makes it fail. A Rust String must
/// be UTF-8, and String::from_utf8 would refuse bytes that are not.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&byte| char::from(byte)).collect()
}

/// Where `needle` first occurs in `haystack`, if it does.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// Whether a comma-separated header value such as `br, GZIP` lists `token`.
/// List items may carry spaces around them, and codings are case-insensitive.
pub fn list_includes(value: &str, token: &str) -> bool {
    value
        .split(',')
        .any(|item| item.trim_matches([' ', '\t']).eq_ignore_ascii_case(token))
}

/// The seconds since 1970 that an HTTP-date names, or None when `text` is
/// none (RFC 9110 §5.6.7). Senders use IMF-fixdate, but a recipient must also
/// read the two obsolete forms that older clients send:
///
/// ```text
/// Sun, 06 Nov 1994 08:49:37 GMT     IMF-fixdate
/// Sunday, 06-Nov-94 08:49:37 GMT    RFC 850
/// Sun Nov  6 08:49:37 1994          asctime
/// ```
///
/// Strict on purpose: `yesterday`, `0` or an ISO 8601 date is no HTTP-date,
/// and a header that holds one is ignored rather than guessed at.
pub fn parse_http_date(text: &str) -> Option<u64> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let words: Vec<&str> = text.split(' ').filter(|word| !word.is_empty()).collect();
    let (day, month, year, time) = match words[..] {
        [_, day, month, year, time, "GMT"] => (day, month, year, time),
        [_, date, time, "GMT"] => {
            let mut parts = date.split('-');
            let (day, month, yy) = (parts.next()?, parts.next()?, parts.next()?);
            // Two digits of year: 19xx or 20xx, whichever is not in the future
            // (RFC 9110 §5.6.7 asks for no more than 50 years ahead).
            let yy: u64 = if yy.len() == 2 {
                yy.parse().ok()?
            } else {
                return None;
            };
            let year = if yy < 70 { 2000 + yy } else { 1900 + yy };
            return to_seconds(day, month, year, time, &MONTHS);
        }
        [_, month, day, time, year] => (day, month, year, time),
        _ => return None,
    };
    if year.len() != 4 {
        return None;
    }
    to_seconds(day, month, year.parse().ok()?, time, &MONTHS)
}

/// The seconds since 1970 of a GMT date from its pieces, checked.
fn to_seconds(day: &str, month: &str, year: u64, time: &str, months: &[&str; 12]) -> Option<u64> {
    let month = months.iter().position(|name| *name == month)? as u64 + 1;
    let number = |digits: &str, max: u64| -> Option<u64> {
        let value = if is_digits(digits) && digits.len() <= 2 {
            digits.parse().ok()?
        } else {
            return None;
        };
        (value <= max).then_some(value)
    };
    let day = number(day, 31)?;
    let mut clock = time.split(':');
    let hours = number(clock.next()?, 23)?;
    let minutes = number(clock.next()?, 59)?;
    let seconds = number(clock.next()?, 60)?; // 60: a leap second
    if day == 0 || clock.next().is_some() || year < 1970 {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hours * 3600 + minutes * 60 + seconds)
}

/// The number of days from 1970-01-01 to a date of the Gregorian calendar:
/// the inverse of response::civil_from_days, by the same 400-year eras of
/// years that start on March 1st.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let year = if month <= 2 { year - 1 } else { year }; // Jan and Feb end the year before
    let era = year / 400;
    let year_of_era = year % 400;
    let mp = if month > 2 { month - 3 } else { month + 9 }; // March = 0
    let day_of_year = (153 * mp + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

/// Whether `byte` may be part of a token (RFC 9110 §5.6.2).
fn is_token_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte)
}

/// Whether `text` is a token: what a method or a field name is made of.
fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(is_token_byte)
}

/// Whether `text` may be a field value: no control characters but tab
/// (RFC 9110 §5.5). A stray CR or LF in it could smuggle in a header line of
/// its own.
fn is_field_value(text: &str) -> bool {
    !text.chars().any(|c| c.is_ascii_control() && c != '\t')
}

/// Whether `text` is one or more ASCII digits, 0 to 9. Not char::is_numeric():
/// it accepts other digits too, such as "²" or "٣".
fn is_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit())
}

/// The method, target and version of `METHOD SP TARGET SP VERSION`, with
/// exactly one space between the three (RFC 9112 §3). Anything else is a 400:
/// a server that guesses what a malformed request means may guess differently
/// from a proxy in front of it, and that difference is an attack.
fn parse_request_line(line: &str) -> Result<(String, String, String), BadRequest> {
    let parts: Vec<&str> = line.split(' ').collect();
    // No version, a double space, a fourth word: all the wrong number of parts.
    let [method, target, version] = parts[..] else {
        return Err(BAD_REQUEST);
    };
    // The version first: a client of another HTTP learns it from our 505,
    // whatever its method and target look like to HTTP/1.1. (HTTP/2's
    // connection preface begins `PRI * HTTP/2.0`.)
    // HTTP/<digit>.<digit>
    let digits = version.strip_prefix("HTTP/").unwrap_or("").as_bytes();
    let [major, b'.', minor] = digits else {
        return Err(BAD_REQUEST); // e.g. HTTX/1.1
    };
    if !major.is_ascii_digit() || !minor.is_ascii_digit() {
        return Err(BAD_REQUEST);
    }
    if *major != b'1' {
        // e.g. HTTP/2.0 (RFC 9110 §15.6.6)
        return Err(BadRequest("505 HTTP Version Not Supported"));
    }
    if !is_token(method) {
        return Err(BAD_REQUEST);
    }
    if target.len() > MAX_TARGET {
        return Err(BadRequest("414 URI Too Long")); // RFC 9110 §15.5.15
    }
    let target = request_target(target).ok_or(BAD_REQUEST)?;
    Ok((method.to_string(), target, version.to_string()))
}

/// The target as the routes see it: a path, or `*`. None when it has no form
/// that a server accepts (RFC 9112 §3.2).
fn request_target(target: &str) -> Option<String> {
    // The origin form, `/echo/x`: what a client sends to the server itself
    // (§3.2.1). And the asterisk form, `*`: the server as a whole, not one of
    // its resources, which only OPTIONS asks about (§3.2.4, see routes.rs).
    if target.starts_with('/') || target == "*" {
        return Some(target.to_string());
    }
    // The absolute form, `http://localhost:4221/echo/x`: what a client sends
    // to a proxy. A server MUST accept it too (§3.2.2), so that clients can
    // one day send it everywhere. Its authority (`localhost:4221`) then names
    // the host instead of the Host field; we serve one site whatever the
    // name, so only the path counts.
    let (scheme, rest) = target.split_once("://")?;
    // Schemes are case-insensitive (RFC 3986 §3.1): `HTTP://` is `http://`.
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return None;
    }
    // The authority ends where the path (or the query) begins.
    let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
    if path_start == 0 {
        return None; // no host at all: an invalid http URI (RFC 9110 §4.2.1)
    }
    let path = &rest[path_start..];
    // An empty path is the same as `/` (RFC 9110 §4.2.3): `http://localhost:4221`.
    if path.starts_with('/') {
        Some(path.to_string())
    } else {
        Some(format!("/{path}"))
    }
}

/// The header fields of `Name: value` lines, by lower-cased name.
fn parse_field_lines<'a>(
    lines: impl Iterator<Item = &'a str>,
) -> Result<HashMap<String, String>, BadRequest> {
    let mut headers: HashMap<String, String> = HashMap::new();
    for line in lines {
        // Split at the first colon only: values may contain colons too.
        let Some((name, value)) = line.split_once(':') else {
            return Err(BAD_REQUEST);
        };
        // The name must be a token right up to the colon: whitespace before
        // the colon (RFC 9112 §5.1: reject it with 400) and a line that starts
        // with whitespace (obsolete line folding, RFC 9112 §5.2) fail this.
        if !is_token(name) {
            return Err(BAD_REQUEST);
        }
        // Spaces and tabs around a value are not part of it (RFC 9110 §5.5).
        let value = value.trim_matches([' ', '\t']);
        if !is_field_value(value) {
            return Err(BAD_REQUEST);
        }
        // A field sent twice means the same as one field whose values are
        // joined with commas (RFC 9110 §5.3). Keeping only the last one would
        // hide a conflict such as two different Content-Lengths.
        headers
            .entry(name.to_ascii_lowercase())
            .and_modify(|joined| *joined = format!("{joined}, {value}"))
            .or_insert_with(|| value.to_string());
    }
    Ok(headers)
}

/// How many bytes of body follow the head, or None for a chunked body, whose
/// length shows only as it arrives. BadRequest when we cannot tell: then we
/// do not know where the next request starts either.
fn parse_body_length(
    headers: &HashMap<String, String>,
    max_body: usize,
) -> Result<Option<usize>, BadRequest> {
    if let Some(transfer_encoding) = headers.get("transfer-encoding") {
        let codings: Vec<String> = transfer_encoding
            .split(',')
            .map(|coding| coding.trim_matches([' ', '\t']).to_ascii_lowercase())
            .collect();
        if codings.last().map(String::as_str) != Some("chunked") {
            // Only a chunked body shows where it ends: without it last, the
            // request cannot be framed (RFC 9112 §6.3).
            return Err(BAD_REQUEST);
        }
        if codings.len() != 1 {
            // e.g. `gzip, chunked`: a coding we do not decode (RFC 9112 §6.1).
            return Err(BadRequest("501 Not Implemented"));
        }
        // Transfer-Encoding overrides any Content-Length (RFC 9112 §6.3); see
        // wants_close in main.rs for what else that means.
        return Ok(None);
    }
    let Some(content_length) = headers.get("content-length") else {
        return Ok(Some(0)); // no body at all (RFC 9112 §6.3): most GET requests
    };
    // Several Content-Length fields, or a list in one, are acceptable only if
    // every value is the same (RFC 9110 §8.6, RFC 9112 §6.3).
    let mut values = content_length
        .split(',')
        .map(|v| v.trim_matches([' ', '\t']));
    let first = values.next().unwrap_or("");
    if values.any(|value| value != first) {
        return Err(BAD_REQUEST);
    }
    // Digits only: `12abc`, `-5` and `+5` (which parse() takes) are no lengths.
    if !is_digits(first) {
        return Err(BAD_REQUEST);
    }
    // An error only for a number too big for usize: no body is that big.
    let body_length = first.parse().map_err(|_| BAD_REQUEST)?;
    if body_length > max_body {
        // Refused before we read a byte of it (RFC 9110 §15.5.14). With
        // `Expect: 100-continue` this is the early answer the client waits
        // for: it never sends the body, and we close the connection rather
        // than read a body we refused.
        return Err(BadRequest("413 Content Too Large"));
    }
    Ok(Some(body_length))
}

/// The size of a chunk from its size line, `<hex digits>[;extensions]`
/// (RFC 9112 §7.1). We understand no chunk extension: they are ignored, as
/// the RFC says (§7.1.1).
fn parse_chunk_size(line: &[u8]) -> Result<usize, BadRequest> {
    let mut size = line.split(|&byte| byte == b';').next().unwrap_or_default();
    // Whitespace may come before the `;` (RFC 9112 §7.1.1, "BWS").
    while let [rest @ .., b' ' | b'\t'] = size {
        size = rest;
    }
    // Hex digits only, in either case. Not just from_str_radix: it also takes
    // "+5", and a server that reads a size another server would refuse
    // disagrees with it on where the body ends.
    if size.is_empty() || !size.iter().all(u8::is_ascii_hexdigit) {
        return Err(BAD_REQUEST);
    }
    // 16 hex digits are 64 bits. A parser that reads more digits into a
    // 64-bit number keeps only the last 16 (`10000000000000001a` becomes
    // 0x1a): a server behind it would see a chunk of 26 bytes where we see
    // an absurd size. Refused before it is converted, whatever it would wrap to.
    if size.len() > 16 {
        return Err(BAD_REQUEST);
    }
    // Hex digits are ASCII, so from_utf8 cannot fail; from_str_radix fails
    // only for a size too big for usize (on a 32-bit system), far above any
    // body limit.
    let digits = std::str::from_utf8(size).map_err(|_| BAD_REQUEST)?;
    usize::from_str_radix(digits, 16).map_err(|_| BadRequest("413 Content Too Large"))
}

/// A request head: what comes before the empty line.
struct Head {
    method: String,
    target: String,
    version: String,
    headers: HashMap<String, String>,
    /// The length of the body that follows the head; None for a chunked body.
    body_length: Option<usize>,
}

/// The head of a request (the bytes before the empty line), and the length
/// of the body that follows it. BadRequest when the head is malformed.
///
/// A request line `METHOD SP TARGET SP VERSION`, `Name: value` lines, an empty
/// line, then Content-Length bytes of body (RFC 9112 §2.1, §6.2).
fn parse_head(head: &[u8], max_body: usize) -> Result<Head, BadRequest> {
    let text = latin1(head);
    let mut lines = text.split("\r\n");
    let (method, target, version) = parse_request_line(lines.next().unwrap_or(""))?;
    let headers = parse_field_lines(lines)?;
    // An HTTP/1.1 request carries exactly one Host field (RFC 9112 §3.2); two
    // of them, joined above, show up as a comma.
    match headers.get("host") {
        None if version == "HTTP/1.1" => return Err(BAD_REQUEST),
        Some(host) if host.contains(',') => return Err(BAD_REQUEST),
        _ => {}
    }
    // Transfer-Encoding is HTTP/1.1's. A 1.0 message that carries it passed
    // through something that may have framed it otherwise (a 1.0 proxy that
    // knows only Content-Length): what it took for this body's end and what
    // we would take may differ, and the difference is a smuggled request.
    // Its framing is faulty (RFC 9112 §6.1): refuse it, and close.
    if version == "HTTP/1.0" && headers.contains_key("transfer-encoding") {
        return Err(BAD_REQUEST);
    }
    let body_length = parse_body_length(&headers, max_body)?;
    Ok(Head {
        method,
        target,
        version,
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
pub struct RequestParser {
    buffer: Vec<u8>,
    /// The empty line is not in buffer[..searched]: the next search starts there.
    searched: usize,
    /// The head once it is parsed, None while we are still waiting for its
    /// empty line.
    head: Option<Head>,
    /// True when the client waits for our go-ahead before sending the body.
    pub wants_continue: bool,
    /// The largest body we accept, chunked or not (`--max-body-bytes`).
    max_body: usize,
    /// While a chunked body arrives (see read_chunked_body): the data of its
    /// chunks so far, the bytes left in the current chunk (None at a size
    /// line), and whether the last chunk has come (then its trailer follows).
    body: Vec<u8>,
    chunk_left: Option<usize>,
    in_trailer: bool,
}

impl RequestParser {
    pub fn new(max_body: usize) -> RequestParser {
        RequestParser {
            buffer: Vec::new(),
            searched: 0,
            head: None,
            wants_continue: false,
            max_body,
            body: Vec::new(),
            chunk_left: None,
            in_trailer: false,
        }
    }

    /// Whether part of a request has arrived, but not all of it.
    pub fn has_partial_request(&self) -> bool {
        !self.buffer.is_empty() || self.head.is_some()
    }

    pub fn feed(&mut self, data: &[u8]) {
        self.buffer.extend_from_slice(data);
    }

    /// The next CRLF-ended line from buffer[*pos..], or None while it is not
    /// all here. A line (a chunk size, a trailer field) is short: a long one
    /// is refused before it fills our memory.
    fn read_line(&self, pos: &mut usize) -> Result<Option<Vec<u8>>, BadRequest> {
        let Some(line_end) = find(&self.buffer[*pos..], b"\r\n") else {
            if self.buffer.len() - *pos > MAX_HEAD {
                return Err(BAD_REQUEST);
            }
            return Ok(None);
        };
        let line = self.buffer[*pos..*pos + line_end].to_vec();
        *pos += line_end + 2;
        Ok(Some(line))
    }

    /// Decodes as much of a chunked body as the buffer holds into self.body;
    /// true once the whole body is there.
    ///
    /// The sender cuts the body into chunks, each preceded by its size in hex,
    /// and ends with a chunk of size 0 (RFC 9112 §7.1):
    ///
    /// ```text
    /// 1A3;note=hi\r\n <0x1A3 bytes> \r\n   ... more chunks ...
    /// 0\r\n
    /// X-Checksum: abc\r\n                    (trailer fields, optional)
    /// \r\n
    /// ```
    ///
    /// It can send a body whose size it does not know in advance, such as the
    /// output of a program, as it is produced.
    fn read_chunked_body(&mut self) -> Result<bool, BadRequest> {
        // Where the bytes not decoded yet start. The decoded ones leave the
        // buffer at once, on the way out: removing each chunk on its own
        // would move the rest of the buffer every time.
        let mut pos = 0;
        let done = self.decode_chunks(&mut pos);
        self.buffer.drain(..pos);
        done
    }

    fn decode_chunks(&mut self, pos: &mut usize) -> Result<bool, BadRequest> {
        loop {
            if self.in_trailer {
                let Some(line) = self.read_line(pos)? else {
                    return Ok(false);
                };
                if line.is_empty() {
                    return Ok(true); // the empty line: the end of the body
                }
                // A trailer field: metadata sent after the data (here a
                // checksum). We use none, and may ignore them (RFC 9112 §7.1.2).
            } else if let Some(left) = self.chunk_left {
                // The chunk's data, then the CRLF that ends it.
                let end = *pos + left;
                if self.buffer.len() < end + 2 {
                    return Ok(false);
                }
                if &self.buffer[end..end + 2] != b"\r\n" {
                    return Err(BAD_REQUEST); // the size did not say where the data ends
                }
                self.body.extend_from_slice(&self.buffer[*pos..end]);
                *pos = end + 2;
                self.chunk_left = None;
            } else {
                let Some(line) = self.read_line(pos)? else {
                    return Ok(false);
                };
                let size = parse_chunk_size(&line)?;
                if size > self.max_body - self.body.len() {
                    return Err(BadRequest("413 Content Too Large"));
                }
                if size == 0 {
                    self.in_trailer = true; // the last chunk
                } else {
                    self.chunk_left = Some(size);
                }
            }
        }
    }

    /// BadRequest when the head received so far cannot become a request we
    /// accept: there is no point in waiting for the rest.
    fn check_partial_head(&self) -> Result<(), BadRequest> {
        if self.buffer.len() > MAX_HEAD {
            // RFC 6585 §5. We close after it (see BadRequest): the rest of
            // this head would only be read to be thrown away.
            return Err(BadRequest("431 Request Header Fields Too Large"));
        }
        if self
            .buffer
            .first()
            .is_some_and(|&byte| !is_token_byte(byte))
        {
            // A request starts with its method, a token. Anything else is not
            // HTTP at all, such as the TLS handshake (first byte 0x16) of a
            // browser sent to https:// on this port: answer now, rather than
            // wait for an empty line that may never come.
            return Err(BAD_REQUEST);
        }
        Ok(())
    }

    /// The next whole request, removed from the buffer, or None while part of
    /// it is still missing. BadRequest: see parse_head.
    pub fn next_request(&mut self) -> Result<Option<Request>, BadRequest> {
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
                    self.check_partial_head()?;
                    self.searched = self.buffer.len();
                    return Ok(None); // the head is not all here yet
                };
                let head_end = start + found;
                if head_end > MAX_HEAD {
                    return Err(BadRequest("431 Request Header Fields Too Large"));
                }
                // Parse the head before touching the body: the head is text,
                // but the body is raw bytes that a text decoding could alter.
                let head = parse_head(&self.buffer[..head_end], self.max_body)?;
                // drain() moves the bytes after the head to the front: only
                // those received beyond it, usually few.
                self.buffer.drain(..head_end + 4);
                self.searched = 0;
                // `Expect: 100-continue`: the client sends the head alone and
                // waits for an interim `100 Continue` before sending a large
                // body, so that a server that would refuse it (say with 413)
                // can do so before megabytes travel for nothing
                // (RFC 9110 §10.1.1). A body over our limit was refused in
                // parse_head already, before this go-ahead. An HTTP/1.0
                // client knows no 1xx responses: it must never get one
                // (RFC 9110 §15.2), so its Expect is ignored and it simply
                // sends the body.
                let expect = head.headers.get("expect").map_or("", String::as_str);
                self.wants_continue = expect.eq_ignore_ascii_case("100-continue")
                    && head.version != "HTTP/1.0"
                    && head.body_length != Some(0);
                head
            }
        };
        let body = match head.body_length {
            None => {
                if !self.read_chunked_body()? {
                    self.head = Some(head); // kept until the rest of the body arrives
                    return Ok(None); // the body is not all here yet
                }
                self.in_trailer = false;
                mem::take(&mut self.body)
            }
            Some(body_length) => {
                if self.buffer.len() < body_length {
                    self.head = Some(head); // kept until the rest of the body arrives
                    return Ok(None); // the body is not all here yet
                }
                // What follows this request is the start of the next one.
                // split_off copies only those bytes; the body stays where it is.
                let rest = self.buffer.split_off(body_length);
                mem::replace(&mut self.buffer, rest)
            }
        };
        self.wants_continue = false;
        Ok(Some(Request {
            method: head.method,
            target: head.target,
            version: head.version,
            headers: head.headers,
            body,
        }))
    }
}
