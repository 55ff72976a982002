// What the end-to-end checks share: headless Chromium as this machine runs it, and a page
// that collects its errors.

import { chromium } from "playwright-core";

/** Headless Chromium (CHROMIUM, default /usr/bin/chromium) with the flags it needs as root. */
export function launchChromium() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });
}

/**
 * A new page whose page errors and console errors go to `problems`, and whose every step
 * waits at most `step` ms. Chromium itself reports a WebSocket that ends without a closing
 * handshake ("WebSocket connection to ... failed"): that is a drop case doing its job.
 */
export async function watchedPage(browser, problems, step) {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(step);
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error" && !message.text().startsWith("WebSocket connection to")) {
      problems.push(`console error: ${message.text()}`);
    }
  });
  return page;
}
