/**
 * The access rules' cost on one request, as Session.request pays it, without HTTP or a server: nanoseconds
 * per request for a tools/call the rules allow, one they refuse, a resources/read, and a request whose
 * method the rules do not look at (ping), against the rules of docs/security.md (Access rules).
 *
 *   bun bench/access-micro.ts [requests] [src]
 *
 * `src` is a source tree to measure (default this one's src/): run it once on a copy of another commit's
 * (`git archive main src | tar -x -C /tmp/base`, then `bun bench/access-micro.ts 1000000 /tmp/base/src`) to
 * compare; before prompts and resources, the check was sessions/tool-access.ts, which this also drives.
 * The figures of a run are in docs/performance.md (Access rules).
 */
import { resolve } from "node:path";

const n = Number(process.argv[2] ?? "1000000");
const src = resolve(process.argv[3] ?? `${import.meta.dir}/../src`);
const { parseAccessRules } = await import(`${src}/security/access-rules.ts`);
const check = await import(`${src}/sessions/access-check.ts`).catch(() => import(`${src}/sessions/tool-access.ts`));

const access = parseAccessRules(
  {
    access: {
      rules: [
        {
          tenants: ["team-a"],
          servers: ["everything"],
          tools: { allow: ["echo", "get-*"], deny: ["get-env"] },
          // A tree from before prompts and resources would refuse the grant: it gets the tools alone.
          ...(check.RULED_METHODS ? { resources: { allow: ["demo://resource/static/*"], deny: ["*/instructions.md"] } } : {}),
        },
        { tenants: ["team-b"], servers: ["files"] },
        { scopes: ["mcp:files"], servers: ["files"], tools: { deny: ["write_*", "move_*"] } },
        { claims: { groups: ["ops"] }, servers: ["*"] },
        { admin: true, servers: ["*"] },
      ],
    },
  },
  "bench",
);
const caller = { tenant: "team-a", admin: false, via: "api_key" };
const methods: Set<string> = check.RULED_METHODS ?? check.TOOL_METHODS;
const answer = Promise.resolve({});
const send = () => answer;

/** Session.request's gate and check, as the tree has them; `send` stands for the rest of the request. */
function request(method: string, params: Record<string, unknown>): Promise<unknown> {
  if (access.enabled && caller && methods.has(method)) {
    if (check.withAccess) return check.withAccess(access, { caller, server: "everything", label: "everything" }, method, params, {}, send);
    const who = { tenant: caller.tenant, server: "everything" };
    return check.withToolAccess(access.toolsFor(caller, "everything"), method, params, who, {}, send);
  }
  return send();
}

async function perRequest(method: string, params: Record<string, unknown>): Promise<number> {
  for (let i = 0; i < 10_000; i++) await request(method, params).catch(() => {});
  const start = Bun.nanoseconds();
  for (let i = 0; i < n; i++) await request(method, params).catch(() => {});
  return (Bun.nanoseconds() - start) / n;
}

/** The same loop without the rules: the floor. */
async function floor(): Promise<number> {
  const start = Bun.nanoseconds();
  for (let i = 0; i < n; i++) await send();
  return (Bun.nanoseconds() - start) / n;
}

const rows: [string, number][] = [
  ["no rules at all (floor)", await floor()],
  ["ping (not looked at)", await perRequest("ping", {})],
  ["tools/call allowed", await perRequest("tools/call", { name: "get-sum", arguments: {} })],
  ["tools/call refused", await perRequest("tools/call", { name: "get-env", arguments: {} })],
];
if (check.RULED_METHODS)
  rows.push(["resources/read allowed", await perRequest("resources/read", { uri: "demo://resource/static/document/features.md" })]);
for (const [label, ns] of rows) console.log(`${label.padEnd(26)} ${ns.toFixed(0).padStart(6)} ns/request`);
