/**
 * puppeteer must never download its own browser (no network beyond the registries here);
 * tests and the bench launch the system Chromium instead (see bench/chrome.ts).
 * @type {import("puppeteer").Configuration}
 */
module.exports = { skipDownload: true };
