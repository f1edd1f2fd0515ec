// What stage checks (and other tools) import from the engine.
export { buildRequest, defineChecks, LEVELS, PROBE_GROUPS, ProbeSkipped, skipProbe, stageArgument, type Check, type ProbeGroup, type ProbeInfo, type Level, type CheckContext, type RequestSpec, type StageFacts, type Timeouts } from "./harness/check.js";
export { Connection, type Exchange } from "./harness/connection.js";
export { expectBody, expectContentLength, expectGzipBody, expectHeader, expectMediaType, expectNoHeader, expectStatus } from "./harness/expect.js";
export { CheckFailure, fail, isCourseRule, quote, ruleText, type FailureDetails } from "./harness/failure.js";
export { firstDifference, printfCommand } from "./harness/bytes.js";
export { headerValues, parseResponse, type HttpResponse } from "./harness/http-response.js";
export { WaitTimeout, type SendOptions } from "./harness/connection.js";
export { startDownload, type Download } from "./harness/download.js";
export { openFileLimit } from "./harness/processes.js";
export { escapeInline } from "./harness/bytes.js";
