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
