// End-to-end check of the browser demo, used as a person would: choose a server
// behaviour, connect, send, shut down, read the outcome. Runs in headless Chromium
// against the page served by `omnisocket-testserver --static www`.
//
//   bash scripts/demo.sh --check          # builds, serves on a free port, runs this
//   DEMO_URL=http://127.0.0.1:8080/ npm test   # against a demo that is already running
//
// Environment: DEMO_URL (required), DEMO_SCREENSHOT (default ../../target/demo.png; a
// phone-width one, demo-phone.png, goes next to it), CHROMIUM (default /usr/bin/chromium).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { launchChromium, watchedPage } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.DEMO_URL;
const screenshot = resolve(process.env.DEMO_SCREENSHOT ?? resolve(here, "../../target/demo.png"));
const phoneScreenshot = join(dirname(screenshot), "demo-phone.png");

/** Every step waits at most this long for the page (ms); the server is local. */
const STEP = 10_000;

let browser;
let page;
/** Page errors and console errors: the demo must produce none. */
const problems = [];

before(async () => {
  assert.ok(url, "DEMO_URL is not set: run `bash scripts/demo.sh --check`");
  browser = await launchChromium();
  page = await watchedPage(browser, problems, STEP);
  await page.goto(url);
  await page.waitForSelector("body[data-ready=true]");
});

after(async () => {
  await browser?.close();
});

/** Picks the server behaviour and the numbers, as a person would. */
async function choose(mode, { ms, timeout } = {}) {
  await page.selectOption("#mode", mode);
  if (ms !== undefined) await page.fill("#param-ms", String(ms));
  if (timeout !== undefined) await page.fill("#timeout", String(timeout));
}

async function connect() {
  await page.click("#connect");
  await page.waitForSelector('#status[data-state="open"]');
}

const outcomes = () => page.locator("#log .entry.outcome").count();

/**
 * Runs `action` (or nothing) and waits for the next outcome: returns the outcome box's
 * text and class, and the time the log says it took.
 */
async function nextOutcome(action = async () => {}) {
  const seen = await outcomes();
  await action();
  await page.waitForFunction(
    (n) => document.querySelectorAll("#log .entry.outcome").length > n,
    seen,
  );
  const entry = await page.locator("#log .entry.outcome .text").last().textContent();
  const took = Number(/after (\d+) ms$/.exec(entry)?.[1]);
  await page.waitForSelector('#status[data-state="idle"]');
  return {
    text: await page.textContent("#outcome"),
    kind: await page.getAttribute("#outcome", "data-outcome"),
    took,
    entry,
  };
}

/** The texts of the log entries of one kind for the latest connection. */
async function latest(kind) {
  return page.evaluate((kind) => {
    const entries = [...document.querySelectorAll("#log .entry")];
    const conn = entries.at(-1)?.dataset.conn;
    return entries
      .filter((e) => e.dataset.conn === conn && e.dataset.kind === kind)
      .map((e) => e.querySelector(".text").textContent);
  }, kind);
}

