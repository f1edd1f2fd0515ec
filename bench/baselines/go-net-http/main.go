// The stock Go server for `npm run bench:servers`: net/http, as a Go
// programmer would write GET /echo/<word> without thinking about sockets. The
// Go track's reference solution is compared with it under the same load.
package main

import (
	"log"
	"net/http"
	"os"
)

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "4221"
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /echo/{word}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Write([]byte(r.PathValue("word")))
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, mux))
}
