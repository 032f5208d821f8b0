import { expect, test } from "@playwright/test";
import { channelsPath, createProject, open, routingsPath, uniqueProject } from "./helpers";

test("a new user sets up a project, a channel and a routing, and they persist", async ({ page }) => {
  const project = uniqueProject();
  await createProject(page, project);

  // Empty state points at the next step.
  await expect(page.getByText("No channels yet")).toBeVisible();
  await page.getByRole("link", { name: "Create a new channel" }).first().click();
  await expect(page.getByRole("heading", { name: "Create a new channel" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);

  await page.getByLabel("Name", { exact: true }).fill("Training alerts");
  await page.getByLabel("URL").fill("https://hooks.example.com/herald");
  await page.getByLabel("Header 1 name").fill("X-Api-Key");
  await page.getByLabel("Header 1 value").fill("abc123");
  await page.getByRole("button", { name: "Create channel" }).click();

  await expect(page.getByRole("heading", { name: "Channel “Training alerts” created" })).toBeVisible();
  const secret = await page.getByLabel("Signing secret").inputValue();
  expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);

  await page.getByRole("link", { name: "Route events to it" }).click();
  await expect(page.getByRole("heading", { name: "Project Notifications" })).toBeVisible();
  await expect(page.getByText("No routings yet")).toBeVisible();
  await page.getByLabel("Event").selectOption({ label: "Execution completes" });
  await page.getByLabel("Channel").selectOption({ label: "Training alerts" });
  await page.getByRole("button", { name: "Save routing" }).click();
  const row = page.locator("tr", { hasText: "Execution completes" });
  await expect(row).toContainText("Training alerts");
  await expect(row).toContainText("Enabled");

  // Reload: everything came from the database.
  await page.reload();
  await expect(page.locator("tr", { hasText: "Execution completes" })).toContainText("Training alerts");
  await open(page, channelsPath(project));
  const channelRow = page.locator("tr", { hasText: "Training alerts" });
  await expect(channelRow).toContainText("https://hooks.example.com/herald");
  await expect(channelRow).toContainText("Headers: X-Api-Key");
  await expect(channelRow).toContainText("1");
  await expect(page.getByText("abc123")).toHaveCount(0);
  await expect(page.getByText(secret)).toHaveCount(0);

  // The project is listed on the front page.
  await open(page, "/");
  await expect(page.getByRole("link", { name: project })).toBeVisible();
});

test("validation errors appear next to their fields and nothing is saved", async ({ page }) => {
  await open(page, "/");
  await page.getByLabel("Project name").fill("no-slash");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "owner/name" })).toBeVisible();

  const project = uniqueProject();
  await page.getByLabel("Project name").fill(project);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(channelsPath(project)));
  await open(page, "/");
  await page.getByLabel("Project name").fill(project);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByText(`A project named ${project} already exists.`)).toBeVisible();

  await open(page, `${channelsPath(project)}/new`);
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Enter a name for the channel.")).toBeVisible();
  await expect(page.getByText("Enter the URL Herald should POST to.")).toBeVisible();

  await page.getByLabel("Name", { exact: true }).fill("Ops");
  await page.getByLabel("URL").fill("ftp://files.example.com/drop");
  await page.getByLabel("Header 1 name").fill("Bad Header");
  await page.getByLabel("Header 1 value").fill("x");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("Only http and https URLs are supported, not ftp://.")).toBeVisible();
  await expect(page.getByText(/A header name may contain only/)).toBeVisible();
  await expect(page.getByText("Enter a name for the channel.")).toHaveCount(0);

  await page.getByLabel("URL").fill("https://exa mple.com/x");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("The URL may not contain spaces or control characters.")).toBeVisible();

  await open(page, channelsPath(project));
  await expect(page.getByText("No channels yet")).toBeVisible();

  // Routing: nothing chosen, then a duplicate.
  await open(page, `${channelsPath(project)}/new`);
  await page.getByLabel("Name", { exact: true }).fill("Ops");
  await page.getByLabel("URL").fill("https://ops.example.com/hook");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();
  await open(page, routingsPath(project));
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.getByText("Choose the event that triggers this notification.")).toBeVisible();
  await expect(page.getByText("Choose the channel that receives the notification.")).toBeVisible();
  await page.getByLabel("Event").selectOption("task_failed");
  await page.getByLabel("Channel").selectOption({ label: "Ops" });
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.locator("tr", { hasText: "Task fails" })).toBeVisible();
  await page.getByRole("button", { name: "Save routing" }).click();
  await expect(page.getByText("“Task fails” already goes to channel “Ops”.")).toBeVisible();
  await expect(page.locator("tbody tr")).toHaveCount(1);

  // Duplicate channel name.
  await open(page, `${channelsPath(project)}/new`);
  await page.getByLabel("Name", { exact: true }).fill("Ops");
  await page.getByLabel("URL").fill("https://other.example.com/hook");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByText("This project already has a channel named “Ops”.")).toBeVisible();
});

