import { expect, Page } from "@playwright/test";

/** A project name no other test uses. */
export function uniqueProject(prefix = "e2e"): string {
  const id = Math.random().toString(36).slice(2, 8);
  return `${prefix}/proj-${Date.now().toString(36)}-${id}`;
}

/** Opens a page and, when JavaScript runs, waits until the app has hydrated. */
export async function open(page: Page, path: string, hydrated = true) {
  await page.goto(path);
  if (hydrated) {
    await expect(page.locator("body[data-hydrated]")).toHaveCount(1);
  }
}

export async function createProject(page: Page, name: string, hydrated = true) {
  await open(page, "/", hydrated);
  await page.getByLabel("Project name").fill(name);
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page).toHaveURL(new RegExp(`/p/${name}/settings/notifications/channels$`));
  await expect(page.getByRole("heading", { name: "Channels", exact: true })).toBeVisible();
}

export function channelsPath(project: string) {
  return `/p/${project}/settings/notifications/channels`;
}

export function routingsPath(project: string) {
  return `/p/${project}/settings/notifications/project-notifications`;
}

/** Create a new channel, optionally of a given type (`?type=slack`). */
export function newChannelPath(project: string, kind?: string) {
  return `${channelsPath(project)}/new${kind ? `?type=${kind}` : ""}`;
}

export function dryRunPath(project: string) {
  return `/p/${project}/settings/notifications/dry-run`;
}

/** The instance admin that auth.setup.ts creates on first visit. */
export const ADMIN = { username: "e2e-admin", password: "correct horse battery staple" };

/** A username no other test uses. */
export function uniqueUser(prefix = "user"): string {
  return `${prefix}-${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
}

export async function signIn(page: Page, username: string, password: string) {
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
}

/** Creates an account on the Users page (the current page must be signed in as an instance admin). */
export async function createUser(page: Page, username: string, password: string) {
  await open(page, "/admin/users");
  await page.getByLabel("Username").fill(username);
  await page.getByLabel("First password").fill(password);
  await page.getByRole("button", { name: "Create user" }).click();
  await expect(page.locator("tr", { hasText: username })).toBeVisible();
}

export function membersPath(project: string) {
  return `/p/${project}/settings/members`;
}
