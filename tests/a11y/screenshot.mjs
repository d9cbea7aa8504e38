// Screenshot of a page at a width, scrolled to an element: node shot.mjs URL WIDTH HEIGHT SELECTOR OUT.png
// (the page's whole scroll width is captured, so a page pushed wider than the window shows it)
import { chromium } from "playwright-core";
const [url, width, height, selector, out] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: Number(width), height: Number(height) } });
await page.goto(url, { waitUntil: "load" });
const top = await page.evaluate((s) => document.querySelector(s).getBoundingClientRect().top + scrollY - 10, selector);
const pageWidth = await page.evaluate(() => document.documentElement.scrollWidth);
await page.screenshot({ path: out, fullPage: true, clip: { x: 0, y: top, width: pageWidth, height: Number(height) } });
await browser.close();
