import { expect, Page, test } from "@playwright/test";
import { channelsPath, createProject, dryRunPath, newChannelPath, open, routingsPath, uniqueProject } from "./helpers";
import { Receiver } from "./receiver";

const SLACK = "https://hooks.slack.com/services/T0001/B0002/sl4ckT0ken";
const DISCORD = "https://discord.com/api/webhooks/123456789/d1sc0rdT0ken";
const TEAMS = "https://prod-12.westeurope.logic.azure.com:443/workflows/abc/triggers/manual/paths/invoke?api-version=2016-06-01&sig=t3amsS1g";

async function pickType(page: Page, label: string) {
  await page.getByRole("navigation", { name: "Channel type" }).getByRole("link", { name: new RegExp(`^${label}`) }).click();
}

test("a channel of each type is created from the type picker", async ({ page }) => {
  const project = uniqueProject("types");
  await createProject(page, project);
  await open(page, newChannelPath(project));

  await pickType(page, "Slack");
  await expect(page).toHaveURL(/\?type=slack$/);
  await page.getByLabel("Name", { exact: true }).fill("Slack alerts");
  await page.getByLabel("Incoming-webhook URL").fill("https://example.com/not-slack");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText(/A Slack incoming-webhook URL starts with https:\/\/hooks\.slack\.com\/services\//)).toBeVisible();
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Slack alerts");
  await page.getByLabel("Incoming-webhook URL").fill(SLACK);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Channel “Slack alerts” created" })).toBeVisible();
  await expect(page.getByLabel("Signing secret")).toHaveCount(0);

  await open(page, newChannelPath(project));
  await pickType(page, "Discord");
  await page.getByLabel("Name", { exact: true }).fill("Discord #ml");
  await page.getByLabel("Webhook URL").fill(DISCORD);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Channel “Discord #ml” created" })).toBeVisible();

  await open(page, newChannelPath(project));
  await pickType(page, "Microsoft Teams");
  await page.getByLabel("Name", { exact: true }).fill("Teams ML");
  await page.getByLabel("Workflow URL").fill(TEAMS);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Channel “Teams ML” created" })).toBeVisible();

  await open(page, newChannelPath(project));
  await pickType(page, "Email");
  await page.getByLabel("Name", { exact: true }).fill("ML mailbox");
  await page.getByLabel("Host").fill("smtp.example.com");
  await page.getByLabel("User name").fill("herald");
  await page.getByLabel("From").fill("Herald <herald@example.com>");
  await page.getByLabel("To", { exact: true }).fill("ml@example.com, oncall@example.com");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Enter the password for herald.")).toBeVisible();
  await page.getByLabel("Password").fill("sm7p-Passw0rd");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Channel “ML mailbox” created" })).toBeVisible();

  await open(page, newChannelPath(project));
  await page.getByLabel("Name", { exact: true }).fill("Own service");
  await page.getByLabel("URL").fill("https://hooks.example.com/herald");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();

  await open(page, channelsPath(project));
  const row = (name: string) => page.locator("tr", { hasText: name });
  await expect(row("Slack alerts")).toContainText("Slack");
  await expect(row("Slack alerts")).toContainText("https://hooks.slack.com/services/T0001/B0002/***");
  await expect(row("Discord #ml")).toContainText("Discord");
  await expect(row("Teams ML")).toContainText("Teams");
  await expect(row("ML mailbox")).toContainText("ml@example.com, oncall@example.com via smtp.example.com:587");
  await expect(row("Own service")).toContainText("Webhook");
  for (const secret of ["sl4ckT0ken", "d1sc0rdT0ken", "t3amsS1g", "sm7p-Passw0rd"]) {
    await expect(page.getByText(secret)).toHaveCount(0);
  }

  // The e-mail channel's page keeps the password without showing it.
  await row("ML mailbox").getByRole("link", { name: "ML mailbox" }).click();
  await expect(page.getByLabel("Password")).toHaveAttribute("placeholder", "•••••• (unchanged)");
  await expect(page.getByLabel("Password")).toHaveValue("");
  await page.getByLabel("Port").fill("2525");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByLabel("Port")).toHaveValue("2525");
});

