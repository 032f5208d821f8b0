import { chromium } from "@playwright/test";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage({ viewport: { width: 600, height: 300 } });
await page.setContent('<iframe sandbox="" srcdoc="<h1>hi sandboxed</h1>"></iframe><iframe srcdoc="<h1>hi plain</h1>"></iframe>');
await page.waitForTimeout(500);
await page.screenshot({ path: "/tmp/shots/mini.png" });
await browser.close();
