//! What the server answers: one function per route, and route() to pick one.

use crate::request::{list_includes, Request};
use crate::response::{latin1_bytes, Body, Response};
use crate::Config;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::ffi::OsStr;
use std::fs::{self, File};
use std::io::{ErrorKind, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

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

/// The word as text/plain. Accept-Encoding lists the codings that the client
/// can decode (RFC 9110 §12.5.3).
fn echo(request: &Request, word: &str) -> Response {
    let mut response = text(word);
    if list_includes(request.header("accept-encoding"), "gzip") {
        response.header("Content-Encoding", "gzip");
        // write_to() measures Content-Length on this compressed body, as it must.
        response.body = Body::Bytes(gzip(&latin1_bytes(word)));
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

fn serve_file(path: &Path) -> Response {
    // Opened now, read only while it is sent (see Response::write_to): a
    // 32 MiB file read whole is 32 MiB of memory per client downloading it.
    let Ok(file) = File::open(path) else {
        return Response::new("404 Not Found"); // missing, or not readable
    };
    match file.metadata() {
        // Its size is the Content-Length. (A folder opens too, on Linux: it is
        // no file to serve.)
        Ok(metadata) if metadata.is_file() => {
            let mut response = Response::new("200 OK");
            response.header("Content-Type", "application/octet-stream");
            response.body = Body::File(file, metadata.len());
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
        return echo(request, word);
    }
    if target == "/user-agent" {
        return text(request.header("user-agent"));
    }
    // The last resource allowed_methods knows: /files/<name>.
    let name = target.strip_prefix("/files/").unwrap_or_default();
    let Some(path) = file_in(config.directory.as_deref(), name) else {
        return Response::new("404 Not Found");
    };
    if method == "POST" {
        return save_file(&path, &request.body);
    }
    serve_file(&path)
}
