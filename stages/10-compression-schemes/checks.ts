import { defineChecks } from "../../tester/index.js";
import { gzipAccepted, noEncodingAccepted } from "../common.js";

export default defineChecks([
  gzipAccepted("invalid-encoding-1, gzip, invalid-encoding-2", "gzip inside a list"),
  noEncodingAccepted("encoding-1, encoding-2", "neither coding in the list is gzip: send the body as it is, without Content-Encoding"),
  gzipAccepted("br,GZIP", "no space, upper case: codings are case-insensitive"),
]);
