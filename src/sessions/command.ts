/**
 * Turning the seed's session spec into an argv: `python` and `node` run the
 * script with the configured interpreter, `command` runs any executable.
 * No shell is ever involved, so metacharacters in arguments stay literal.
 */
import { BadRequest } from "../errors.ts";
import type { ServerType } from "./launch-request.ts";

export interface Interpreters {
  pythonCommand: string;
  nodeCommand: string;
}

const NODE_SCRIPT = /\.(m|c)?js$|\.ts$/i;

/** server_type may be left out: a .py file is python, a .js/.mjs/.cjs/.ts file node, else a command. */
export function inferServerType(command: string): ServerType {
  if (/\.py$/i.test(command)) return "python";
  if (NODE_SCRIPT.test(command)) return "node";
  return "command";
}

export function buildArgv(type: ServerType, command: string, args: string[], interpreters: Interpreters): string[] {
  if (command.trim() === "") throw new BadRequest("server_command is empty");
  for (const part of [command, ...args]) {
    // execve cannot carry NUL; refuse it here with a clear message.
    if (part.includes("\0")) throw new BadRequest("server_command and server_args may not contain NUL characters");
  }
  switch (type) {
    case "python":
      return [interpreters.pythonCommand, command, ...args];
    case "node":
      return [interpreters.nodeCommand, command, ...args];
    case "command":
      return [command, ...args];
  }
}
