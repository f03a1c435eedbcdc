/** What the channel and news commands share: the seeder, the admin token, the key, durations. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { adminTokenPath } from '../seeder/channels/admin-token.js';
import { readKeyFile, type KeyPair } from '../seeder/stream-key.js';
import { SeederClient } from '../swarm/channel/seeder-client.js';
import { bytesToHex } from '../swarm/hex.js';
import { expandHome, type FlagSpec } from './args.js';

export const seederFlag: FlagSpec = {
  type: 'string',
  value: '<url>',
  default: 'http://localhost:8080',
  description: "the seeder's base URL",
};
export const tokenFlag: FlagSpec = {
  type: 'string',
  value: '<token>',
  description:
    'seeder admin token (default: $SWARMCAST_TOKEN, then the admin-token file in --data-dir)',
};
export const keyFlag: FlagSpec = {
  type: 'string',
  value: '<file>',
  description: 'the channel key file (from swarmcast keygen; required)',
};
export const dataDirFlag: FlagSpec = {
  type: 'string',
  value: '<dir>',
  default: '~/.swarmcast',
  description: 'where state (accepted seqs, downloads) and a local seeder token live',
};

export function seederUrl(raw: unknown): string {
  try {
    const url = new URL(String(raw));
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
    return url.origin;
  } catch {
    throw new UsageError(`--seeder must be an http(s) URL, got "${String(raw)}"`);
  }
}

export function adminToken(flags: Record<string, unknown>): string {
  if (typeof flags.token === 'string' && flags.token) return flags.token;
  if (process.env.SWARMCAST_TOKEN) return process.env.SWARMCAST_TOKEN;
  const dataDir = typeof flags['data-dir'] === 'string' ? flags['data-dir'] : '~/.swarmcast';
  const path = adminTokenPath(expandHome(dataDir));
  if (existsSync(path)) return readFileSync(path, 'utf8').trim();
  throw new UsageError(
    'this needs the seeder admin token: pass --token, set SWARMCAST_TOKEN, or run on the seeder machine',
  );
}

export const channelFlag: FlagSpec = {
  type: 'string',
  value: '<channel-id>',
  description: "the channel, when --key is a key it rotated to (default: --key's own channel)",
};

/** The signing key, and the channel it signs for: its own, or --channel after a rotation. */
export function channelKey(flags: Record<string, unknown>): KeyPair & { id: string } {
  if (typeof flags.key !== 'string' || !flags.key) throw new UsageError('--key <file> is required');
  const key = readKeyFile(resolve(flags.key));
  const id =
    typeof flags.channel === 'string' ? channelId(flags.channel) : bytesToHex(key.publicKey);
  return { ...key, id };
}

export function adminClient(flags: Record<string, unknown>): SeederClient {
  return new SeederClient(seederUrl(flags.seeder), adminToken(flags));
}

export function channelId(raw: string | undefined): string {
  if (!raw || !/^[0-9a-f]{64}$/.test(raw))
    throw new UsageError(`a channel id is 64 hex digits (its public key), got "${raw ?? ''}"`);
  return raw;
}

const UNITS: Record<string, number> = { s: 1e3, m: 60e3, h: 3600e3, d: 86400e3 };

/** `30d`, `12h`, `90m`, `45s`. */
export function durationMs(flag: string, raw: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(raw);
  if (!match) throw new UsageError(`--${flag} must look like 30d, 12h, 90m or 45s, got "${raw}"`);
  return Number(match[1]) * UNITS[match[2]!]!;
}

/** `--upload-limit` in MB/s (decimal), as bytes per second. */
export function uploadLimitFlag(raw: unknown): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0.1 || value > 10_000)
    throw new UsageError(`--upload-limit must be from 0.1 to 10000 (MB/s), got "${String(raw)}"`);
  return Math.round(value * 1e6);
}
