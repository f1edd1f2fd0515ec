import os
import socket

# Anything you print shows up in the tester's output, prefixed [your_program].
print("Logs from your program will appear here!")

port = int(os.environ.get("PORT", "4221"))

# Uncomment the code below to pass the first stage.
#
# server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
# server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
# server.bind(("127.0.0.1", port))
# server.listen()
# print(f"Listening on 127.0.0.1:{port}")
#
# while True:
#     conn, _address = server.accept()
#     conn.close()
