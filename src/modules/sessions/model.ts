/** TypeBox models of the sessions API. Field names are the seed's contract. */
import { t } from "elysia";
import { LaunchRequest, Root } from "../../sessions/launch-request.ts";
import { SessionInfo } from "../../sessions/session-info.ts";
import { HISTORY_KEPT, HistoryEntry } from "../../store/history-entry.ts";

const { minimum, maximum, description } = LaunchRequest.properties.max_restarts;

/**
 * POST /sessions's body: the launch request (src/sessions/launch-request.ts).
 * max_restarts alone is Elysia's t.Integer, as it always was here: that one
 * also takes the number as a string ("5"), and a body that did must keep working.
 */
export const CreateSessionBody = t.Object(
  {
    ...LaunchRequest.properties,
    max_restarts: t.Optional(t.Integer({ minimum, maximum, description })),
  },
  { additionalProperties: false },
);

/** What every answer about one session carries (src/sessions/session-info.ts). */
export { SessionInfo };

export const SessionList = t.Object({ sessions: t.Array(SessionInfo), count: t.Integer() });

export const PageQuery = t.Object({
  after: t.Optional(t.Numeric({ minimum: 0, description: "Return entries after this id/seq" })),
  limit: t.Optional(t.Numeric({ minimum: 1, maximum: 10000 })),
});

export const LogPage = t.Object({
  session_id: t.String(),
  lines: t.Array(t.Object({ seq: t.Integer(), at: t.String(), text: t.String() })),
  dropped: t.Integer({ description: "Lines dropped from the bounded buffer so far" }),
});

export const EventPage = t.Object({
  session_id: t.String(),
  events: t.Array(t.Object({ id: t.Integer(), at: t.String(), kind: t.String(), data: t.Any() })),
  dropped: t.Integer({ description: "Events after `after` that the bounded buffer no longer holds" }),
  last_id: t.Integer(),
});

export const RootsBody = t.Object({ roots: t.Array(Root, { maxItems: 256 }) }, { additionalProperties: false });

export const HistoryQuery = t.Object({
  limit: t.Optional(
    t.Numeric({
      minimum: 1,
      maximum: HISTORY_KEPT,
      description: `The newest entries to return (default and most: ${HISTORY_KEPT}, all a session keeps)`,
    }),
  ),
});

/** GET /sessions/{id}/history (src/store/session-history.ts). */
export const HistoryPage = t.Object({
  session_id: t.String(),
  source: t.Union([t.Literal("store"), t.Literal("memory")], {
    description:
      "store: from the session store, across station restarts; memory: what this run of the station saw (persistence off, the store not answering, or the session's rows gone)",
  }),
  count: t.Integer(),
  entries: t.Array(HistoryEntry, { description: "Oldest first" }),
});
