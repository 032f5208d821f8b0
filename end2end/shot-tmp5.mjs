import { chromium } from "@playwright/test";
const base = "http://127.0.0.1:3300";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 } });
const page = await ctx.newPage();
const project = `demo/ui5-${Date.now().toString(36)}`;
await page.request.post(base + "/api/create_project", { form: { name: project } });
await page.goto(`${base}/p/${project}/settings/notifications/channels/new?type=email`);
await page.waitForSelector("body[data-hydrated]");
await page.waitForTimeout(1500);
const n = await page.locator("iframe").count();
console.log("iframes", n);
const f = page.frames()[1];
console.log("frame content length", (await f.content()).length);
// no reset
await page.waitForTimeout(1000);
console.log("frame content length after", (await page.frames()[1].content()).length);
await page.locator("iframe.html-frame").screenshot({ path: `/tmp/shots/frame-reset.png` });
await browser.close();
