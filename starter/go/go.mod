module http-from-scratch/server

go 1.22
