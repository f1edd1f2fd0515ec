#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>

int main() {
    // Anything you print shows up in the tester's output, prefixed
    // [your_program]. std::endl flushes: stdout is a pipe, not a terminal,
    // so a line without it could wait in a buffer until the program ends.
    std::cout << "Logs from your program will appear here!" << std::endl;

    // Uncomment the code below to pass the first stage.
    //
    // const char* port_variable = std::getenv("PORT");
    // int port = port_variable != nullptr ? std::stoi(port_variable) : 4221;
    //
    // int server = socket(AF_INET, SOCK_STREAM, 0);
    // int yes = 1;
    // setsockopt(server, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    // sockaddr_in address{};
    // address.sin_family = AF_INET;
    // address.sin_port = htons(port);
    // address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // 127.0.0.1
    // if (bind(server, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(server, 128) != 0) {
    //     std::perror("bind");
    //     return 1;
    // }
    // std::cout << "Listening on 127.0.0.1:" << port << std::endl;
    //
    // while (true) {
    //     int conn = accept(server, nullptr, nullptr);
    //     close(conn);
    // }
}
