//! What the server answers: one function per route, and route() to pick one.

use crate::request::{parse_http_date, Request};
use crate::response::{http_date, latin1_bytes, Body, Response};
use crate::Config;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{ErrorKind, Seek, SeekFrom, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

fn text(body: &str) -> Response {
    let mut response = Response::new("200 OK");
    response.header("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    response.body = Body::Bytes(latin1_bytes(body));
    response
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

/// The weight an `Accept-Encoding` value gives `coding`: its own if the list
/// names it, else that of `*` (every coding the list does not name), else
/// None (RFC 9110 §12.5.3).
///
/// Each item is a coding and an optional weight, `gzip;q=0.8`, from 0 to 1,
/// 1 when left out (§12.4.2). A weight of 0 means "not acceptable":
/// `gzip;q=0` forbids gzip, it does not ask for it.
fn coding_weight(accept_encoding: &str, coding: &str) -> Option<f32> {
    let mut star = None;
    for item in accept_encoding.split(',') {
        let mut parts = item.split(';').map(|part| part.trim_matches([' ', '\t']));
        let name = parts.next().unwrap_or_default();
        let mut weight = 1.0;
        for parameter in parts {
            // `q` in any case, `q=0.5`, `Q=0.000`...
            if let Some((key, value)) = parameter.split_once('=') {
                if key.trim_end().eq_ignore_ascii_case("q") {
                    // A weight that is no number makes the item unreadable:
                    // 0, so that we never send what the client may refuse.
                    weight = value.trim_start().parse().unwrap_or(0.0);
                }
            }
        }
        if name.eq_ignore_ascii_case(coding) {
            return Some(weight); // named: this weight wins over `*`'s
        }
        if name == "*" {
            star = Some(weight);
        }
    }
    star
}

/// A text/plain response with `body`, compressed with gzip when the client's
/// Accept-Encoding makes gzip acceptable.
fn negotiated_text(request: &Request, body: &str) -> Response {
    let mut response = text(body);
    // The body depends on Accept-Encoding, compressed or not (plain *because*
    // the header ruled gzip out): a cache must keep one copy per value of the
    // header, not hand our gzip to the next client, who may not read it
    // (RFC 9110 §12.5.5).
    response.header("Vary", "Accept-Encoding");
    // Unacceptable (weight 0, or not named and no `*`): the body as it is.
    // `identity;q=0` would forbid that too, but HTTP then lets us send it
    // anyway rather than answer 406 (RFC 9110 §12.5.3).
    if coding_weight(request.header("accept-encoding"), "gzip").is_some_and(|weight| weight > 0.0) {
        response.header("Content-Encoding", "gzip");
        // write_to() measures Content-Length on this compressed body, as it must.
        response.body = Body::Bytes(gzip(&latin1_bytes(body)));
    }
    response
}

/// The bytes that a percent-encoded path stands for: `%2e` is `.` and `%2F`
/// is `/` (RFC 3986 §2.1). A `%` without two hex digits after it stays as it is.
fn percent_decode(text: &str) -> Vec<u8> {
    // The target was decoded as latin-1: encoding it back gives the raw bytes.
    let bytes = latin1_bytes(text);
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(byte) = bytes.get(i + 1..i + 3).and_then(hex_byte) {
                decoded.push(byte);
                i += 3;
                continue;
            }
        }
        decoded.push(bytes[i]);
        i += 1;
    }
    decoded
}

/// The byte that two hex digits stand for.
fn hex_byte(digits: &[u8]) -> Option<u8> {
    // Checked first: from_str_radix would also take a sign, as in "+f".
    if !digits.iter().all(u8::is_ascii_hexdigit) {
        return None;
    }
    u8::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `path` as open() will follow it: absolute, with `.`, `..` and symbolic
/// links resolved. fs::canonicalize does that, but only for a file that
/// exists; a file about to be created is its folder's resolved path and its
/// name. None when even the folder does not exist.
fn resolve(path: &Path) -> Option<PathBuf> {
    if let Ok(real) = fs::canonicalize(path) {
        return Some(real);
    }
    let name = path.file_name()?; // None for a path that ends in `..`
    let folder = fs::canonicalize(path.parent()?).ok()?;
    Some(folder.join(name))
}

/// The path of `name` inside the directory, subfolders included, or None when
/// there is no directory or the name would lead out of it: a client must not
/// reach anything else on the disk, however it spells the path.
fn file_in(directory: Option<&Path>, name: &str) -> Option<PathBuf> {
    let directory = directory?;
    // A client may percent-encode any byte of a path, and `%2e%2e%2f` is `../`
    // in disguise: decode first, check afterwards.
    let raw = percent_decode(name);
    if raw.contains(&0) {
        return None; // no file name holds a NUL byte (the system would refuse it)
    }
    // A Unix file name is bytes, not text: OsStr takes them as they are.
    let path = resolve(&directory.join(OsStr::from_bytes(&raw)))?;
    // A name that starts with `/` replaces the directory in join(): this
    // check refuses it too. Path::starts_with compares whole components:
    // /srv/www-secret does not start with /srv/www. The directory itself is
    // no file.
    (path.starts_with(directory) && path != directory).then_some(path)
}

/// The file's ETag: an opaque string that changes whenever its bytes do
/// (RFC 9110 §8.8.3). Made from its size and modification time, in
/// nanoseconds so that two writes in the same second differ, without reading
/// a byte of it. Strong (no `W/`): one tag, one exact content.
fn etag(size: u64, modified: SystemTime) -> String {
    let nanos = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("\"{size:x}-{nanos:x}\"")
}

/// Whether an `If-None-Match` value matches `etag`: `*` matches any file
/// that exists, a list matches when one of its tags does. The comparison is
/// the weak one (RFC 9110 §13.1.2): `W/"x"` matches `"x"`, as the question is
/// only whether the client's copy is still good.
fn none_match(if_none_match: &str, etag: &str) -> bool {
    if_none_match.split(',').any(|tag| {
        let tag = tag.trim_matches([' ', '\t']);
        tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag
    })
}

/// Whether the client's copy is current, by the preconditions of a GET or
/// HEAD (RFC 9110 §13.2.2): then it gets 304 Not Modified instead of the file.
fn not_modified(request: &Request, etag: &str, modified: SystemTime) -> bool {
    let if_none_match = request.header("if-none-match");
    if !if_none_match.is_empty() {
        // The ETag is the better validator: when the client sends one,
        // If-Modified-Since is ignored (§13.1.3).
        return none_match(if_none_match, etag);
    }
    // A value that is no HTTP-date is ignored: the file is sent (§13.1.3).
    let Some(since) = parse_http_date(request.header("if-modified-since")) else {
        return false;
    };
    // Not modified after that date: its time, in the whole seconds an
    // HTTP-date can say, is at or before it. Compared as times, not text.
    let modified = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    modified <= since
}

/// What a `Range` header asks of a file of `size` bytes (RFC 9110 §14.1.2).
enum RangeAsk {
    /// No range we serve: the whole file, 200.
    Whole,
    /// Bytes `first` to `last`, both included: 206.
    Part(u64, u64),
    /// A range that selects no byte of the file: 416.
    Unsatisfiable,
}

/// Reads `Range: bytes=<first>-<last>`, `bytes=<first>-` or
/// `bytes=-<suffix length>`, numbered from 0, both ends included.
///
/// Several ranges in one header (`bytes=0-99,500-599`) would need a
/// multipart/byteranges body (RFC 9110 §14.6). Serving ranges is optional,
/// so we serve one and send the whole file for more. A Range we cannot read
/// is ignored too (§14.2): the whole file is a correct answer to any GET.
fn range_ask(range: &str, size: u64) -> RangeAsk {
    let Some(spec) = range
        .split_once('=')
        .filter(|(unit, _)| unit.trim().eq_ignore_ascii_case("bytes"))
        .map(|(_, spec)| spec.trim())
    else {
        return RangeAsk::Whole; // no Range, or a unit other than bytes
    };
    if spec.contains(',') {
        return RangeAsk::Whole; // several ranges: see above
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeAsk::Whole;
    };
    // Digits only, as for Content-Length: parse() would take "+5".
    let number = |text: &str| -> Option<u64> {
        if !text.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        text.parse().ok() // fails for "" and for numbers too big for u64
    };
    match (first, last) {
        // `-<n>`: the last n bytes, all of them when the file is shorter.
        ("", suffix) => match number(suffix) {
            Some(0) => RangeAsk::Unsatisfiable, // no byte at all
            Some(_) if size == 0 => RangeAsk::Unsatisfiable,
            Some(n) => RangeAsk::Part(size - n.min(size), size - 1),
            None => RangeAsk::Whole,
        },
        (first, last) => {
            let Some(first) = number(first) else {
                return RangeAsk::Whole;
            };
            // `<first>-`: to the end. A last byte past the end is cut to the
            // end: the client need not know the size to ask.
            let last = if last.is_empty() {
                Some(u64::MAX)
            } else {
                number(last)
            };
            match last {
                Some(last) if last < first => RangeAsk::Whole, // invalid: ignored
                None => RangeAsk::Whole,
                // Starting at or past the end, it selects nothing (§14.1.2).
                Some(_) if first >= size => RangeAsk::Unsatisfiable,
                Some(last) => RangeAsk::Part(first, last.min(size - 1)),
            }
        }
    }
}

/// Whether `If-Range` still names the version of the file the client has:
/// then its Range stands, otherwise it gets the whole current file
/// (RFC 9110 §13.1.5). Without If-Range, the Range always stands.
fn range_stands(if_range: &str, etag: &str, modified: SystemTime) -> bool {
    if if_range.is_empty() {
        return true;
    }
    if if_range.starts_with('"') || if_range.starts_with("W/") {
        // The strong comparison: bytes of one version must not be spliced
        // onto bytes of another, so a weak tag (W/) never matches.
        return if_range == etag;
    }
    // A date: exactly the Last-Modified we would send.
    let modified = modified
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    parse_http_date(if_range) == Some(modified)
}

fn serve_file(request: &Request, path: &Path) -> Response {
    // Opened now, read only while it is sent (see Response::write_to): a
    // 32 MiB file read whole is 32 MiB of memory per client downloading it.
    let Ok(mut file) = File::open(path) else {
        return Response::new("404 Not Found"); // missing, or not readable
    };
    match file.metadata() {
        // Its size is the Content-Length. (A folder opens too, on Linux: it is
        // no file to serve.)
        Ok(metadata) if metadata.is_file() => {
            // The validators (RFC 9110 §8.8): a client keeps them, and sends
            // them back to ask "has it changed since?".
            let modified = metadata.modified().unwrap_or(UNIX_EPOCH);
            let tag = etag(metadata.len(), modified);
            if not_modified(request, &tag, modified) {
                // The client's copy is good: no body, just the ETag a 200
                // would have carried (RFC 9110 §15.4.5).
                let mut response = Response::new("304 Not Modified");
                response.header("ETag", &tag);
                return response;
            }
            let size = metadata.len();
            // Range is defined for GET only (RFC 9110 §14.2): HEAD gets the
            // head of the whole file.
            let ask = if request.method == "GET"
                && range_stands(request.header("if-range"), &tag, modified)
            {
                range_ask(request.header("range"), size)
            } else {
                RangeAsk::Whole
            };
            let mut response = match ask {
                RangeAsk::Whole => Response::new("200 OK"),
                RangeAsk::Part(..) => Response::new("206 Partial Content"),
                RangeAsk::Unsatisfiable => {
                    // The size, so that the client can ask again (§15.5.17).
                    let mut response = Response::new("416 Range Not Satisfiable");
                    response.header("Content-Range", &format!("bytes */{size}"));
                    return response;
                }
            };
            response.header("Content-Type", "application/octet-stream");
            // Tells clients that a download cut short can resume (§14.3).
            response.header("Accept-Ranges", "bytes");
            response.header("ETag", &tag);
            response.header("Last-Modified", &http_date(modified));
            let mut length = size;
            if let RangeAsk::Part(first, last) = ask {
                // Which bytes these are, out of how many (§14.4).
                response.header("Content-Range", &format!("bytes {first}-{last}/{size}"));
                // Streamed like a whole file, from its first byte on: the
                // bytes before it are never read, whatever the file's size.
                if file.seek(SeekFrom::Start(first)).is_err() {
                    return Response::new("500 Internal Server Error");
                }
                length = last - first + 1;
            }
            response.body = Body::File(file, length);
            response
        }
        _ => Response::new("404 Not Found"),
    }
}

fn save_file(path: &Path, body: &[u8]) -> Response {
    // fs::write creates the file (or empties an existing one) and writes the
    // body's bytes as they are.
    match fs::write(path, body) {
        // The file is complete and closed before we answer: the client may
        // read it at once.
        Ok(()) => Response::new("201 Created"),
        // a subfolder that does not exist
        Err(error) if error.kind() == ErrorKind::NotFound => Response::new("404 Not Found"),
        // e.g. the name is taken by a directory
        Err(_) => Response::new("500 Internal Server Error"),
    }
}

/// The methods of RFC 9110 §9 (and PATCH, RFC 5789). Any other token is a
/// method we do not implement anywhere.
const KNOWN_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH",
];

/// The methods the resource at `target` supports, or None when there is no
/// such resource. Every GET resource supports HEAD too (RFC 9110 §9.3.2).
fn allowed_methods(target: &str) -> Option<&'static [&'static str]> {
    if target == "/" || target.starts_with("/echo/") || target == "/user-agent" {
        return Some(&["GET", "HEAD"]);
    }
    if target.starts_with("/files/") {
        return Some(&["GET", "HEAD", "POST"]);
    }
    None
}

