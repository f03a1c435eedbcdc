/**
 * The seeder's admin token: created once in its data dir (mode 0600) and printed at start. It
 * guards what costs the seeder disk or trust: registering channels and uploading releases.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Request } from 'express';
import { RuntimeError } from '../../errors.js';

const TOKEN = /^[A-Za-z0-9_-]{32,128}$/;

export function adminTokenPath(dataDir: string): string {
  return join(dataDir, 'admin-token');
}

export function loadAdminToken(dataDir: string): string {
  const path = adminTokenPath(dataDir);
  if (existsSync(path)) {
    const token = readFileSync(path, 'utf8').trim();
    if (!TOKEN.test(token)) throw new RuntimeError(`${path} does not hold an admin token`);
    return token;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Hex, not base64url: a token starting with '-' reads as an option on a command line.
  const token = randomBytes(24).toString('hex');
  writeFileSync(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return token;
}

/** True if the request carries `Authorization: Bearer <token>`. */
export function isAdmin(req: Request, token: string): boolean {
  const header = req.get('authorization') ?? '';
  const given = Buffer.from(header.startsWith('Bearer ') ? header.slice(7).trim() : '');
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
