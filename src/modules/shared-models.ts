/** TypeBox models shared by several modules: the error body every failure answers with. */
import { t } from "elysia";

export const ErrorBody = t.Object(
  {
    success: t.Literal(false),
    error: t.Object({
      code: t.Integer({ description: "JSON-RPC error code: the server's own, or the station's (-32001 to -32014)" }),
      message: t.String(),
      data: t.Optional(t.Any({ description: "For station errors, `type` names the failure" })),
    }),
  },
  { description: "A failure: a JSON-RPC error from the server, or the station's own" },
);

export const SessionIdParams = t.Object({ session_id: t.String({ description: "The session's id" }) });