describe("the omnisocket demo page", () => {
  it("echo: send, receive, then shutdown() is Clean 1000", async () => {
    await choose("echo", { timeout: 2000 });
    assert.match(await page.textContent("#url"), /^ws:\/\/127\.0\.0\.1:\d+\/echo$/);
    await connect();
    await page.fill("#message", "hello");
    await page.click("#send");
    await page.waitForSelector('#log .entry.received .text:text-is("\\"hello\\"")');
    const outcome = await nextOutcome(() => page.click("#shutdown"));
    assert.equal(outcome.text, 'Clean 1000 ""');
    assert.equal(outcome.kind, "clean");
    assert.ok(outcome.took < 2000, `a clean close must not wait out the timeout: ${outcome.entry}`);
    assert.deepEqual(await latest("sent"), ['"hello"']);
  });

  it("late answer within the timeout: Clean after about N ms", async () => {
    await choose("close-delay", { ms: 300, timeout: 3000 });
    await connect();
    const outcome = await nextOutcome(() => page.click("#shutdown"));
    assert.equal(outcome.text, 'Clean 1000 ""');
    assert.ok(outcome.took >= 250 && outcome.took < 3000, outcome.entry);
  });

  it("messages after our Close are dropped by the browser, still Clean", async () => {
    await choose("close-after-messages", { timeout: 3000 });
    await connect();
    const outcome = await nextOutcome(() => page.click("#shutdown"));
    assert.equal(outcome.text, 'Clean 1000 ""');
    // WHATWG: a page gets no messages once it has called close().
    assert.deepEqual(await latest("received"), []);
  });

  it("sending while closing is refused on the page, not a panic", async () => {
    await choose("never-close", { timeout: 800 });
    await connect();
    const outcome = nextOutcome(() => page.click("#shutdown"));
    await page.waitForSelector('#status[data-state="closing"]');
    await page.click("#send");
    await page.waitForSelector("#error:not([hidden])");
    assert.match(await page.textContent("#error"), /send\(\) refused: the connection is closed or closing/);
    assert.equal((await outcome).text, "TimedOut");
  });

  it("peer never answers, 500 ms timeout: TimedOut after about 500 ms", async () => {
    await choose("never-close", { timeout: 500 });
    await connect();
    const outcome = await nextOutcome(() => page.click("#shutdown"));
    assert.equal(outcome.text, "TimedOut");
    assert.equal(outcome.kind, "timedout");
    assert.ok(outcome.took >= 450 && outcome.took < 5000, outcome.entry);
  });

  it("connection dropped: Abnormal", async () => {
    await choose("drop", { ms: 200, timeout: 2000 });
    const outcome = await nextOutcome(connect);
    assert.match(outcome.text, /^Abnormal\(.+\)$/);
    assert.equal(outcome.kind, "abnormal");
  });

  it("peer closes first with 4001 \"bye\": Clean 4001 \"bye\"", async () => {
    await choose("close-first", { ms: 300, timeout: 2000 });
    const outcome = await nextOutcome(connect);
    assert.equal(outcome.text, 'Clean 4001 "bye"');
    assert.equal(outcome.kind, "clean");
    assert.ok(outcome.took < 1000, `the peer's frame is reported at once: ${outcome.entry}`);
  });

  it("close code 1001 is refused with an error, and the connection stays open", async () => {
    await choose("echo", { timeout: 2000 });
    await connect();
    await page.fill("#message", "still here?");
    await page.click("#send");
    await page.waitForSelector('#log .entry.received .text:text-is("\\"still here?\\"")');
    await page.fill("#close-code", "1001");
    await page.fill("#close-reason", "going away");
    await page.click("#close");
    await page.waitForSelector("#error:not([hidden])");
    const error = await page.textContent("#error");
    assert.match(error, /close code 1001 may not be sent/);
    assert.match(error, /1000 and 3000-4999/);
    assert.equal(await page.getAttribute("#status", "data-state"), "open");
    assert.equal(await page.getAttribute("#outcome", "data-outcome"), "pending");

    // A valid code still closes cleanly afterwards; the echo server answers with it.
    await page.fill("#close-code", "4000");
    await page.fill("#close-reason", "done");
    const outcome = await nextOutcome(() => page.click("#close"));
    assert.equal(outcome.text, 'Clean 4000 "done"');

    mkdirSync(dirname(screenshot), { recursive: true });
    await page.screenshot({ path: screenshot, fullPage: true });
  });

  it("reconnect: drops every 800 ms, the client comes back, shutdown() ends it for good", async () => {
    await choose("reconnect", { ms: 800, timeout: 2000 });
    assert.match(
      await page.textContent("#url"),
      /\/flaky\?id=demo-\d+-\d+&drops=1000000&after_ms=800&refuse_ms=600$/,
    );
    // Every state the status pill goes through, however briefly.
    await page.evaluate(() => {
      const status = document.getElementById("status");
      window.statusSeen = [];
      new MutationObserver(() => window.statusSeen.push(status.dataset.state)).observe(status, {
        attributes: true,
        attributeFilter: ["data-state"],
      });
    });
    await connect();
    const conn = await page.getAttribute("#log .entry:last-child", "data-conn");
    const mine = `#log .entry[data-conn="${conn}"]`;
    /** The texts of this connection's log entries of one kind. */
    const entries = (kind) =>
      page.$$eval(`${mine}[data-kind="${kind}"] .text`, (texts) => texts.map((t) => t.textContent));
    /** Waits until `text` comes back, quoted as the log quotes it. */
    const echoed = (text) =>
      page.waitForSelector(`${mine}.received .text:text-is(${JSON.stringify(JSON.stringify(text))})`);

    await page.fill("#message", "hello");
    await page.click("#send");
    await echoed("hello");

    // The server drops the connection; sent meanwhile, a message waits for the next one.
    await page.waitForSelector('#status[data-state="reconnecting"]');
    await page.fill("#message", "while away");
    await page.click("#send");
    await echoed("while away");
    assert.deepEqual((await entries("sent")).slice(-1), [
      '"while away" (queued: goes out on the next connection)',
    ]);

    // The log tells the story: the drop, the backoff, and an Open after it.
    await page.waitForFunction((conn) => {
      const log = [...document.querySelectorAll(`#log .entry[data-conn="${conn}"]`)];
      const text = (e) => e.querySelector(".text").textContent;
      const retry = log.findIndex((e) => e.dataset.kind === "retry" && text(e).startsWith("Retrying in"));
      return retry >= 0 && log.slice(retry).some((e) => e.dataset.kind === "up" && text(e).startsWith("Open (attempt"));
    }, conn);
    const downs = await entries("down");
    assert.match(downs[0], /^Closed after \d+ ms: Abnormal\(.+\)$/);
    const retries = await entries("retry");
    assert.ok(retries.some((t) => /^Retrying in \d+ ms \(attempt \d+\)$/.test(t)), retries.join("\n"));
    assert.ok(retries.some((t) => /^Connecting \(attempt \d+\)$/.test(t)), retries.join("\n"));
    assert.ok(
      (await entries("up")).some((t) => /^Open \(attempt \d+\): 1 queued message goes out now$/.test(t)),
      "the Open after the drop says that the queued message goes out",
    );

    // Right after that Open, while the new connection is up: echo, then shut down.
    await page.waitForSelector('#status[data-state="open"]');
    await page.fill("#message", "after the reconnect");
    await page.click("#send");
    await echoed("after the reconnect");
    const outcome = await nextOutcome(() => page.click("#shutdown"));
    assert.equal(outcome.text, 'Clean 1000 ""');
    assert.equal(outcome.kind, "clean");
    assert.equal(await page.getAttribute("#status", "data-state"), "idle");
    const seen = await page.evaluate(() => window.statusSeen);
    for (const state of ["open", "reconnecting", "closing", "idle"]) {
      assert.ok(seen.includes(state), `the status never showed ${state}: ${seen.join(", ")}`);
    }

    // Stopped for good: the last event says so, and no attempt follows.
    await page.waitForSelector(`${mine}.info .text:text-is("events() ended: nothing more will happen")`);
    assert.deepEqual((await entries("stop")).slice(-1), ['Stopped: Clean 1000 ""']);
    const reconnectKinds = ["retry", "up", "down", "stop"];
    const count = async () => (await Promise.all(reconnectKinds.map(entries))).flat().length;
    const before = await count();
    await sleep(1000);
    assert.equal(await count(), before, "no reconnect event after shutdown()");

    mkdirSync(dirname(phoneScreenshot), { recursive: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.evaluate(() => {
      const log = document.getElementById("log");
      log.scrollTop = log.scrollHeight;
    });
    await page.screenshot({ path: phoneScreenshot, fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("produced no page errors", () => {
    assert.deepEqual(problems, []);
  });
});
