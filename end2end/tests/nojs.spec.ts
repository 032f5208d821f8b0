import { expect, test } from "@playwright/test";
import { channelsPath, createProject, open, routingsPath, uniqueProject } from "./helpers";

test.use({ javaScriptEnabled: false });

test("every create flow works with JavaScript disabled", async ({ page }) => {
  const project = uniqueProject("nojs");
  await createProject(page, project, false);

  await open(page, `${channelsPath(project)}/new`, false);
  await page.getByLabel("Name", { exact: true }).fill("Plain hook");
  await page.getByLabel("URL").fill("https://plain.example.com/hook");
  await page.getByLabel("Header 1 name").fill("X-Plain");
  await page.getByLabel("Header 1 value").fill("yes");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Channel created.")).toBeVisible();
  const secret = await page.getByLabel("Signing secret").inputValue();
  expect(secret).toMatch(/^whsec_/);
  // The secret is shown once: reloading the same address does not show it.
  await page.reload();
  await expect(page.getByLabel("Signing secret")).toHaveCount(0);

  await open(page, routingsPath(project), false);
  await page.getByLabel("Event").selectOption("deployment_failed");
  await page.getByLabel("Channel").selectOption({ label: "Plain hook" });
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.locator("tr", { hasText: "Deployment fails" })).toContainText("Plain hook");

  await open(page, channelsPath(project), false);
  await expect(page.locator("tr", { hasText: "Plain hook" })).toContainText("Headers: X-Plain");
});

test("validation errors show with JavaScript disabled", async ({ page }) => {
  await open(page, "/", false);
  await page.getByLabel("Project name").fill("bad name/x");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText(/The owner part may contain only letters/)).toBeVisible();

  const project = uniqueProject("nojs");
  await createProject(page, project, false);
  await open(page, `${channelsPath(project)}/new`, false);
  await page.getByLabel("Name", { exact: true }).fill("x");
  await page.getByLabel("URL").fill("ftp://nope.example.com");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Only http and https URLs are supported, not ftp://.")).toBeVisible();
  await open(page, channelsPath(project), false);
  await expect(page.getByText("No channels yet")).toBeVisible();
});

test("deleting an in-use channel asks for confirmation without JavaScript", async ({ page }) => {
  const project = uniqueProject("nojs");
  await createProject(page, project, false);
  await open(page, `${channelsPath(project)}/new`, false);
  await page.getByLabel("Name", { exact: true }).fill("Used");
  await page.getByLabel("URL").fill("https://used.example.com/hook");
  await page.getByRole("button", { name: "Create channel" }).click();
  await open(page, routingsPath(project), false);
  await page.getByLabel("Event").selectOption("task_completed");
  await page.getByLabel("Channel").selectOption({ label: "Used" });
  await page.getByRole("button", { name: "Save routing" }).click();
  await open(page, channelsPath(project), false);
  await page.getByRole("button", { name: "Delete channel Used" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Task completes → Used");
  await dialog.getByRole("button", { name: "Delete channel and 1 routing" }).click();
  await expect(page.getByText("No channels yet")).toBeVisible();
});

test("an API token can be created and seen once without JavaScript", async ({ page }) => {
  const project = uniqueProject("nojs");
  await createProject(page, project, false);
  await open(page, `/p/${project}/settings/api-tokens`, false);
  await page.getByLabel("Token name").fill("Plain");
  await page.getByRole("button", { name: "Create token" }).click();
  const token = await page.getByLabel("API token").inputValue();
  expect(token).toMatch(/^hrld_/);
  await page.reload();
  await expect(page.getByLabel("API token")).toHaveCount(0);
  await expect(page.locator("tr", { hasText: "Plain" })).toContainText("Active");
});
