// A plain Lambda handler, exactly as it would be deployed to a Node.js function.
export const handler = async (event, context) => {
  console.log("hello from", context.functionName, "request", context.awsRequestId);
  return {
    message: "Hello from lambda-emu",
    event,
    remainingMs: context.getRemainingTimeInMillis(),
  };
};
