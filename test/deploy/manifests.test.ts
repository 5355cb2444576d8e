/**
 * deploy/ checked offline: the Kustomize tree renders (Kustomize's own Go
 * library, as `kubectl kustomize` does) into what a cluster of stations needs,
 * and Kubernetes' schemas accept it and refuse a misspelled field; the
 * Compose file parses under the Compose specification and refuses one too;
 * HAProxy accepts its configuration and refuses a misspelled keyword. Every
 * MCP_STATION_ setting the files set is one the station knows.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SETTINGS } from "../../src/config/settings.ts";
import {
  COMPOSE_FILE,
  HAPROXY,
  HAPROXY_CFG,
  KUBERNETES_HAPROXY_CFG,
  KUSTOMIZE_DIR,
  KUSTOMIZE_WITH_BALANCER,
  composeCheck,
  deployVenvReady,
  kubernetesValidate,
  kustomize,
  readText,
  run,
} from "./support.ts";

const dir = mkdtempSync(join(tmpdir(), "mcp-station-deploy-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Every setting the station reads, the cluster's included: a name the files set that is not here is a typo. */
const KNOWN = new Set(Object.values(SETTINGS).map((s) => s.name));

function unknownSettings(names: string[]): string[] {
  return names.filter((name) => name.startsWith("MCP_STATION_") && !KNOWN.has(name));
}

const venv = deployVenvReady();

describe.if(venv)("Kubernetes (deploy/kubernetes)", () => {
  const rendered = kustomize();
  const docs = () => Bun.YAML.parse(rendered.stdout) as any[];
  const byKind = (kind: string, name?: string) => docs().find((d) => d.kind === kind && (name === undefined || d.metadata.name === name));

  test("Kustomize renders it: a StatefulSet, a headless Service for peers, a Service for clients, a PodDisruptionBudget", () => {
    expect(rendered.stderr).toBe("");
    expect(rendered.code).toBe(0);
    expect(
      docs()
        .map((d) => `${d.kind}/${d.metadata.name}`)
        .sort(),
    ).toEqual(["PodDisruptionBudget/mcp-station", "Service/mcp-station", "Service/mcp-station-peers", "StatefulSet/mcp-station"]);
  });

  test("the same output as kubectl kustomize, where kubectl is installed", () => {
    const kubectl = Bun.which("kubectl");
    if (!kubectl) return console.warn("kubectl not on PATH: compared with nothing");
    expect(rendered.stdout).toBe(run([kubectl, "kustomize", KUSTOMIZE_DIR]).stdout);
  });

  test("each node's id and advertise address come from the downward API; its secrets from a Secret", () => {
    const set = byKind("StatefulSet");
    const pod = set.spec.template.spec;
    const env = Object.fromEntries(pod.containers[0].env.map((e: any) => [e.name, e]));
    expect(env.POD_NAME.valueFrom.fieldRef.fieldPath).toBe("metadata.name");
    expect(env.POD_IP.valueFrom.fieldRef.fieldPath).toBe("status.podIP");
    expect(env.MCP_STATION_NODE_ID.value).toBe("$(POD_NAME)");
    expect(env.MCP_STATION_ADVERTISE_URL.value).toBe("http://$(POD_IP):20100");
    // $(VAR) is expanded only from variables defined earlier in the list.
    const order = pod.containers[0].env.map((e: any) => e.name);
    expect(order.indexOf("POD_NAME")).toBeLessThan(order.indexOf("MCP_STATION_NODE_ID"));
    expect(order.indexOf("POD_IP")).toBeLessThan(order.indexOf("MCP_STATION_ADVERTISE_URL"));
    for (const name of ["MCP_STATION_DATABASE_URL", "MCP_STATION_CLUSTER_SECRET", "MCP_STATION_API_KEYS"])
      expect(env[name].valueFrom.secretKeyRef.name).toBe("mcp-station");
    expect(unknownSettings(order)).toEqual([]);
  });

  test("probes: /healthz for liveness, /readyz (through --readycheck) for readiness; a grace period that covers the shutdown", () => {
    const pod = byKind("StatefulSet").spec.template.spec;
    const container = pod.containers[0];
    expect(container.livenessProbe.httpGet).toMatchObject({ path: "/healthz", port: "http" });
    expect(container.readinessProbe.exec.command).toEqual(["/usr/local/bin/mcp-station", "--readycheck"]);
    // The probe's own deadline (3 s) fits in the kubelet's.
    expect(container.readinessProbe.timeoutSeconds).toBeGreaterThan(3);
    const shutdownMs = SETTINGS.shutdownTimeoutMs.default;
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThanOrEqual(2 * shutdownMs);
  });

  test("Services and the PodDisruptionBudget select the StatefulSet's pods; peers see pods that are not ready yet", () => {
    const labels = byKind("StatefulSet").spec.template.metadata.labels;
    const selects = (selector: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);
    const peers = byKind("Service", "mcp-station-peers");
    const clients = byKind("Service", "mcp-station");
    expect(byKind("StatefulSet").spec.serviceName).toBe("mcp-station-peers");
    expect(peers.spec.clusterIP).toBe("None");
    expect(peers.spec.publishNotReadyAddresses).toBe(true);
    expect(clients.spec.sessionAffinity).toBe("ClientIP");
    expect(selects(peers.spec.selector)).toBe(true);
    expect(selects(clients.spec.selector)).toBe(true);
    expect(selects(byKind("PodDisruptionBudget").spec.selector.matchLabels)).toBe(true);
    expect(byKind("PodDisruptionBudget").spec.maxUnavailable).toBe(1);
  });

  test("kubernetes-validate accepts the rendered manifests and refuses a misspelled field", () => {
    const good = join(dir, "rendered.yaml");
    writeFileSync(good, rendered.stdout);
    const accepted = kubernetesValidate(good);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout.match(/passed for resource/g)).toHaveLength(4);

    const bad = join(dir, "misspelled.yaml");
    writeFileSync(bad, rendered.stdout.replace("terminationGracePeriodSeconds:", "terminationGracePeriodSecond:"));
    const refused = kubernetesValidate(bad);
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toContain("terminationGracePeriodSecond");
  });
});

