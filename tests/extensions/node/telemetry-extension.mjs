// A Telemetry API extension written as AWS's sample is (aws-samples/aws-lambda-extensions,
// nodejs-example-telemetry-api-extension): Node's built-in modules only, no npm packages.
//
// It registers for INVOKE and SHUTDOWN, starts an HTTP listener (bound to sandbox.localdomain
// when that name resolves, else 127.0.0.1; port TELEMETRY_LISTENER_PORT or any free one),
// subscribes to platform, function and extension telemetry, and writes every record it
// receives to $TELEMETRY_OUT, one JSON object per line. It keeps taking deliveries until
// SHUTDOWN, then exits 0. Launched by ./telemetry-extension, which picks the node binary.
import http from "node:http";
import { appendFileSync } from "node:fs";
import { lookup } from "node:dns/promises";

const EXTENSION_NAME = process.env.LAMBDA_EXTENSION_NAME || "telemetry-extension";
const RUNTIME_API = process.env.AWS_LAMBDA_RUNTIME_API;
const TELEMETRY_OUT = process.env.TELEMETRY_OUT;
const LISTENER_PORT = Number(process.env.TELEMETRY_LISTENER_PORT || 0);
// After SHUTDOWN, how long to wait for a last delivery before exiting.
const LINGER_MS = 100;

const log = (...args) => console.log(`[${EXTENSION_NAME}]`, ...args);

// One HTTP request to the Extensions/Telemetry API; resolves with status, headers and body.
function call(method, path, headers = {}, body = undefined) {
  const [host, port] = [
    RUNTIME_API.slice(0, RUNTIME_API.lastIndexOf(":")),
    RUNTIME_API.slice(RUNTIME_API.lastIndexOf(":") + 1),
  ];
  if (body !== undefined) headers = { ...headers, "Content-Length": Buffer.byteLength(body) };
  return new Promise((resolve, reject) => {
    const req = http.request({ host, port, method, path, headers }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
    req.on("error", reject);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function register() {
  const res = await call(
    "POST",
    "/2020-01-01/extension/register",
    { "Lambda-Extension-Name": EXTENSION_NAME, "Content-Type": "application/json" },
    JSON.stringify({ events: ["INVOKE", "SHUTDOWN"] }),
  );
  if (res.status !== 200) throw new Error(`register failed: ${res.status} ${res.body}`);
  return res.headers["lambda-extension-identifier"];
}

async function next(extensionId) {
  const res = await call("GET", "/2020-01-01/extension/event/next", {
    "Lambda-Extension-Identifier": extensionId,
  });
  if (res.status !== 200) throw new Error(`event/next failed: ${res.status} ${res.body}`);
  return JSON.parse(res.body);
}

async function subscribe(extensionId, port) {
  const subscription = {
    schemaVersion: "2022-12-13",
    types: ["platform", "function", "extension"],
    buffering: { maxItems: 1000, maxBytes: 256 * 1024, timeoutMs: 25 },
    destination: { protocol: "HTTP", URI: `http://sandbox.localdomain:${port}` },
  };
  const res = await call(
    "PUT",
    "/2022-07-01/telemetry",
    { "Lambda-Extension-Identifier": extensionId, "Content-Type": "application/json" },
    JSON.stringify(subscription),
  );
  if (res.status !== 200) throw new Error(`telemetry subscribe failed: ${res.status} ${res.body}`);
  log("subscribed to telemetry:", res.body.trim());
}

// Lambda delivers batches as JSON arrays; each record becomes one line of $TELEMETRY_OUT.
async function startListener() {
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      try {
        const batch = JSON.parse(Buffer.concat(chunks).toString());
        for (const record of batch) {
          if (TELEMETRY_OUT) appendFileSync(TELEMETRY_OUT, JSON.stringify(record) + "\n");
        }
        res.writeHead(200);
        res.end("OK");
      } catch (err) {
        log("bad telemetry batch:", err.message);
        res.writeHead(400);
        res.end();
      }
    });
  });
  let host = "127.0.0.1";
  try {
    host = (await lookup("sandbox.localdomain")).address;
  } catch {
    // Outside Lambda the name may not resolve; the emulator delivers to 127.0.0.1 then.
  }
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(LISTENER_PORT, host, resolve);
  });
  return server;
}

async function main() {
  process.on("SIGINT", () => process.exit(0));
  process.on("SIGTERM", () => process.exit(0));

  const extensionId = await register();
  log("registered with id", extensionId);
  const server = await startListener();
  const { address, port } = server.address();
  log(`listening on ${address}:${port}`);
  await subscribe(extensionId, port);

  for (;;) {
    const event = await next(extensionId);
    if (event.eventType === "SHUTDOWN") {
      log("SHUTDOWN:", event.shutdownReason);
      await new Promise((r) => setTimeout(r, LINGER_MS));
      server.close();
      process.exit(0);
    }
    log("INVOKE", event.requestId);
  }
}

main().catch((err) => {
  console.error(`[${EXTENSION_NAME}] ${err.message}`);
  process.exit(1);
});
