// A Hono app behind a function URL, through Hono's own Lambda adapter (hono/aws-lambda):
// handlers `hono.buffered` (handle) and `hono.streamed` (streamHandle, which writes the HTTP
// integration prelude through awslambda.HttpResponseStream).
import { existsSync } from "node:fs";
import { Hono } from "hono";
import { handle, streamHandle } from "hono/aws-lambda";
import { setCookie } from "hono/cookie";
import { streamText } from "hono/streaming";

const app = new Hono();

app.get("/hello/:name", (c) => c.json({ hello: c.req.param("name"), q: c.req.query("q") ?? null }));

app.post("/echo", async (c) => {
  c.header("x-echo", "yes");
  return c.text(await c.req.text(), 201);
});

app.get("/cookies", (c) => {
  setCookie(c, "flavour", "oat");
  setCookie(c, "size", "big");
  return c.text("baked");
});

// Writes "first ", waits until the file ?marker= exists (the test creates it once "first "
// arrived), then writes "second".
app.get("/stream", (c) =>
  streamText(c, async (stream) => {
    await stream.write("first ");
    const marker = c.req.query("marker");
    for (let i = 0; marker && i < 2000 && !existsSync(marker); ++i) {
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await stream.write("second");
  }),
);

export const buffered = handle(app);
export const streamed = streamHandle(app);
