// Drives the live preview as a person would: opens the page in headless Chromium, checks a text is shown, saves
// a content file with that text replaced, and waits for the page to show the new text by itself.
// Usage: node preview-check.mjs URL FILE OLD NEW — prints {"before": bool, "after": bool, "constats": n}.
import { chromium } from "playwright-core";
import { readFileSync, writeFileSync } from "node:fs";

const [url, file, oldText, newText] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage();
await page.goto(url, { waitUntil: "load" });
const before = (await page.innerText("body")).includes(oldText);
const constats = await page.locator(".constat").count();
await page.waitForTimeout(500); // the page is listening for changes
writeFileSync(file, readFileSync(file, "utf8").replace(oldText, newText));
let after = false;
try {
  await page.waitForFunction((text) => document.body && document.body.innerText.includes(text), newText,
                             { timeout: 20000, polling: 200 });
  after = true;
} catch (error) { after = false; }
await browser.close();
console.log(JSON.stringify({ before, after, constats }));