test("edit, disable and delete channels and routings", async ({ page }) => {
  const project = uniqueProject();
  await createProject(page, project);
  for (const name of ["Primary", "Backup"]) {
    await open(page, `${channelsPath(project)}/new`);
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("URL").fill(`https://user:hunter2@${name.toLowerCase()}.example.com/h`);
    await page.getByRole("button", { name: "Create channel" }).click();
    await expect(page.getByLabel("Signing secret")).toBeVisible();
  }
  await open(page, routingsPath(project));
  for (const event of ["execution_failed", "pipeline_failed"]) {
    await page.getByLabel("Event").selectOption(event);
    await page.getByLabel("Channel").selectOption({ label: "Primary" });
    await page.getByRole("button", { name: "Save routing" }).click();
    await expect(page.locator("tbody tr")).toHaveCount(event === "execution_failed" ? 1 : 2);
  }

  // Credentials are masked in the list.
  await open(page, channelsPath(project));
  await expect(page.locator("tr", { hasText: "Primary" })).toContainText("https://***:***@primary.example.com/h");
  await expect(page.getByText("hunter2")).toHaveCount(0);

  // Edit: rename, keep the masked credentials.
  await page.getByRole("link", { name: "Primary" }).click();
  await expect(page.getByRole("button", { name: "Save changes" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  await page.getByLabel("Name", { exact: true }).fill("Primary alerts");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("Changes saved.")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Primary alerts" })).toBeVisible();
  await page.getByLabel("URL").fill("not a url");
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText("The URL may not contain spaces or control characters.")).toBeVisible();

  // Disable and enable from the list.
  await open(page, channelsPath(project));
  await page.getByRole("button", { name: "Disable channel Backup" }).click();
  await expect(page.locator("tr", { hasText: "Backup" })).toContainText("Disabled");
  await page.reload();
  await expect(page.locator("tr", { hasText: "Backup" })).toContainText("Disabled");
  await page.getByRole("button", { name: "Enable channel Backup" }).click();
  await expect(page.locator("tr", { hasText: "Backup" })).toContainText("Enabled");

  // Routings: disable one, delete one.
  await open(page, routingsPath(project));
  await page.getByRole("button", { name: "Disable routing Pipeline fails → Primary alerts" }).click();
  await expect(page.locator("tr", { hasText: "Pipeline fails" })).toContainText("Disabled");
  await page.getByRole("button", { name: "Delete routing Pipeline fails → Primary alerts" }).click();
  await expect(page.locator("tr", { hasText: "Pipeline fails" })).toHaveCount(0);
  await expect(page.locator("tbody tr")).toHaveCount(1);

  // Deleting a channel in use asks first, naming the routing.
  await open(page, channelsPath(project));
  await page.getByRole("button", { name: "Delete channel Primary alerts" }).click();
  const dialog = page.getByRole("alertdialog");
  await expect(dialog).toContainText("Delete channel “Primary alerts”?");
  await expect(dialog).toContainText("Execution fails → Primary alerts");
  await dialog.getByRole("button", { name: "Delete channel and 1 routing" }).click();
  await expect(page.locator("tr", { hasText: "Primary alerts" })).toHaveCount(0);
  await expect(page.locator("tr", { hasText: "Backup" })).toBeVisible();
  await open(page, routingsPath(project));
  await expect(page.getByText("No routings yet")).toBeVisible();

  // An unused channel goes at once.
  await open(page, channelsPath(project));
  await page.getByRole("button", { name: "Delete channel Backup" }).click();
  await expect(page.getByText("No channels yet")).toBeVisible();
});

test("user text is shown as text, never run as markup", async ({ page }) => {
  const project = uniqueProject();
  await createProject(page, project);
  let dialogs = 0;
  page.on("dialog", (d) => {
    dialogs += 1;
    void d.dismiss();
  });
  await open(page, `${channelsPath(project)}/new`);
  const evil = "<img src=x onerror=alert(1)>";
  await page.getByLabel("Name", { exact: true }).fill(evil);
  await page.getByLabel("URL").fill("https://e.example.com/h");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();
  await open(page, channelsPath(project));
  await expect(page.getByRole("link", { name: evil })).toBeVisible();
  await expect(page.locator("img[src=x]")).toHaveCount(0);
  expect(dialogs).toBe(0);
});
