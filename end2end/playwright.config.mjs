// Playwright drives Debian's Chromium (no browser download) against a
// freshly built Herald with its own empty data directory.
import { defineConfig } from "@playwright/test";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const port = process.env.HERALD_E2E_PORT || "3100";
const baseURL = `http://127.0.0.1:${port}`;
const root = resolve(import.meta.dirname, "..");
const targetDir = process.env.CARGO_TARGET_DIR || join(root, "target");
const dataDir = process.env.HERALD_E2E_DATA_DIR || mkdtempSync(join(tmpdir(), "herald-e2e-"));
// Where auth.setup.ts leaves the signed-in admin's cookies.
export const adminState = join(import.meta.dirname, ".auth", "admin.json");
const launchOptions = {
  executablePath: process.env.CHROMIUM_PATH || "/usr/bin/chromium",
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};

export default defineConfig({
  testDir: "./tests",
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  workers: 2,
  retries: 0,
  reporter: [["list"]],
  outputDir: "test-results",
  use: {
    baseURL,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
  },
  projects: [
    // First-visit set-up creates the instance admin and saves its session;
    // every other test starts signed in as that admin.
    {
      name: "setup",
      testMatch: /auth\.setup\.ts/,
      use: { browserName: "chromium", launchOptions },
    },
    {
      name: "chromium",
      dependencies: ["setup"],
      use: {
        browserName: "chromium",
        storageState: adminState,
        launchOptions,
      },
    },
  ],
  webServer: {
    command: process.env.HERALD_BIN || join(targetDir, "debug", "herald"),
    cwd: root,
    url: `${baseURL}/healthz`,
    timeout: 60_000,
    reuseExistingServer: false,
    stdout: "ignore",
    stderr: "pipe",
    env: {
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.LEPTOS_SITE_ROOT || join(root, "target", "site"),
      LEPTOS_OUTPUT_NAME: "herald",
      LEPTOS_ENV: "PROD",
      HERALD_DATA_DIR: dataDir,
      DATABASE_URL: "",
      HERALD_PUBLIC_URL: baseURL,
      // The tests' receivers listen on loopback, which the SSRF guard refuses by default.
      HERALD_ALLOWED_NETWORKS: "127.0.0.0/8",
      HERALD_RETRY_SCHEDULE: "0,500ms,1s",
      RUST_LOG: "warn",
    },
  },
});
