import { chromium } from "@playwright/test";
const base = "http://127.0.0.1:3300";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const js of [false, true]) {
  const ctx = await browser.newContext({ viewport: { width: 1280, height: 860 }, javaScriptEnabled: js });
  const page = await ctx.newPage();
  const project = `demo/ui4-${Date.now().toString(36)}${js}`;
  await page.request.post(base + "/api/create_project", { form: { name: project } });
  await page.goto(`${base}/p/${project}/settings/notifications/channels/new?type=email`);
  await page.waitForTimeout(2500);
  await page.locator("iframe.html-frame").screenshot({ path: `/tmp/shots/frame-${js}.png` });
  console.log(page.frames().map((f) => f.url()));
}
await browser.close();
