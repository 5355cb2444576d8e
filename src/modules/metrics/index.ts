/**
 * GET /metrics in the Prometheus text format. Behind the same gate as the
 * rest of the API: give the scraper a key (`authorization` in its
 * scrape_config) or scrape from loopback in protected mode.
 */
import { Elysia } from "elysia";
import type { StationMetrics } from "../../metrics/station-metrics.ts";

export const metricsModule = (metrics: StationMetrics) =>
  new Elysia({ tags: ["health"] }).get(
    "/metrics",
    async () => new Response(await metrics.registry.metrics(), { headers: { "content-type": metrics.contentType } }),
    {
      detail: {
        summary: "Prometheus metrics",
        description: "Requests, MCP round trips, sessions by status, starts, restarts, health checks, bytes.",
      },
    },
  );
