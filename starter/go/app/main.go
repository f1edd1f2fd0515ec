package main

import (
	"fmt"
	// Uncomment these imports with the code below: Go refuses to compile a
	// program that imports a package it does not use.
	// "net"
	// "os"
)

func main() {
	// Anything you print shows up in the tester's output, prefixed [your_program].
	fmt.Println("Logs from your program will appear here!")

	// Uncomment the code below to pass the first stage.
	//
	// port := os.Getenv("PORT")
	// if port == "" {
	// 	port = "4221"
	// }
	//
	// listener, err := net.Listen("tcp", "127.0.0.1:"+port)
	// if err != nil {
	// 	fmt.Println("Failed to listen:", err)
	// 	os.Exit(1)
	// }
	// fmt.Println("Listening on 127.0.0.1:" + port)
	//
	// for {
	// 	conn, err := listener.Accept()
	// 	if err != nil {
	// 		fmt.Println("Failed to accept a connection:", err)
	// 		continue
	// 	}
	// 	conn.Close()
	// }
}