test.describe("without JavaScript", () => {
  test.use({ javaScriptEnabled: false });

  test("the type choice works without JavaScript", async ({ page }) => {
    const project = uniqueProject("types");
    await createProject(page, project, false);
    await open(page, newChannelPath(project), false);
    await pickType(page, "Discord");
    await expect(page).toHaveURL(/\?type=discord$/);
    await page.getByLabel("Name", { exact: true }).fill("Plain Discord");
    await page.getByLabel("Webhook URL").fill("https://discord.com/api/webhooks/abc/def");
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByText(/This is not a Discord webhook URL/)).toBeVisible();
    await expect(page).toHaveURL(/type=discord/);
    await page.getByLabel("Name", { exact: true }).fill("Plain Discord");
    await page.getByLabel("Webhook URL").fill(DISCORD);
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByText("Channel created.")).toBeVisible();
    await expect(page.getByRole("heading", { name: "Plain Discord" })).toBeVisible();
  });
});

test("the template preview follows the typing and points at mistakes", async ({ page }) => {
  const project = uniqueProject("tpl");
  await createProject(page, project);
  await open(page, newChannelPath(project, "slack"));
  const preview = page.getByTestId("template-preview");
  // Herald's default first.
  await expect(preview).toContainText('"text": "Execution finished:');
  await expect(page.getByText("Default message", { exact: true })).toBeVisible();

  const body = page.getByLabel("Message body (JSON)");
  await body.fill('{"text": {{ "Done: " ~ title }}}');
  await expect(preview).toContainText('"text": "Done: Execution finished:');
  await expect(page.getByText("Custom template", { exact: true })).toBeVisible();
  await page.getByLabel("Preview with a sample of").selectOption("deployment_failed");
  await expect(preview).toContainText('"text": "Done: Deployment failed:');

  await body.fill('{\n  "text": "{{ title }}"\n}');
  await expect(preview.getByRole("alert")).toContainText("Line 2, column");
  await expect(preview.getByRole("alert")).toContainText("without quotes");
  await body.fill('{"text": {{ title }');
  await expect(preview.getByRole("alert")).toContainText("syntax error");

  // Saving a broken template is refused, with the place.
  await page.getByLabel("Name", { exact: true }).fill("Templated");
  await page.getByLabel("Incoming-webhook URL").fill(SLACK);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.locator(".field-error", { hasText: /Line 1, column \d+: syntax error/ })).toBeVisible();

  await page.getByRole("button", { name: "Start from an example" }).click();
  await expect(preview).toContainText("View details>");
  await expect(preview.getByRole("alert")).toHaveCount(0);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByRole("heading", { name: "Channel “Templated” created" })).toBeVisible();
  await open(page, channelsPath(project));
  await expect(page.locator("tr", { hasText: "Templated" })).toContainText("Custom template");
});

test("an e-mail preview shows the subject, the text and the HTML", async ({ page }) => {
  const project = uniqueProject("tpl");
  await createProject(page, project);
  await open(page, newChannelPath(project, "email"));
  await page.getByLabel("Subject").fill("[{{ project_name }}] {{ title }}");
  const preview = page.getByTestId("template-preview");
  await expect(preview.locator("[data-part=subject]")).toHaveText(`[${project}] Execution finished: ${project}/#736 (completed)`);
  await expect(preview.locator("[data-part=text]")).toContainText("Step: Train model (MNIST)");
  // The HTML part renders in a sandboxed frame (no scripts, no access to the page).
  const frame = page.locator("iframe.html-frame");
  await expect(frame).toHaveAttribute("sandbox", "");
  await expect(frame).toHaveAttribute("srcdoc", /<h1 [^>]*>Execution finished: /);
  await frame.scrollIntoViewIfNeeded();
  await expect(page.frameLocator("iframe.html-frame").locator("h1")).toContainText("Execution finished:");
});

