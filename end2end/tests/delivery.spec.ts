import { expect, test } from "@playwright/test";
import { channelsPath, createProject, open, routingsPath, uniqueProject } from "./helpers";
import { Receiver } from "./receiver";

test("an event posted with a UI-made token is delivered, logged and redelivered", async ({ page, request }) => {
  const receiver = await Receiver.start();
  const project = uniqueProject("dlv");
  await createProject(page, project);

  // Token, shown once.
  await page.getByRole("link", { name: "API tokens" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await expect(page.getByText("No tokens yet")).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("Token name").fill("Training cluster");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByLabel("API token").inputValue();
  expect(token).toMatch(/^hrld_[A-Za-z0-9_-]{24,}$/);
  await expect(page.locator("tr", { hasText: "Training cluster" })).toContainText("Active");

  // Channel at the local receiver, and a routing.
  await open(page, `${channelsPath(project)}/new`);
  await page.getByLabel("Name", { exact: true }).fill("Local receiver");
  await page.getByLabel("URL").fill(receiver.url());
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();
  await open(page, routingsPath(project));
  await page.getByLabel("Event").selectOption("execution_completed");
  await page.getByLabel("Channel").selectOption({ label: "Local receiver" });
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.locator("tbody tr")).toHaveCount(1);

  // The platform posts an event.
  const res = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${token}` },
    data: {
      type: "execution_completed",
      data: {
        "valohai.execution-counter": 736,
        "valohai.execution-id": "0178f482-8686-fb28-8af1-3d36af38079d",
        "valohai.execution-status": "complete",
        "valohai.execution-duration": 660.0186,
        "valohai.project-name": project,
        "valohai.creator-name": "demouser",
      },
    },
  });
  expect(res.status()).toBe(202);
  expect((await res.json()).deliveries).toBe(1);
  await expect.poll(() => receiver.received.length).toBe(1);
  const message = JSON.parse(receiver.received[0].body);
  expect(message.title).toBe(`Execution finished: ${project}/#736 (completed)`);
  expect(receiver.received[0].headers["webhook-signature"]).toMatch(/^v1,/);

  // Deliveries shows it as succeeded.
  await page.getByRole("link", { name: "Deliveries" }).click();
  await expect(page.getByRole("heading", { name: "Deliveries", exact: true })).toBeVisible();
  const row = page.locator("tbody tr", { hasText: "Execution completes" });
  await expect(async () => {
    await page.reload();
    await expect(row).toContainText("Succeeded", { timeout: 500 });
  }).toPass({ timeout: 10_000 });
  await expect(row).toContainText("Local receiver");
  await expect(row).toContainText("200");

  // Its page: message, attempt, redeliver.
  await row.getByRole("link", { name: "Execution completes" }).click();
  await expect(page.getByRole("heading", { name: "Execution completes → Local receiver" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await expect(page.getByRole("heading", { name: "Attempt 1" })).toBeVisible();
  await expect(page.getByText("HTTP 200")).toBeVisible();
  await expect(page.getByText("receiver says 200")).toBeVisible();
  await page.getByRole("button", { name: "Redeliver" }).click();
  await expect.poll(() => receiver.received.length).toBe(2);
  expect(receiver.received[1].headers["webhook-id"]).toBe(receiver.received[0].headers["webhook-id"]);
  await expect(async () => {
    await page.reload();
    await expect(page.getByRole("heading", { name: "Attempt 2" })).toBeVisible({ timeout: 500 });
  }).toPass({ timeout: 10_000 });

  // Filters narrow the list.
  await open(page, `/p/${project}/settings/notifications/deliveries`);
  await page.getByLabel("Status").selectOption("failed");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page.getByText("No deliveries match these filters")).toBeVisible();

  // Revoking the token locks the platform out.
  await open(page, `/p/${project}/settings/api-tokens`);
  await page.getByRole("button", { name: "Revoke token Training cluster" }).click();
  await expect(page.locator("tr", { hasText: "Training cluster" })).toContainText("Revoked");
  const refused = await request.post("/api/v1/events", {
    headers: { authorization: `Bearer ${token}` },
    data: { type: "ping", data: {} },
  });
  expect(refused.status()).toBe(401);
  await receiver.close();
});

test("send test shows the receiver's answer in place", async ({ page }) => {
  const receiver = await Receiver.start();
  const project = uniqueProject("ping");
  await createProject(page, project);
  await open(page, `${channelsPath(project)}/new`);
  await page.getByLabel("Name", { exact: true }).fill("Pinged");
  await page.getByLabel("URL").fill(receiver.url());
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();
  await open(page, channelsPath(project));
  await page.getByRole("button", { name: "Send test to channel Pinged" }).click();
  const row = page.locator("tr", { hasText: "Pinged" });
  await expect(row.getByRole("status")).toContainText("Test delivered: HTTP 200");
  expect(JSON.parse(receiver.received[0].body).type).toBe("ping");

  receiver.status = 500;
  await open(page, routingsPath(project));
  await page.getByLabel("Event").selectOption("task_failed");
  await page.getByLabel("Channel").selectOption({ label: "Pinged" });
  await page.getByRole("button", { name: "Save routing" }).click();
  await page.getByRole("button", { name: "Send test for routing Task fails → Pinged" }).click();
  await expect(page.locator("tr", { hasText: "Task fails" }).getByRole("status")).toContainText("Test failed: HTTP 500");
  expect(JSON.parse(receiver.received[1].body).type).toBe("task_failed");
  await receiver.close();
});
