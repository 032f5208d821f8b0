// First visit to a Herald with no accounts: the set-up page creates the
// instance admin, whose session the other tests reuse.
import { expect, test as setup } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import { adminState } from "../playwright.config.mjs";
import { ADMIN } from "./helpers";

setup("the first visitor creates the instance admin", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/setup$/);
  await expect(page.getByRole("heading", { name: "Welcome to Herald" })).toBeVisible();
  await expect(page.locator("body[data-hydrated]")).toHaveCount(1);

  // Mistakes are named next to their fields and create nothing.
  await page.getByLabel("Username").fill("Not Valid!");
  await page.getByLabel("Password", { exact: true }).fill("short");
  await page.getByLabel("Repeat the password").fill("short");
  await page.getByRole("button", { name: "Create account and sign in" }).click();
  await expect(page.getByText("Use only letters, digits, dots, underscores and hyphens in a username.")).toBeVisible();
  await expect(page.getByText("Choose a password of at least 10 characters.")).toBeVisible();

  await page.getByLabel("Username").fill(ADMIN.username);
  await page.getByLabel("Password", { exact: true }).fill(ADMIN.password);
  await page.getByLabel("Repeat the password").fill(ADMIN.password);
  await page.getByRole("button", { name: "Create account and sign in" }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole("heading", { name: "Projects", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: ADMIN.username })).toBeVisible();
  await expect(page.getByRole("link", { name: "Users" })).toBeVisible();

  mkdirSync(dirname(adminState), { recursive: true });
  await page.context().storageState({ path: adminState });
});
