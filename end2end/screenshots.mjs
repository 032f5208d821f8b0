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
const admin = { username: "ops", password: "correct horse battery staple" };

// A fresh server asks for its first account; a used one for a sign-in.
const signInAs = async (pg, who) => {
  await pg.goto(base + "/sign-in");
  await pg.waitForSelector("body[data-hydrated]");
  await pg.getByLabel("Username").fill(who.username);
  await pg.getByLabel("Password").fill(who.password);
  await pg.getByRole("button", { name: "Sign in" }).click();
  await pg.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
};
await page.goto(base + "/");
if (page.url().endsWith("/setup")) {
  await hydrated();
  await shot("00-setup");
  await page.getByLabel("Username").fill(admin.username);
  await page.getByLabel("Password", { exact: true }).fill(admin.password);
  await page.getByLabel("Repeat the password").fill("something else");
  await page.getByRole("button", { name: "Create account and sign in" }).click();
  await page.getByText("The two passwords differ.").waitFor();
  await shot("00-setup-error");
  await page.getByLabel("Repeat the password").fill(admin.password);
  await page.getByRole("button", { name: "Create account and sign in" }).click();
  await page.waitForURL(base + "/");
} else {
  await signInAs(page, admin);
}

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

// Accounts: users, members, the audit log, a member's read-only view.
const mira = { username: `mira-${Date.now().toString(36)}`, password: "mira's long password" };
await go("/admin/users");
await page.getByLabel("Username").fill(mira.username);
await page.getByLabel("First password").fill(mira.password);
await page.getByRole("button", { name: "Create user" }).click();
await page.locator("tr", { hasText: mira.username }).waitFor();
await shot("15-users");
await go(`/p/${project}/settings/members`);
await page.getByLabel("Username").fill("nobody-here");
await page.getByRole("button", { name: "Add member" }).click();
await page.getByText(/There is no user named/).waitFor();
await shot("16-members-error");
await page.getByLabel("Username").fill(mira.username);
await page.getByRole("button", { name: "Add member" }).click();
await page.locator("tr", { hasText: mira.username }).waitFor();
await shot("17-members");
await go(`/p/${project}/settings/audit-log`);
await shot("18-audit-log");
await go("/account");
await shot("19-account");
const other = await browser.newPage({ viewport: { width: 1280, height: 860 } });
await other.goto(base + `${p}/channels`);
await other.waitForSelector("body[data-hydrated]");
await other.screenshot({ path: `${out}/19b-sign-in.png`, fullPage: true });
await other.getByLabel("Username").fill(mira.username);
await other.getByLabel("Password").fill("wrong password");
await other.getByRole("button", { name: "Sign in" }).click();
await other.getByText("The username or password is wrong.").waitFor();
await other.screenshot({ path: `${out}/19c-sign-in-error.png`, fullPage: true });
await other.getByLabel("Password").fill(mira.password);
await other.getByRole("button", { name: "Sign in" }).click();
await other.waitForURL((u) => u.pathname === `${p}/channels`);
await other.waitForSelector("body[data-hydrated]");
await other.screenshot({ path: `${out}/19d-member-channels.png`, fullPage: true });
await other.getByRole("link", { name: "Data team" }).click();
await other.getByText("You are a member of this project").waitFor();
await other.screenshot({ path: `${out}/19e-member-channel.png`, fullPage: true });
console.log(`${out}/19b..19e`);
await browser.close();

// Delivery pages need a receiver and a running dispatcher.
import { createServer } from "node:http";
const seen = [];
let answer = 200;
const receiver = createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    seen.push(1);
    res.writeHead(answer, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: answer < 300 }));
  });
});
await new Promise((r) => receiver.listen(0, "127.0.0.1", r));
const hook = `http://127.0.0.1:${receiver.address().port}/hook`;

