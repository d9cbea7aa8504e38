// Measures the HTML pages in Debian's headless Chromium, at each window width given, and prints one JSON object:
// url → width → {innerWidth, scrollWidth, tables, headings, sommaire}, plus url → "print" → what starts a printed
// page. Usage: node page-check.mjs 375,768,1280 URL…  Exit status 2 when Chromium cannot start.
import { chromium } from "playwright-core";

const [widthList, ...urls] = process.argv.slice(2);
const widths = widthList.split(",").map(Number);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
}).catch((error) => { console.error(error.message); process.exit(2); });

function measureScreen() {
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  const nameOf = (element) => {
    const ids = element.getAttribute("aria-labelledby");
    if (ids) return squash(ids.split(" ").map((id) => document.getElementById(id)?.textContent ?? "").join(" "));
    return squash(element.getAttribute("aria-label") ?? "");
  };
  const tables = [...document.querySelectorAll("table")].map((table) => {
    const box = table.parentElement;
    const style = getComputedStyle(box);
    return {
      caption: squash(table.caption?.textContent ?? ""),
      tableWidth: table.getBoundingClientRect().width,
      boxClass: box.className, boxRole: box.getAttribute("role"), boxTabIndex: box.tabIndex,
      boxName: nameOf(box), boxOverflowX: style.overflowX,
      boxClientWidth: box.clientWidth, boxScrollWidth: box.scrollWidth,
      boxRight: box.getBoundingClientRect().right,
    };
  });
  const headings = [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")].map((h) => ({
    level: Number(h.tagName[1]), text: squash(h.textContent),
  }));
  const headingOf = (target) => {
    if (!target) return null;
    if (/^H[1-6]$/.test(target.tagName)) return target;
    const labelledBy = target.getAttribute("aria-labelledby");
    if (labelledBy && document.getElementById(labelledBy)) return document.getElementById(labelledBy);
    return target.querySelector("h1, h2, h3, h4, h5, h6");
  };
  const sommaire = [...document.querySelectorAll("nav a[href^='#']")].map((link) => {
    const item = link.closest("li");
    const heading = headingOf(document.getElementById(decodeURIComponent(link.hash.slice(1))));
    return {
      text: squash(link.textContent), target: heading ? squash(heading.textContent) : null,
      marker: item ? getComputedStyle(item).listStyleType : null,
      before: item ? getComputedStyle(item, "::before").content : null,
    };
  });
  return { innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, tables, headings,
           sommaire };
}

function measurePrint() {
  const squash = (text) => text.replace(/\s+/g, " ").trim();
  const label = (element) => squash(
    (/^H[1-6]$/.test(element.tagName) ? element : element.querySelector("h1, h2, h3, h4, h5, h6") ?? element)
      .textContent);
  const all = [...document.querySelectorAll("body *")];
  return {
    pageStarts: all.filter((e) => getComputedStyle(e).breakBefore === "page").map(label),
    coverPage: getComputedStyle(document.querySelector("body > header")).breakAfter === "page",
    landscape: all.filter((e) => getComputedStyle(e).page === "paysage").map(label),
    headingsKeepWithNext: [...document.querySelectorAll("main h1, main h2, main h3, main h4, main h5, main h6")]
      .every((h) => getComputedStyle(h).breakAfter === "avoid"),
    headerRowsRepeat: [...document.querySelectorAll("thead")]
      .every((t) => getComputedStyle(t).display === "table-header-group"),
    rowsWhole: [...document.querySelectorAll("tr")].every((r) => getComputedStyle(r).breakInside === "avoid"),
    tablesUnclipped: [...document.querySelectorAll(".tableau")]
      .every((t) => getComputedStyle(t).overflowX === "visible"),
  };
}

const results = {};
for (const url of urls) {
  results[url] = {};
  const page = await browser.newPage();
  await page.goto(url, { waitUntil: "load" });
  for (const width of widths) {
    await page.setViewportSize({ width, height: 900 });
    results[url][width] = await page.evaluate(measureScreen);
  }
  await page.emulateMedia({ media: "print" });
  results[url].print = await page.evaluate(measurePrint);
  await page.close();
}
await browser.close();
console.log(JSON.stringify(results));
