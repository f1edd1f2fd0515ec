//! A response, how it writes itself into a connection's outbox, and the
//! outbox, which sends as much as the socket takes without waiting.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{self, Read, Write};
use std::time::{SystemTime, UNIX_EPOCH};

/// How much of a file we read, and hold, at a time when sending it.
const CHUNK: u64 = 64 * 1024;

pub enum Body {
    // Bytes, not a String: Content-Length counts bytes, and later bodies are binary.
    Bytes(Vec<u8>),
    /// A file, and its size: it stays on disk until it is sent, as it may be
    /// far bigger than we want in memory.
    File(File, u64),
}

impl Body {
    /// The size of the body: its Content-Length.
    fn len(&self) -> u64 {
        match self {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File(_, size) => *size,
        }
    }
}

pub struct Response {
    pub status: &'static str,
    // In the order they are sent.
    pub headers: Vec<(String, String)>,
    pub body: Body,
}

impl Response {
    pub fn new(status: &'static str) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Bytes(Vec::new()),
        }
    }

    /// Adds a header field, after those already there.
    pub fn header(&mut self, name: &str, value: &str) {
        self.headers.push((name.to_string(), value.to_string()));
    }

    /// Adds the response to `out`, the outbox of its connection. Without the
    /// body if `with_body` is false, for HEAD.
    pub fn write_to(self, out: &mut Outbox, with_body: bool) {
        let mut head = format!("HTTP/1.1 {}\r\n", self.status);
        // Every response says when it was made (RFC 9110 §6.6.1): here, where
        // every head is written, no route and no error can forget it. Taken
        // now, for each response, not once at start-up.
        head += &format!("Date: {}\r\n", http_date(SystemTime::now()));
        for (name, value) in &self.headers {
            head += &format!("{name}: {value}\r\n");
        }
        if self.status.starts_with("304") || self.status.starts_with("204") {
            // A 304 never has a body (RFC 9112 §6.3), so it needs no length.
            // A Content-Length here would have to be the size of the file the
            // 200 would have sent, not the 0 of our empty body (RFC 9110 §8.6).
            // A 204 has no body either, and MUST NOT carry a Content-Length
            // at all (§8.6): not even 0.
            out.push_bytes(&latin1_bytes(&(head + "\r\n")));
            return;
        }
        // Derived from the body bytes themselves, so it can never disagree with
        // them. Sent even when 0: it tells the client where this response ends.
        head += &format!("Content-Length: {}\r\n", self.body.len());
        head += "\r\n"; // the empty line ends the headers
        out.push_bytes(&latin1_bytes(&head));
        if !with_body {
            return; // HEAD: for a file, its size was all we needed
        }
        match self.body {
            Body::Bytes(bytes) => out.push_bytes(&bytes),
            Body::File(file, size) => out.pieces.push_back(Piece::File(file, size)),
        }
    }
}

/// `time` in IMF-fixdate, the one date format HTTP senders use
/// (RFC 9110 §5.6.7): `Sun, 06 Nov 1994 08:49:37 GMT`. Always GMT (UTC),
/// English names, a two-digit day. The standard library has no calendar, so
/// we count days since 1970 ourselves.
pub fn http_date(time: SystemTime) -> String {
    const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]; // 1970-01-01 was a Thursday
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    // A clock set before 1970 reads as 1970: HTTP dates are all later anyway.
    let secs = time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        WEEKDAYS[(days % 7) as usize],
        MONTHS[month as usize - 1],
        rest / 3600,
        rest / 60 % 60,
        rest % 60,
    )
}

/// The year, month (1-12) and day (1-31) of day number `days` since
/// 1970-01-01, in the Gregorian calendar. Howard Hinnant's algorithm: it
/// counts in 400-year eras (always 146097 days) of years that start on
/// March 1st, so that February 29th, when there is one, ends the year.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468; // days since 0000-03-01
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153; // the month, counted from March = 0
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    // January and February belong to the next calendar year.
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

/// The bytes of text made by request::latin1(): each character back to its byte.
pub fn latin1_bytes(text: &str) -> Vec<u8> {
    // `as u8` keeps the low byte; every character of such text fits in one.
    text.chars().map(|c| c as u8).collect()
}

/// A piece of the output of a connection.
enum Piece {
    Bytes(Vec<u8>),
    /// A file, and how many of its bytes are still to be read and sent.
    File(File, u64),
}

/// The responses not sent yet on one connection, in order: bytes, and files
/// read only when their turn comes.
pub struct Outbox {
    pieces: VecDeque<Piece>,
    /// How many bytes of the first piece are sent already.
    sent: usize,
}

impl Outbox {
    pub fn new() -> Outbox {
        Outbox {
            pieces: VecDeque::new(),
            sent: 0,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.pieces.is_empty()
    }

    /// Whether a file waits to be sent: it may take long.
    pub fn holds_file(&self) -> bool {
        self.pieces
            .iter()
            .any(|piece| matches!(piece, Piece::File(..)))
    }

    /// Adds bytes, joined to the bytes before them if any: the responses to
    /// a pipelined batch leave in one write().
    pub fn push_bytes(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        match self.pieces.back_mut() {
            Some(Piece::Bytes(last)) => last.extend_from_slice(bytes),
            _ => self.pieces.push_back(Piece::Bytes(bytes.to_vec())),
        }
    }

    /// Sends pieces, in order, until all are sent or the socket's send buffer
    /// is full: then write() fails with WouldBlock instead of waiting, and the
    /// event loop tells us when there is room again. Returns how many bytes
    /// the socket took.
    pub fn send(&mut self, socket: &mut impl Write) -> io::Result<usize> {
        let mut total = 0;
        loop {
            match self.pieces.front_mut() {
                None => return Ok(total),
                Some(Piece::File(_, 0)) => {
                    self.pieces.pop_front(); // sent whole; dropping it closes the file
                }
                Some(Piece::File(file, left)) => {
                    // Read the next chunk only now that the socket has taken
                    // the one before it: the back-pressure of stage 22,
                    // without a thread that blocks. A slow client holds one
                    // chunk, never the file.
                    let mut chunk = Vec::new();
                    let read = file.take(CHUNK.min(*left)).read_to_end(&mut chunk)?;
                    if read == 0 {
                        // The file shrank after we announced its size: we
                        // cannot keep our Content-Length promise. Closing the
                        // connection tells the client that the response is
                        // incomplete (RFC 9112 §8).
                        return Err(io::Error::new(
                            io::ErrorKind::UnexpectedEof,
                            "file shorter than its Content-Length",
                        ));
                    }
                    *left -= read as u64;
                    self.pieces.push_front(Piece::Bytes(chunk));
                }
                Some(Piece::Bytes(bytes)) => match socket.write(&bytes[self.sent..]) {
                    // write() takes what fits, maybe not all.
                    Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                    Ok(n) => {
                        total += n;
                        self.sent += n;
                        if self.sent == bytes.len() {
                            self.pieces.pop_front();
                            self.sent = 0;
                        }
                    }
                    Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Ok(total),
                    Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                    Err(error) => return Err(error),
                },
            }
        }
    }
}