const browser2 = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page2 = await browser2.newPage({ viewport: { width: 1280, height: 860 } });
const shot2 = async (name) => {
  await page2.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`${out}/${name}.png`);
};
const go2 = async (path) => {
  await page2.goto(base + path);
  await page2.waitForSelector("body[data-hydrated]");
};
const proj2 = `ml-platform/training-${Date.now().toString(36)}`;
const p2 = `/p/${proj2}/settings`;
await signInAs(page2, admin);
await go2("/");
await page2.getByLabel("Project name").fill(proj2);
await page2.getByRole("button", { name: "Create project" }).click();
await page2.waitForURL(`**${p2}/notifications/channels`);
await go2(`${p2}/api-tokens`);
await shot2("20-tokens-empty");
await page2.getByLabel("Token name").fill("Training cluster");
await page2.getByRole("button", { name: "Create token" }).click();
const token = await page2.getByLabel("API token").inputValue();
await shot2("21-tokens-created");
for (const [name, url] of [["Receiver", hook], ["Dead end", "http://127.0.0.1:9/hook"]]) {
  await go2(`${p2}/notifications/channels/new`);
  await page2.getByLabel("Name", { exact: true }).fill(name);
  await page2.getByLabel("URL").fill(url);
  await page2.getByRole("button", { name: "Create channel" }).click();
  await page2.getByLabel("Signing secret").waitFor();
}
await go2(`${p2}/notifications/project-notifications`);
for (const [event, channel] of [["execution_completed", "Receiver"], ["execution_failed", "Receiver"], ["execution_failed", "Dead end"]]) {
  await page2.getByLabel("Event").selectOption(event);
  await page2.getByLabel("Channel").selectOption({ label: channel });
  await page2.getByRole("button", { name: "Save routing" }).click();
  await page2.waitForTimeout(300);
}
await go2(`${p2}/notifications/deliveries`);
await shot2("22-deliveries-empty");
for (let i = 0; i < 6; i++) {
  await page2.request.post(`${base}/api/v1/events`, {
    headers: { authorization: `Bearer ${token}` },
    data: {
      type: i % 2 ? "execution_failed" : "execution_completed",
      data: { "valohai.execution-counter": 700 + i, "valohai.execution-id": `exec-${i}`, "valohai.execution-status": i % 2 ? "error" : "complete", "valohai.execution-duration": 600 + i * 61, "valohai.project-name": proj2, "valohai.creator-name": "demouser" },
    },
  });
}
await page2.waitForTimeout(2500);
await go2(`${p2}/notifications/deliveries`);
await shot2("23-deliveries-filled");
await page2.locator("tbody tr", { hasText: "Dead end" }).first().getByRole("link").click();
await page2.getByRole("heading", { name: /Attempt/ }).first().waitFor();
await shot2("24-delivery-failed");
await go2(`${p2}/notifications/deliveries`);
await page2.locator("tbody tr", { hasText: "Succeeded" }).first().getByRole("link").click();
await page2.getByRole("heading", { name: /Attempt/ }).first().waitFor();
await shot2("25-delivery-succeeded");
await go2(`${p2}/notifications/channels`);
await page2.getByRole("button", { name: "Send test to channel Receiver" }).click();
await page2.getByText("Test delivered").waitFor();
await shot2("26-channels-send-test");
await browser2.close();

