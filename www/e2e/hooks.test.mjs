// End-to-end check of the two hook chats, /leptos/ and /yew/ (examples/chat.rs of
// omnisocket-leptos and omnisocket-yew), used as a person would: wait for the connection,
// send, read the echo, unmount and mount the chat, shut down. Runs in headless Chromium
// against the pages served by `omnisocket-testserver --static www`.
//
//   bash scripts/demo.sh --check          # builds, serves on a free port, runs this
//   DEMO_URL=http://127.0.0.1:8080/ node --test hooks.test.mjs   # against a running demo
//
// Environment: DEMO_URL (required), DEMO_SCREENSHOT (its directory receives
// hooks-leptos.png, hooks-leptos-phone.png, hooks-yew.png and hooks-yew-phone.png;
// default ../../target), CHROMIUM (default /usr/bin/chromium).

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { launchChromium, watchedPage } from "./chromium.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const url = process.env.DEMO_URL;
const screenshots = dirname(resolve(process.env.DEMO_SCREENSHOT ?? resolve(here, "../../target/demo.png")));

/** Every step waits at most this long for the page (ms); the server is local. */
const STEP = 10_000;

let browser;

before(async () => {
  assert.ok(url, "DEMO_URL is not set: run `bash scripts/demo.sh --check`");
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

for (const framework of ["leptos", "yew"]) {
  describe(`the ${framework} chat`, () => {
    let page;
    /** Page errors and console errors: the chat must produce none. */
    const problems = [];

    /** Opens the chat, with `?path=` when given, and waits until it is mounted. */
    async function open(path) {
      const address = new URL(`${framework}/`, url);
      if (path) address.searchParams.set("path", path);
      await page.goto(address.href);
      await page.waitForSelector("body[data-ready=true]");
    }

    const lines = () => page.$$eval("#log li", (items) => items.map((li) => li.textContent));
    const waitForState = (text) => page.waitForSelector(`#state:text-is(${JSON.stringify(text)})`);
    const screenshot = async (name, width, height) => {
      mkdirSync(screenshots, { recursive: true });
      await page.setViewportSize({ width, height });
      await page.screenshot({ path: join(screenshots, name), fullPage: true });
    };

    before(async () => {
      page = await watchedPage(browser, problems, STEP);
    });

    after(async () => {
      await page?.close();
    });

    it("connects to the page's own /echo and echoes what is sent", async () => {
      await open();
      await waitForState("open");
      assert.equal(await page.getAttribute("#state", "data-state"), "open");
      await page.fill("#text", "hello");
      await page.click("#send");
      await page.waitForSelector('#log li:text-is("echo: hello")');
      assert.deepEqual(await lines(), ["you: hello", "echo: hello"]);
      assert.equal(await page.inputValue("#text"), "", "the input is cleared after sending");

      await screenshot(`hooks-${framework}.png`, 1280, 900);
      await screenshot(`hooks-${framework}-phone.png`, 390, 844);
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    it("unmount, then mount: a fresh chat connects again", async () => {
      await page.click("#toggle");
      await page.waitForSelector("#state", { state: "detached" });
      assert.equal((await page.textContent("#toggle")).trim(), "Mount");
      await page.click("#toggle");
      await waitForState("open");
      assert.equal((await page.textContent("#toggle")).trim(), "Unmount");
      assert.deepEqual(await lines(), [], "the fresh chat has a log of its own");
      await page.fill("#text", "again");
      await page.click("#send");
      await page.waitForSelector('#log li:text-is("echo: again")');
    });

    it("Shutdown closes cleanly, says so, and stays closed", async () => {
      await page.click("#shutdown");
      await page.waitForFunction(() =>
        document.getElementById("state")?.textContent.startsWith("closed: closed cleanly"),
      );
      assert.equal(await page.getAttribute("#state", "data-state"), "closed");
      await page.waitForSelector("#log li.info");
      assert.match((await lines()).at(-1), /^shutdown: closed cleanly by the peer with 1000/);
      await sleep(800);
      assert.match(await page.textContent("#state"), /^closed: closed cleanly/, "no reconnect after shutdown");
      // Sending now is refused on the page, not a panic.
      await page.fill("#text", "too late");
      await page.click("#send");
      await page.waitForSelector("#log li.error");
      assert.match((await lines()).at(-1), /^not sent: /);
    });

    it("Open connects again after the shutdown", async () => {
      await page.click("#open");
      await waitForState("open");
      await page.fill("#text", "reopened");
      await page.click("#send");
      await page.waitForSelector('#log li:text-is("echo: reopened")');
    });

    it("unmounting closes the connection with code 1000 (as the server saw it)", async () => {
      const id = `hooks-${framework}-${Date.now()}`;
      await open(`/echo?id=${id}`);
      await waitForState("open");
      await page.click("#toggle");
      const report = new URL("report", url);
      report.search = new URLSearchParams({ id, wait: "tcp_closed", timeout_ms: "5000" }).toString();
      const seen = await (await fetch(report)).json();
      assert.deepEqual(seen.client_close, [1000, ""], JSON.stringify(seen));
      assert.ok(seen.close_sent && seen.tcp_closed, JSON.stringify(seen));
    });

    it("?path=/drop: dropped, retrying, open again (and Retry now is harmless)", async () => {
      await open("/drop?after_ms=400");
      await page.evaluate(() => {
        window.statesSeen = [];
        new MutationObserver(() => {
          const state = document.getElementById("state")?.dataset.state;
          if (state && state !== window.statesSeen.at(-1)) window.statesSeen.push(state);
        }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      });
      await page.waitForFunction(() => {
        const seen = window.statesSeen;
        return seen.includes("retrying") && seen.lastIndexOf("open") > seen.indexOf("retrying");
      });
      assert.match(
        (await page.evaluate(() => window.statesSeen)).join(" "),
        /retrying .*open/,
      );
      await page.click("#retry");
      await page.click("#toggle");
      await page.waitForSelector("#state", { state: "detached" });
    });

    it("produced no page errors", () => {
      assert.deepEqual(problems, []);
    });
  });
}
