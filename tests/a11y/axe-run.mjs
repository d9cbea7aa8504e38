// Runs axe-core (WCAG 2.0/2.1 A and AA rules) on each URL given, in Debian's headless Chromium, and prints
// one JSON object: url → violations (id, impact, help, targets). Exit status 2 when Chromium cannot start.
import { chromium } from "playwright-core";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const axePath = require.resolve("axe-core/axe.min.js");
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const browser = await chromium.launch({
  executablePath,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
}).catch((error) => { console.error(error.message); process.exit(2); });
const results = {};
for (const url of process.argv.slice(2)) {
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: "load" });
  await page.addScriptTag({ path: axePath });
  const report = await page.evaluate(() => axe.run(document, {
    runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
  }));
  results[url] = report.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
  }));
  await page.close();
}
await browser.close();
console.log(JSON.stringify(results, null, 1));
