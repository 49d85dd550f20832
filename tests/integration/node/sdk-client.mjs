// The AWS SDK for JavaScript v3, unchanged but for its endpoint, against lambda-emu:
//   node sdk-client.mjs http://127.0.0.1:PORT FUNCTION_NAME
// runs Invoke (sync, Tail, function error, Event, DryRun, an unknown function),
// InvokeWithResponseStream (decoded by the SDK itself), and a cold start forced the way
// harnesses written for AWS force one (UpdateFunctionConfiguration, then the SDK's waiter)
// against a function running the C++ test runtime in script mode, and prints what the SDK made
// of each answer as one JSON object.
import {
  GetFunctionConfigurationCommand,
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from "@aws-sdk/client-lambda";

const [endpoint, functionName] = process.argv.slice(2);
const client = new LambdaClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "lambda-emu", secretAccessKey: "lambda-emu" },
  maxAttempts: 1,
});
const text = (bytes) => Buffer.from(bytes ?? []).toString();
const unbase64 = (s) => Buffer.from(s ?? "", "base64").toString();
const invoke = (input) =>
  client.send(new InvokeCommand({ FunctionName: functionName, ...input }));
const script = (s) => JSON.stringify(s);

const out = {};

const sync = await invoke({ Payload: script({ do: "echo", n: 1 }) });
out.sync = {
  status: sync.StatusCode,
  payload: text(sync.Payload),
  version: sync.ExecutedVersion,
  functionError: sync.FunctionError ?? null,
};

const tail = await invoke({ LogType: "Tail", Payload: script({ do: "print", lines: ["from the sdk"] }) });
out.tail = { log: unbase64(tail.LogResult) };

const failed = await invoke({ Payload: script({ do: "error" }) });
out.failed = { functionError: failed.FunctionError ?? null, payload: text(failed.Payload) };

const event = await invoke({ InvocationType: "Event", Payload: script({ do: "echo" }) });
out.event = { status: event.StatusCode };

const dryRun = await invoke({ InvocationType: "DryRun" });
out.dryRun = { status: dryRun.StatusCode };

try {
  await client.send(new InvokeCommand({ FunctionName: "no-such-function", Payload: "{}" }));
  out.missing = null;
} catch (e) {
  out.missing = { name: e.name, status: e.$metadata?.httpStatusCode ?? null };
}

async function stream(payload) {
  const r = await client.send(
    new InvokeWithResponseStreamCommand({
      FunctionName: functionName,
      LogType: "Tail",
      Payload: script(payload),
    }),
  );
  const result = { status: r.StatusCode, contentType: r.ResponseStreamContentType, body: "" };
  for await (const e of r.EventStream) {
    if (e.PayloadChunk) {
      result.body += text(e.PayloadChunk.Payload);
    }
    if (e.InvokeComplete) {
      result.errorCode = e.InvokeComplete.ErrorCode ?? null;
      result.errorDetails = e.InvokeComplete.ErrorDetails ?? null;
      result.log = unbase64(e.InvokeComplete.LogResult);
    }
  }
  return result;
}
out.stream = await stream({ do: "stream", chunks: ["one ", "two"] });
out.streamError = await stream({
  do: "stream",
  chunks: ["partial"],
  error_type: "Runtime.StreamError",
  error_body_b64: Buffer.from('{"errorMessage":"broke"}').toString("base64"),
});

const warm = await invoke({ LogType: "Tail", Payload: script({ do: "echo" }) });
const update = await client.send(
  new UpdateFunctionConfigurationCommand({
    FunctionName: functionName,
    MemorySize: 1024,
    Environment: { Variables: { CUSTOM_VAR: "updated" } },
  }),
);
await waitUntilFunctionUpdatedV2({ client, maxWaitTime: 30 }, { FunctionName: functionName });
const cold = await invoke({ LogType: "Tail", Payload: script({ do: "headers" }) });
const configuration = await client.send(
  new GetFunctionConfigurationCommand({ FunctionName: functionName }),
);
out.coldStart = {
  warmInit: unbase64(warm.LogResult).includes("Init Duration"),
  updateStatus: update.LastUpdateStatus,
  updateMemory: update.MemorySize,
  coldInit: unbase64(cold.LogResult).includes("Init Duration"),
  coldEnv: JSON.parse(text(cold.Payload)).env.CUSTOM_VAR,
  memory: configuration.MemorySize,
};

console.log(JSON.stringify(out));
