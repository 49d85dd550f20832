// The AWS SDK for JavaScript v3, unchanged but for its endpoint, against lambda-emu:
//   node sdk-client.mjs http://127.0.0.1:PORT FUNCTION_NAME
// runs Invoke (sync, Tail, function error, Event, DryRun, an unknown function) and
// InvokeWithResponseStream (decoded by the SDK itself) against a function running the C++ test
// runtime in script mode, and prints what the SDK made of each answer as one JSON object.
import {
  InvokeCommand,
  InvokeWithResponseStreamCommand,
  LambdaClient,
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

console.log(JSON.stringify(out));