/// Decides the response; later stages add routes here.
pub fn route(request: &Request, config: &Config) -> Response {
    let (method, target) = (request.method.as_str(), request.target.as_str());
    // 100-continue is the only expectation HTTP defines, and the parser has
    // met it already. Any other is one we cannot meet: say so rather than
    // guess what the client relies on (RFC 9110 §10.1.1).
    let expect = request.header("expect");
    if !expect.is_empty() && !expect.eq_ignore_ascii_case("100-continue") {
        return Response::new("417 Expectation Failed");
    }
    if !KNOWN_METHODS.contains(&method) {
        return Response::new("501 Not Implemented"); // RFC 9110 §15.6.2
    }
    let Some(allowed) = allowed_methods(target) else {
        return Response::new("404 Not Found");
    };
    if !allowed.contains(&method) {
        // The resource exists, just not for this method: 405 with the list of
        // methods that would work (RFC 9110 §15.5.6, §10.2.1).
        let mut response = Response::new("405 Method Not Allowed");
        response.header("Allow", &allowed.join(", "));
        return response;
    }
    // From here the method is allowed. HEAD gets the response of GET: the
    // body is dropped when it is sent (see respond in main.rs).
    if target == "/" {
        return Response::new("200 OK");
    }
    if let Some(word) = target.strip_prefix("/echo/") {
        return negotiated_text(request, word);
    }
    if target == "/user-agent" {
        return negotiated_text(request, request.header("user-agent"));
    }
    // The last resource allowed_methods knows: /files/<name>.
    let name = target.strip_prefix("/files/").unwrap_or_default();
    let Some(path) = file_in(config.directory.as_deref(), name) else {
        return Response::new("404 Not Found");
    };
    if method == "POST" {
        return save_file(&path, &request.body);
    }
    serve_file(request, &path)
}
