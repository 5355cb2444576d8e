/**
 * The cluster's tables beside the session store's (migrations.ts adds each
 * session row's `node` and `generation`): one lease row per node, the
 * creates in progress of tenants with a session limit, and a
 * trigger that announces every change of a session's owner on a channel,
 * so each node's directory cache (directory.ts) follows without polling.
 * PostgreSQL only: a cluster needs a database every node reaches.
 *
 * Nodes start at the same moment; `create or replace function` run by two at
 * once fails ("tuple concurrently updated"), so the set-up holds a
 * transaction-scoped advisory lock.
 */
import type { SQL } from "bun";

/** The channel of directory changes, and the one of membership changes (a join, a death, a leave). */
export const channels = (p: string) => ({ directory: `${p}directory`, members: `${p}members` });

export async function createClusterSchema(sql: SQL, p: string): Promise<void> {
  await sql.begin(async (tx) => {
    await tx.unsafe("select pg_advisory_xact_lock(hashtext($1))", [`${p}cluster_schema`]);
    await tx.unsafe(`create table if not exists ${p}cluster_nodes (
      node_id text primary key,
      epoch bigint not null,
      advertise_url text not null,
      host text not null,
      pid integer not null,
      state text not null,
      lease_until timestamptz not null,
      joined_at timestamptz not null,
      renewed_at timestamptz not null
    )`);
    // A create in progress for a tenant with a session limit (session-counts.ts): counted by the other nodes
    // until its session's row exists.
    await tx.unsafe(`create table if not exists ${p}tenant_claims (
      session_id text primary key,
      tenant text not null,
      node text not null,
      expires_at timestamptz not null
    )`);
    // Only an owner's change is news: status writes (every state change of every session) stay off the channel.
    await tx.unsafe(`create or replace function ${p}directory_notify() returns trigger language plpgsql as $$
      begin
        if tg_op = 'DELETE' then
          perform pg_notify('${channels(p).directory}', json_build_object('id', old.session_id, 'gone', true)::text);
          return old;
        end if;
        if tg_op = 'UPDATE' and old.node is not distinct from new.node and old.generation = new.generation then
          return new;
        end if;
        perform pg_notify('${channels(p).directory}',
          json_build_object('id', new.session_id, 'node', new.node, 'generation', new.generation, 'owner', new.owner)::text);
        return new;
      end $$`);
    await tx.unsafe(`drop trigger if exists ${p}directory_notify on ${p}sessions`);
    await tx.unsafe(`create trigger ${p}directory_notify after insert or update or delete on ${p}sessions
      for each row execute function ${p}directory_notify()`);
  });
}

/** Drops the cluster's tables and trigger (tests use a prefix or a database of their own). */
export async function dropClusterSchema(sql: SQL, p: string): Promise<void> {
  await sql.unsafe(`drop table if exists ${p}cluster_nodes`);
  await sql.unsafe(`drop table if exists ${p}tenant_claims`);
  await sql.unsafe(`drop function if exists ${p}directory_notify() cascade`);
}
