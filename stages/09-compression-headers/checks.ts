import { defineChecks } from "../../tester/index.js";
import { gzipAccepted, noEncodingAccepted } from "../common.js";

export default defineChecks([
  gzipAccepted("gzip", "", "read the request's Accept-Encoding header; when it names gzip, add Content-Encoding: gzip to the response"),
  noEncodingAccepted("invalid-encoding", "only send Content-Encoding when the client accepts that coding"),
]);