describe.if(venv)("Kubernetes with HAProxy in front (deploy/kubernetes/with-balancer)", () => {
  const rendered = kustomize(KUSTOMIZE_WITH_BALANCER);
  const docs = () => Bun.YAML.parse(rendered.stdout) as any[];
  const byKind = (kind: string) => docs().find((d) => d.kind === kind);

  test("renders the stations plus HAProxy: a Deployment, its Service, its configuration as a ConfigMap", () => {
    expect(rendered.stderr).toBe("");
    expect(docs().map((d) => `${d.kind}/${d.metadata.name}`)).toEqual(
      expect.arrayContaining(["StatefulSet/mcp-station", "Deployment/mcp-station-balancer", "Service/mcp-station-balancer"]),
    );
    const config = byKind("ConfigMap");
    expect(config.data["haproxy.cfg"]).toBe(readText(KUBERNETES_HAPROXY_CFG));
    const pod = byKind("Deployment").spec.template.spec;
    // The generated ConfigMap's name carries a hash of its content; the Deployment is rewritten to match.
    expect(pod.volumes[0].configMap.name).toBe(config.metadata.name);
    expect(pod.containers[0].volumeMounts[0].mountPath).toBe("/usr/local/etc/haproxy");
    // haproxy.cfg reads the namespace and the cluster domain from the environment.
    const env = pod.containers[0].env.map((e: any) => e.name);
    for (const name of readText(KUBERNETES_HAPROXY_CFG)
      .match(/\$\{(\w+)\}/g)!
      .map((v) => v.slice(2, -1)))
      expect(env).toContain(name);
  });

  test("kubernetes-validate accepts every object", () => {
    const file = join(dir, "with-balancer.yaml");
    writeFileSync(file, rendered.stdout);
    const accepted = kubernetesValidate(file);
    expect(accepted.code).toBe(0);
    expect(accepted.stdout.match(/passed for resource/g)).toHaveLength(docs().length);
  });
});

