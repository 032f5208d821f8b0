import { expect, test } from "@playwright/test";
import {
  ADMIN,
  channelsPath,
  createProject,
  createUser,
  membersPath,
  open,
  signIn,
  uniqueProject,
  uniqueUser,
} from "./helpers";

test.describe("signed out", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("sign-in refuses a wrong password, returns to the page asked for, and sign-out ends the session", async ({ page }) => {
    const wanted = "/admin/users";
    await page.goto(wanted);
    await expect(page).toHaveURL(/\/sign-in\?next=\/admin\/users$/);
    await expect(page.getByRole("heading", { name: "Sign in to Herald" })).toBeVisible();
    await expect(page.getByRole("link", { name: "Projects" })).toHaveCount(0);
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);

    await signIn(page, ADMIN.username, "not the password");
    await expect(page.getByText("The username or password is wrong.")).toBeVisible();
    await expect(page).toHaveURL(/\/sign-in/);

    await signIn(page, ADMIN.username, ADMIN.password);
    await expect(page).toHaveURL(new RegExp(`${wanted}$`));
    await expect(page.getByRole("heading", { name: "Users" })).toBeVisible();
    await expect(page.getByRole("link", { name: ADMIN.username })).toBeVisible();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
    // The session is gone on the server: the old page sends us back to sign in.
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
  });

  test("sign-in works without JavaScript", async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: false, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    await page.goto("/");
    await expect(page).toHaveURL(/\/sign-in$/);
    await signIn(page, ADMIN.username, "wrong password!");
    await expect(page.getByText("The username or password is wrong.")).toBeVisible();
    await signIn(page, ADMIN.username, ADMIN.password);
    await expect(page.getByRole("heading", { name: "Projects", exact: true })).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/sign-in$/);
    await context.close();
  });
});

test("a member sees no admin controls and is refused when forcing the request", async ({ page, browser }) => {
  const project = uniqueProject("roles");
  const mira = uniqueUser("mira");
  const password = "mira's long password";
  await createProject(page, project);
  await open(page, `${channelsPath(project)}/new`);
  await page.getByLabel("Name", { exact: true }).fill("Prod alerts");
  await page.getByLabel("URL").fill("https://hooks.example.com/prod");
  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page.getByLabel("Signing secret")).toBeVisible();

  await createUser(page, mira, password);
  await open(page, membersPath(project));
  await page.getByLabel("Username").fill("no-such-person");
  await page.getByRole("button", { name: "Add member" }).click();
  await expect(page.getByText("There is no user named no-such-person.", { exact: false })).toBeVisible();
  await page.getByLabel("Username").fill(mira);
  await page.getByLabel("Role").selectOption("member");
  await page.getByRole("button", { name: "Add member" }).click();
  const row = page.locator("tr", { hasText: mira });
  await expect(row).toContainText("Member");

  // Mira, in her own browser.
  const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
  const hers = await context.newPage();
  await hers.goto(channelsPath(project));
  await expect(hers).toHaveURL(/\/sign-in\?next=/);
  await signIn(hers, mira, password);
  await expect(hers).toHaveURL(new RegExp(`${channelsPath(project)}$`));
  await expect(hers.locator("body[data-hydrated]")).toHaveCount(1);
  const channelRow = hers.locator("tr", { hasText: "Prod alerts" });
  await expect(channelRow).toBeVisible();
  await expect(hers.getByText("Member: read-only")).toBeVisible();
  await expect(channelRow.getByRole("button", { name: /Send test/ })).toBeVisible();
  await expect(channelRow.getByRole("button", { name: /Delete/ })).toHaveCount(0);
  await expect(channelRow.getByRole("button", { name: /Disable/ })).toHaveCount(0);
  await expect(hers.getByRole("link", { name: "Create a new channel" })).toHaveCount(0);
  await expect(hers.getByRole("link", { name: "API tokens" })).toHaveCount(0);
  await expect(hers.getByRole("link", { name: "Users" })).toHaveCount(0);

  // Forcing the request from her session is refused, and nothing changes.
  const channelId = (await channelRow.getByRole("link", { name: "Prod alerts" }).getAttribute("href"))!.split("/").pop()!;
  const forced = await hers.request.post("/api/delete_channel", {
    form: { project, id: channelId, confirm: "yes" },
    headers: { Accept: "application/json" },
  });
  expect(forced.status()).toBe(403);
  expect(await forced.text()).toContain("Only project admins");
  const users = await hers.request.post("/api/list_users", { headers: { Accept: "application/json" } });
  expect(users.status()).toBe(403);
  await hers.reload();
  await expect(hers.locator("tr", { hasText: "Prod alerts" })).toBeVisible();

  // The admin sees who did what.
  await open(page, `/p/${project}/settings/audit-log`);
  await expect(page.locator("tr", { hasText: "created channel" })).toContainText("Prod alerts");
  await expect(page.locator("tr", { hasText: "added member" })).toContainText(mira);
  await context.close();
});

test("the account page lists this browser's session and changes the password", async ({ page }) => {
  const user = uniqueUser("ada");
  await createUser(page, user, "first password 1");
  const context = await page.context().browser()!.newContext({ storageState: { cookies: [], origins: [] } });
  const hers = await context.newPage();
  await hers.goto("/sign-in");
  await signIn(hers, user, "first password 1");
  await expect(hers).toHaveURL(/\/$/);
  await open(hers, "/account");
  await expect(hers.locator("tr", { hasText: "This browser" })).toBeVisible();
  await hers.getByLabel("Current password").fill("wrong one");
  await hers.getByLabel("New password", { exact: true }).fill("second password 2");
  await hers.getByLabel("Repeat the new password").fill("second password 2");
  await hers.getByRole("button", { name: "Change password" }).click();
  await expect(hers.getByText("That is not your current password.")).toBeVisible();
  await hers.getByLabel("Current password").fill("first password 1");
  await hers.getByRole("button", { name: "Change password" }).click();
  await expect(hers.getByText("Password changed.")).toBeVisible();
  await context.close();
});
