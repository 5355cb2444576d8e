/** TypeBox models of the pinned tools' review. */
import { t } from "elysia";

const Definition = t.Object({ name: t.String(), description: t.Nullable(t.String()), inputSchema: t.Unknown() });

const Change = t.Object({
  server: t.String(),
  tool: t.String(),
  approved: t.Nullable(t.Object({ fingerprint: t.String(), definition: t.Nullable(Definition), approved_at: t.String() })),
  seen: t.Object({ fingerprint: t.String(), definition: Definition, seen_at: t.String() }),
  differs: t.Array(t.String(), { description: "Fields of the pinned part that differ: name, description, inputSchema" }),
});

const ServerQuery = t.Object({ server: t.Optional(t.String({ minLength: 1, maxLength: 128 })) });

export const PinList = {
  query: ServerQuery,
  response: t.Object({
    servers: t.Array(
      t.Object({
        server: t.String(),
        tools: t.Array(
          t.Object({
            tool: t.String(),
            fingerprint: t.String(),
            approved_at: t.String({ description: "When it was first seen or approved; `registry` for a pin from the registry file" }),
          }),
        ),
      }),
    ),
    count: t.Integer({ description: "Servers listed" }),
    mode: t.String({ description: "MCP_STATION_TOOL_PINNING: tools or server" }),
  }),
};

export const ChangeList = {
  query: ServerQuery,
  response: t.Object({ changes: t.Array(Change), count: t.Integer(), mode: t.String() }),
};

export const Approval = t.Object(
  {
    server: t.String({ minLength: 1, maxLength: 128 }),
    tool: t.String({ minLength: 1, maxLength: 256 }),
    fingerprint: t.String({ pattern: "^sha256:[0-9a-f]{64}$", description: "The seen.fingerprint GET /pins/changes showed" }),
  },
  { additionalProperties: false },
);

export const Approved = t.Object({ approved: Change });
