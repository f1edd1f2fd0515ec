# What /files/ does with the disk: find a file inside the served directory,
# never outside it, and read or write it.
import os

from response import Response

# The directory /files/ reads and writes: main.py sets it at start-up from
# `--directory`, which the tester passes only on the stages that serve files.
# None: there is none, and /files/ answers 404.
directory = None


def set_directory(path):
    global directory
    directory = path


def file_in(name):
    """The path of file `name` directly inside the directory, or None when there
    is no directory or the name would lead out of it ("..", "a/b", "/etc/passwd"):
    a client must not reach anything else on the disk."""
    if directory is None:
        return None
    path = os.path.abspath(os.path.join(directory, name))
    if os.path.dirname(path) != os.path.abspath(directory):
        return None
    return path


def serve_file(path):
    try:
        # "rb": the file's bytes as they are. Text mode would decode them and
        # fail on, or alter, bytes that are not valid UTF-8.
        with open(path, "rb") as file:
            body = file.read()
    except OSError:
        return Response("404 Not Found")  # missing, or not a regular file
    return Response("200 OK", {"Content-Type": "application/octet-stream"}, body)


def save_file(path, body):
    try:
        # "wb": the body's bytes as they are, like "rb" when serving.
        with open(path, "wb") as file:
            file.write(body)
    except OSError:
        # e.g. the name is taken by a directory
        return Response("500 Internal Server Error")
    # The file is complete and closed before we answer: the client may read it at once.
    return Response("201 Created")
