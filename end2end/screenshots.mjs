// Takes a screenshot of every page, empty, filled and with validation
// errors, for a person to look at. Usage: node end2end/screenshots.mjs <base-url> <out-dir>
import { chromium } from "@playwright/test";
import { mkdirSync } from "node:fs";

const base = process.argv[2] || "http://127.0.0.1:3000";
const out = process.argv[3] || "screenshots";
mkdirSync(out, { recursive: true });

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 860 } });
const shot = async (name) => {
  await page.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`${out}/${name}.png`);
};
const hydrated = () => page.waitForSelector("body[data-hydrated]");
const go = async (path) => {
  await page.goto(base + path);
  await hydrated();
};

const project = `demo/cool-tensorflow-${Date.now().toString(36)}`;
const p = `/p/${project}/settings/notifications`;

await go("/");
await shot("01-projects");
await page.getByLabel("Project name").fill("not a project");
await page.getByRole("button", { name: "Create project" }).click();
await page.getByRole("alert").first().waitFor();
await shot("02-projects-error");
await page.getByLabel("Project name").fill(project);
await page.getByRole("button", { name: "Create project" }).click();
await page.waitForURL(`**${p}/channels`);
await hydrated();
await shot("03-channels-empty");

await go(`${p}/channels/new`);
await shot("04-channel-new");
await page.getByLabel("URL").fill("ftp://files.example.com");
await page.getByLabel("Header 1 name").fill("Bad Header");
await page.getByRole("button", { name: "Create channel" }).click();
await page.getByText("Enter a name for the channel.").waitFor();
await shot("05-channel-new-errors");
await page.getByLabel("Name", { exact: true }).fill("Training alerts");
await page.getByLabel("URL").fill("https://user:secret@hooks.example.com/services/herald");
await page.getByLabel("Header 1 name").fill("X-Api-Key");
await page.getByLabel("Header 1 value").fill("abc");
await page.getByRole("button", { name: "Create channel" }).click();
await page.getByLabel("Signing secret").waitFor();
await shot("06-channel-created");

await go(`${p}/project-notifications`);
await shot("07-routings-empty");
await page.getByRole("button", { name: "Save routing" }).click();
await page.getByText("Choose the event that triggers this notification.").waitFor();
await shot("08-routings-error");

for (const [name, url] of [["Deploy bot", "https://deploy.example.com/hook"], ["Data team", "https://data.example.com/in"]]) {
  await go(`${p}/channels/new`);
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("URL").fill(url);
  await page.getByRole("button", { name: "Create channel" }).click();
  await page.getByLabel("Signing secret").waitFor();
}
await go(`${p}/project-notifications`);
for (const [event, channel] of [["execution_completed", "Training alerts"], ["execution_failed", "Training alerts"], ["deployment_failed", "Deploy bot"], ["dataset_version_created", "Data team"]]) {
  await page.getByLabel("Event").selectOption(event);
  await page.getByLabel("Channel").selectOption({ label: channel });
  await page.getByRole("button", { name: "Save routing" }).click();
  await page.locator("tbody tr").filter({ hasText: channel }).first().waitFor();
  await page.waitForTimeout(200);
}
await page.getByRole("button", { name: /Disable routing Dataset/ }).click();
await page.waitForTimeout(400);
await shot("09-routings-filled");

await go(`${p}/channels`);
await page.getByRole("button", { name: "Disable channel Data team" }).click();
await page.waitForTimeout(400);
await shot("10-channels-filled");
await page.getByRole("button", { name: "Delete channel Training alerts" }).click();
await page.getByRole("alertdialog").waitFor();
await shot("11-channels-confirm-delete");

await go(`${p}/channels`);
await page.getByRole("link", { name: "Training alerts" }).click();
await page.getByRole("button", { name: "Save changes" }).waitFor();
await shot("12-channel-edit");

await go("/");
await shot("13-projects-filled");
await page.goto(`${base}/p/ghost/none/settings/notifications/channels`);
await shot("14-not-found");
await browser.close();
