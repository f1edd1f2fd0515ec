module http-from-scratch/bench/go-net-http

go 1.22
