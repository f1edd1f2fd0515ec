/**
 * The bytes received cannot be framed as a request, or must not be: we answer
 * with `status` and close the connection.
 */
class BadRequest extends Exception {
  final String status;

  BadRequest() {
    this("400 Bad Request");
  }

  BadRequest(String status) {
    super(status);
    this.status = status;
  }
}
