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
