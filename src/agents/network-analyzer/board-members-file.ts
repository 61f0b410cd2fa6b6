// Reads the board-members JSON file (format of data-samples/board-members.json) into analyzer input.
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BoardMembersFileError } from './errors';
import type { BoardMember, OrganizationRef } from './organization-graph';

/**
 * File format:
 * {
 *   "synthetic"?: boolean, "description"?: string,
 *   "organizations": [
 *     { "ein": "012345678", "name": "EXAMPLE FOUNDATION",
 *       "members": [ { "person": "Jane Doe", "role": "Board Chair" } ] }
 *   ]
 * }
 * EINs are strings so leading zeros survive; `role` is optional. Extra fields are ignored.
 */
const fileSchema = z.object({
  organizations: z.array(
    z.object({
      ein: z.string().min(1),
      name: z.string().nullish(),
      members: z.array(z.object({ person: z.string(), role: z.string().nullish() })),
    }),
  ),
});

export interface BoardMembersData {
  organizations: OrganizationRef[];
  board_members: BoardMember[];
}

/** Throws BoardMembersFileError (missing file, bad JSON, wrong shape) or the signal's abort reason. */
export async function loadBoardMembers(path: string, opts: { signal?: AbortSignal } = {}): Promise<BoardMembersData> {
  let text: string;
  try {
    text = await readFile(path, { encoding: 'utf8', signal: opts.signal });
  } catch (err) {
    if (opts.signal?.aborted) throw opts.signal.reason;
    throw new BoardMembersFileError(path, err instanceof Error ? err.message : String(err), { cause: err });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new BoardMembersFileError(path, `not valid JSON (${(err as Error).message})`, { cause: err });
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new BoardMembersFileError(path, `unexpected shape (${where})`, { cause: parsed.error });
  }
  return {
    organizations: parsed.data.organizations.map((o) => ({ ein: o.ein, name: o.name ?? null })),
    board_members: parsed.data.organizations.flatMap((o) =>
      o.members.map((m) => ({ ein: o.ein, person: m.person, role: m.role ?? null })),
    ),
  };
}
