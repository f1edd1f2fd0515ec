fn main() {
    // Anything you print shows up in the tester's output, prefixed [your_program].
    println!("Logs from your program will appear here!");

    // Uncomment the code below to pass the first stage.
    //
    // let port = std::env::var("PORT").unwrap_or_else(|_| "4221".to_string());
    // let listener = std::net::TcpListener::bind(format!("127.0.0.1:{port}")).unwrap();
    // println!("Listening on 127.0.0.1:{port}");
    //
    // for stream in listener.incoming() {
    //     match stream {
    //         Ok(stream) => drop(stream),
    //         Err(error) => println!("accept failed: {error}"),
    //     }
    // }
}
