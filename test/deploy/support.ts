/**
 * The deployment files and the tools that check them offline: Kustomize's
 * Go library and the Compose parser through deploy_check.py in .venv-deploy,
 * kubernetes-validate from the same venv, HAProxy from Debian's package
 * (test/setup/prepare.ts installs all three).
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { PYTHON_DEPLOY, REPO_ROOT } from "../setup/paths.ts";

export const KUSTOMIZE_DIR = join(REPO_ROOT, "deploy", "kubernetes");
export const KUSTOMIZE_WITH_BALANCER = join(KUSTOMIZE_DIR, "with-balancer");
export const KUBERNETES_HAPROXY_CFG = join(KUSTOMIZE_WITH_BALANCER, "haproxy.cfg");
export const COMPOSE_FILE = join(REPO_ROOT, "deploy", "compose", "cluster.yml");
export const HAPROXY_CFG = join(REPO_ROOT, "deploy", "compose", "haproxy.cfg");
const CHECKER = join(import.meta.dir, "deploy_check.py");

/** Whether the venv is there; the tests say how to make it when it is not. */
export function deployVenvReady(): boolean {
  if (existsSync(PYTHON_DEPLOY)) return true;
  console.warn("test/deploy: .venv-deploy is missing: run `bun run test/setup/prepare.ts`");
  return false;
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end; `env` is added to this process's environment. */
export function run(argv: string[], env?: Record<string, string>): Run {
  const p = Bun.spawnSync(argv, { env: env && { ...process.env, ...env }, stdin: "ignore", stdout: "pipe", stderr: "pipe" });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

/** `kubectl kustomize`, without kubectl. */
export function kustomize(dir: string = KUSTOMIZE_DIR): Run {
  return run([PYTHON_DEPLOY, CHECKER, "kustomize", dir]);
}

export function composeCheck(file: string): Run {
  return run([PYTHON_DEPLOY, CHECKER, "compose", file]);
}

/** kubernetes-validate against one Kubernetes version's schemas, rejecting unknown fields. */
export function kubernetesValidate(file: string, version = "1.30.0"): Run {
  return run([join(PYTHON_DEPLOY, "..", "kubernetes-validate"), "--strict", "--kubernetes-version", version, file]);
}

export const HAPROXY = Bun.which("haproxy") ?? (existsSync("/usr/sbin/haproxy") ? "/usr/sbin/haproxy" : undefined);

export const readText = (path: string) => readFileSync(path, "utf8");