test("a dry run shows what would be sent, then sends it for real", async ({ page }) => {
  const receiver = await Receiver.start();
  const project = uniqueProject("dry");
  await createProject(page, project);
  await open(page, newChannelPath(project));
  await page.getByLabel("Name", { exact: true }).fill("Receiver");
  await page.getByLabel("URL").fill(receiver.url());
  await page.getByLabel("Header 1 name").fill("X-Api-Key");
  await page.getByLabel("Header 1 value").fill("k3y-s3cret");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();

  // One routing for the event, with a condition the sample meets; one for another event.
  await open(page, routingsPath(project));
  await page.getByLabel("Event").selectOption("execution_completed");
  await page.getByLabel("Channel").selectOption({ label: "Receiver" });
  await page.getByText("Only when…").click();
  await page.getByLabel("Condition 1 field").fill("valohai.execution-duration");
  await page.getByLabel("Condition 1 comparison").selectOption("gt");
  await page.getByLabel("Condition 1 value").fill("ten minutes");
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.getByText("“ten minutes” is not a number")).toBeVisible();
  await page.getByLabel("Condition 1 value").fill("600");
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.locator("tr", { hasText: "Receiver" })).toContainText("only when duration > 600");
  await page.getByLabel("Event").selectOption("task_failed");
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(2);

  await page.getByRole("link", { name: "Dry run" }).click();
  await expect(page.getByRole("heading", { name: "Dry run", exact: true })).toBeVisible();
  await page.getByLabel("Event").selectOption("sample:execution_completed");
  await page.getByRole("button", { name: "Run dry run" }).click();
  await expect(page.getByTestId("dry-run-summary")).toHaveText("Would send to 1 of 2 routings");
  const match = page.locator("section[data-routing='Execution completes → Receiver']");
  await expect(match).toContainText("Would send");
  await expect(match.locator("[data-part=headers]")).toContainText("webhook-signature: v1,");
  await expect(match.locator("[data-part=headers]")).toContainText("X-Api-Key: ••••••");
  await expect(page.getByText("k3y-s3cret")).toHaveCount(0);
  await expect(page.locator("section[data-routing='Task fails → Receiver']")).toContainText("It is for “Task fails” events.");
  expect(receiver.received.length).toBe(0);

  await page.getByRole("button", { name: "Send for real" }).click();
  await expect(page.getByText("Sent: 1 delivery queued.")).toBeVisible();
  await expect.poll(() => receiver.received.length).toBe(1);
  expect(JSON.parse(receiver.received[0].body).title).toBe(`Execution finished: ${project}/#736 (completed)`);

  // A sample that fails the condition says why.
  await page.getByLabel("Event").selectOption("sample:execution_failed");
  await page.getByRole("button", { name: "Run dry run" }).click();
  await expect(page.getByTestId("dry-run-summary")).toHaveText("Would send to 0 of 2 routings");
  await receiver.close();
});

test("routing conditions are edited on the routing's page", async ({ page }) => {
  const project = uniqueProject("cond");
  await createProject(page, project);
  await open(page, newChannelPath(project));
  await page.getByLabel("Name", { exact: true }).fill("Hook");
  await page.getByLabel("URL").fill("https://hooks.example.com/x");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();
  await open(page, routingsPath(project));
  await page.getByLabel("Event").selectOption("execution_failed");
  await page.getByLabel("Channel").selectOption({ label: "Hook" });
  await page.getByRole("button", { name: "Save routing" }).click();
  const row = page.locator("tr", { hasText: "Execution fails" });
  await expect(row).toContainText("every event");
  await row.getByRole("link", { name: /Edit conditions/ }).click();
  await expect(page.getByTestId("conditions-words")).toHaveText("Sends every “Execution fails” event.");
  await page.getByLabel("Condition 1 field").fill("valohai.execution-step");
  await page.getByLabel("Condition 1 comparison").selectOption("glob");
  await page.getByLabel("Condition 1 value").fill("train[");
  await page.getByRole("button", { name: "Save conditions" }).click();
  await expect(page.getByText(/is never closed with \]/)).toBeVisible();
  await page.getByLabel("Condition 1 value").fill("train*");
  await page.getByRole("button", { name: "Save conditions" }).click();
  await expect(page.getByText("Conditions saved.")).toBeVisible();
  await expect(page.getByTestId("conditions-words")).toHaveText("Sends “Execution fails” events only when step matches train*.");
  await open(page, routingsPath(project));
  await expect(page.locator("tr", { hasText: "Execution fails" })).toContainText("only when step matches train*");
});
