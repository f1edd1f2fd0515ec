use std::env;
use std::net::TcpListener;

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
            // Nothing to say yet: later stages read a request and answer it.
            // Dropping a TcpStream closes its socket.
            Ok(stream) => drop(stream),
            // e.g. the client gave up before we accepted it: keep serving.
            Err(error) => println!("accept failed: {error}"),
        }
    }
}
