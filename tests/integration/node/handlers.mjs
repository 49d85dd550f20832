// Handlers the integration tests run under AWS's Node.js runtime interface client
// (examples/hello-node/bootstrap with --task-root tests/integration/node --handler handlers.<name>).

// Returns the event unchanged.
export const echo = async (event) => event;

// Throws, so the runtime client posts /error with errorType "Error".
export const boom = async () => {
  throw new Error("boom from handlers.mjs");
};

// Waits event.ms milliseconds (default 3000) before answering: longer than the test's timeout.
export const slow = async (event) => {
  const ms = typeof event?.ms === "number" ? event.ms : 3000;
  await new Promise((resolve) => setTimeout(resolve, ms));
  return { slept: ms };
};

// What the runtime client was given: context fields and selected environment variables.
export const env = async (event, context) => ({
  functionName: context.functionName,
  functionVersion: context.functionVersion,
  memoryLimitInMB: context.memoryLimitInMB,
  awsRequestId: context.awsRequestId,
  invokedFunctionArn: context.invokedFunctionArn,
  remainingMs: context.getRemainingTimeInMillis(),
  handler: process.env._HANDLER,
  taskRoot: process.env.LAMBDA_TASK_ROOT,
  region: process.env.AWS_REGION,
  custom: process.env.CUSTOM_VAR ?? null,
  cwd: process.cwd(),
});

// Streamed responses (awslambda.streamifyResponse; the runtime client posts them chunked).
// Writes "first", waits until the file event.marker exists (the test creates it once the first
// chunk reached it), then writes "second".
export const streamed = awslambda.streamifyResponse(async (event, responseStream) => {
  const { existsSync } = await import("node:fs");
  responseStream.setContentType("text/plain");
  responseStream.write("first\n");
  const deadline = Date.now() + 10000;
  while (!existsSync(event.marker) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  responseStream.write("second\n");
  responseStream.end();
});

// Writes a little, then throws: the client sends the error in the stream's trailers.
export const streamedError = awslambda.streamifyResponse(async (event, responseStream) => {
  responseStream.write("partial\n");
  await new Promise((resolve) => setTimeout(resolve, 10));
  throw new Error("failed mid-stream");
});

// An HTTP-integration response: JSON prelude, 8 NUL bytes, then the body.
export const streamedHttp = awslambda.streamifyResponse(async (event, responseStream) => {
  const stream = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201,
    headers: { "content-type": "text/html", "x-custom": "yes" },
    cookies: ["a=b; Path=/"],
  });
  stream.write("<p>hello</p>");
  stream.end();
});
