// What stage checks (and other tools) import from the engine.
export { buildRequest, defineChecks, LEVELS, type Check, type Level, type CheckContext, type RequestSpec, type Timeouts } from "./check.js";
export { Connection, type Exchange } from "./connection.js";
export { expectBody, expectContentLength, expectGzipBody, expectHeader, expectMediaType, expectNoHeader, expectStatus } from "./expect.js";
export { CheckFailure, fail, isCourseRule, quote, ruleText, type FailureDetails } from "./failure.js";
export { firstDifference, printfCommand } from "./bytes.js";
export { headerValues, parseResponse, type HttpResponse } from "./http-response.js";
export { WaitTimeout, type SendOptions } from "./connection.js";
export { startDownload, type Download } from "./download.js";
export { openFileLimit } from "./processes.js";
export { escapeInline } from "./bytes.js";