describe.if(venv)("Compose (deploy/compose/cluster.yml)", () => {
  const checked = composeCheck(COMPOSE_FILE);
  const services = () => JSON.parse(checked.stdout).services as Record<string, any>;
  const stations = () => Object.entries(services()).filter(([name]) => name.startsWith("station-"));

  test("parses under the Compose specification: PostgreSQL, three stations, and a balancer under one name", () => {
    expect(checked.stderr).toBe("");
    expect(checked.code).toBe(0);
    expect(Object.keys(services()).sort()).toEqual(["mcp_station", "postgres", "station-1", "station-2", "station-3"]);
  });

  test("the parser refuses a misspelled field", () => {
    const bad = join(dir, "cluster.yml");
    writeFileSync(bad, readText(COMPOSE_FILE).replace("stop_grace_period:", "stop_grace_perod:"));
    const refused = composeCheck(bad);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("stop_grace_perod");
  });

  test("each station has its own node id and an advertise address naming itself; all share one PostgreSQL and one secret", () => {
    const seen = new Set<string>();
    for (const [name, service] of stations()) {
      const env = service.environment;
      expect(env.MCP_STATION_NODE_ID).toBe(name);
      expect(env.MCP_STATION_ADVERTISE_URL).toBe(`http://${name}:20100`);
      expect(service.hostname).toBe(name);
      expect(env.MCP_STATION_DATABASE_URL).toBe("postgres://mcp:mcp@postgres:5432/mcp");
      expect(env.MCP_STATION_CLUSTER_SECRET).toStartWith("${MCP_STATION_CLUSTER_SECRET:?");
      expect(unknownSettings(Object.keys(env))).toEqual([]);
      seen.add(env.MCP_STATION_NODE_ID);
    }
    expect(seen.size).toBe(3);
  });

  test("the balancer mounts haproxy.cfg, whose backends are exactly the three stations", () => {
    expect(services().mcp_station.volumes).toEqual(["./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro"]);
    const servers = [...readText(HAPROXY_CFG).matchAll(/^\s*server (\S+) (\S+):20100/gm)].map((m) => `${m[1]}=${m[2]}`);
    expect(servers).toEqual(stations().map(([name]) => `${name}=${name}`));
  });
});

/** A configuration's rules: every setting line but those that say where the stations are. */
const rules = (cfg: string) =>
  cfg
    .split("\n")
    .map((line) => line.trim())
    .filter(
      (line) =>
        line && !line.startsWith("#") && !/^(server|server-template|default-server|nameserver|parse-resolv-conf|resolvers)\b/.test(line),
    );

describe.if(HAPROXY !== undefined)("HAProxy (deploy/compose/haproxy.cfg, deploy/kubernetes/with-balancer/haproxy.cfg)", () => {
  test("Compose and Kubernetes hash by the same rules", () => {
    expect(rules(readText(KUBERNETES_HAPROXY_CFG))).toEqual(rules(readText(HAPROXY_CFG)));
  });

  test("haproxy -c accepts the Kubernetes configuration in the environment the Deployment gives it", () => {
    const accepted = run([HAPROXY!, "-c", "-f", KUBERNETES_HAPROXY_CFG], { POD_NAMESPACE: "default", CLUSTER_DOMAIN: "cluster.local" });
    expect(accepted.stdout + accepted.stderr).toContain("Configuration file is valid");
    expect(accepted.code).toBe(0);
  });

  test("haproxy -c accepts the configuration and refuses a misspelled keyword", () => {
    const accepted = run([HAPROXY!, "-c", "-f", HAPROXY_CFG]);
    expect(accepted.stdout + accepted.stderr).toContain("Configuration file is valid");
    expect(accepted.code).toBe(0);
    const bad = join(dir, "haproxy.cfg");
    writeFileSync(bad, readText(HAPROXY_CFG).replace("hash-type consistent", "hash-type consistant"));
    const refused = run([HAPROXY!, "-c", "-f", bad]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("'hash-type' only supports 'consistent' and 'map-based'");
  });
});