// Channel types, templates, routing conditions, dry run.
const browser3 = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page3 = await browser3.newPage({ viewport: { width: 1280, height: 860 } });
const shot3 = async (name) => {
  // Frames off screen are not painted until scrolled to.
  for (const frame of await page3.locator("iframe").all()) {
    await frame.scrollIntoViewIfNeeded();
    await page3.waitForTimeout(500);
  }
  await page3.screenshot({ path: `${out}/${name}.png`, fullPage: true });
  console.log(`${out}/${name}.png`);
};
const go3 = async (path) => {
  await page3.goto(base + path);
  await page3.waitForSelector("body[data-hydrated]");
};
await signInAs(page3, admin);
const proj3 = `ml-platform/channels-${Date.now().toString(36)}`;
const p3 = `/p/${proj3}/settings/notifications`;
await go3("/");
await page3.getByLabel("Project name").fill(proj3);
await page3.getByRole("button", { name: "Create project" }).click();
await page3.waitForURL(`**${p3}/channels`);
await go3(`${p3}/channels/new?type=slack`);
await page3.getByLabel("Name", { exact: true }).fill("ML alerts");
await page3.getByLabel("Incoming-webhook URL").fill("https://example.com/hook");
await page3.getByLabel("Message body (JSON)").fill('{\n  "text": "{{ title }}"\n}');
await page3.getByRole("alert").filter({ hasText: "Line 2" }).waitFor();
await shot3("30-slack-template-error");
await page3.getByRole("button", { name: "Create channel" }).click();
await page3.getByText(/hooks\.slack\.com\/services\/ —/).first().waitFor();
await page3.getByLabel("Incoming-webhook URL").fill("https://hooks.slack.com/services/T000/B000/XXXXXXXX");
await page3.getByRole("button", { name: "Start from an example" }).click();
await page3.getByTestId("template-preview").getByText("View details>").waitFor();
await shot3("31-slack-template-preview");
await page3.getByRole("button", { name: "Create channel" }).click();
await page3.getByRole("heading", { name: /created/ }).waitFor();
for (const [kind, name, label, url] of [
  ["discord", "Discord #ml", "Webhook URL", "https://discord.com/api/webhooks/1234567890/abcDEF"],
  ["teams", "Teams ML", "Workflow URL", "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=xyz"],
]) {
  await go3(`${p3}/channels/new?type=${kind}`);
  await page3.getByLabel("Name", { exact: true }).fill(name);
  await page3.getByLabel(label).fill(url);
  await shot3(`32-${kind}-new`);
  await page3.getByRole("button", { name: "Create channel" }).click();
  await page3.getByRole("heading", { name: /created/ }).waitFor();
}
await go3(`${p3}/channels/new?type=email`);
await page3.getByLabel("Name", { exact: true }).fill("ML team mail");
await page3.getByLabel("Host").fill("smtp.example.com");
await page3.getByLabel("User name").fill("herald");
await page3.getByLabel("Password").fill("secret");
await page3.getByLabel("From").fill("Herald <herald@example.com>");
await page3.getByLabel("To", { exact: true }).fill("ml-team@example.com, oncall@example.com");
await page3.getByLabel("Subject").fill("[{{ project_name }}] {{ title }}");
await page3.getByTestId("template-preview").locator("[data-part=subject]").filter({ hasText: "[" }).waitFor();
await shot3("33-email-new");
await page3.getByRole("button", { name: "Create channel" }).click();
await page3.getByRole("heading", { name: /created/ }).waitFor();
await go3(`${p3}/channels/new`);
await page3.getByLabel("Name", { exact: true }).fill("Receiver");
await page3.getByLabel("URL").fill(hook);
await page3.getByRole("button", { name: "Create channel" }).click();
await page3.getByRole("heading", { name: /created/ }).waitFor();
await go3(`${p3}/channels`);
await shot3("34-channels-all-types");
await page3.getByRole("link", { name: "ML team mail" }).click();
await page3.getByRole("button", { name: "Save changes" }).waitFor();
await shot3("35-email-edit");
await go3(`${p3}/project-notifications`);
await page3.getByLabel("Event").selectOption("execution_completed");
await page3.getByLabel("Channel").selectOption({ label: "ML alerts" });
await page3.getByText("Only when…").click();
await page3.getByLabel("Condition 1 field").fill("valohai.execution-step");
await page3.getByLabel("Condition 1 comparison").selectOption("glob");
await page3.getByLabel("Condition 1 value").fill("Train*");
await page3.getByLabel("Condition 2 field").fill("valohai.execution-duration");
await page3.getByLabel("Condition 2 comparison").selectOption("gt");
await page3.getByLabel("Condition 2 value").fill("ten");
await page3.getByRole("button", { name: "Save routing" }).click();
await page3.getByText("is not a number").waitFor();
await shot3("36-routing-condition-errors");
await page3.getByLabel("Condition 2 value").fill("600");
await page3.getByRole("button", { name: "Save routing" }).click();
await page3.getByText("only when step matches Train* and duration > 600").waitFor();
for (const [event, channel] of [["execution_completed", "Receiver"], ["execution_failed", "ML team mail"], ["deployment_failed", "Teams ML"]]) {
  await page3.getByLabel("Event").selectOption(event);
  await page3.getByLabel("Channel").selectOption({ label: channel });
  await page3.getByRole("button", { name: "Save routing" }).click();
  await page3.locator("tbody tr").filter({ hasText: channel }).first().waitFor();
}
await shot3("37-routings-with-conditions");
await page3.getByRole("link", { name: /Edit conditions of routing Execution completes → ML alerts/ }).click();
await page3.getByRole("button", { name: "Save conditions" }).waitFor();
await shot3("38-routing-conditions");
await go3(`${p3}/dry-run`);
await shot3("39-dry-run-empty");
await page3.getByLabel("Event").selectOption("sample:execution_completed");
await page3.getByRole("button", { name: "Run dry run" }).click();
await page3.getByTestId("dry-run-summary").waitFor();
await shot3("40-dry-run-report");
await page3.getByRole("button", { name: "Send for real" }).click();
await page3.getByText(/queued/).waitFor();
await shot3("41-dry-run-sent");
await browser3.close();
receiver.close();
