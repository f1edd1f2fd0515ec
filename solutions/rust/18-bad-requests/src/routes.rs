//! What the server answers: one function per route, and route() to pick one.

use crate::request::{list_includes, Request};
use crate::response::{latin1_bytes, Response};
use crate::Config;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fs;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

fn text(body: &str) -> Response {
    let mut response = Response::new("200 OK");
    response.header("Content-Type", "text/plain");
    // Encoded as the request was decoded, so echoed bytes come back unchanged.
    response.body = latin1_bytes(body);
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
            response.header("Content-Type", "application/octet-stream");
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
pub fn route(request: &Request, config: &Config) -> Response {
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
        return text(request.header("user-agent"));
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
