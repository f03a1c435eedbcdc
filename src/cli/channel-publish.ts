/**
 * `swarmcast channel publish`: sign a release manifest for some files and hand it, with the files
 * and their torrent, to the seeder, which verifies, seeds and announces it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { createReleaseTorrent } from '../swarm/bulk/release-torrent.js';
import { signBep44Head } from '../swarm/channel/bep44-signature.js';
import { encodeEnvelope, signEnvelope } from '../swarm/channel/envelope.js';
import { pathProblem, versionProblem } from '../swarm/channel/release-paths.js';
import { terminalText } from '../swarm/text/terminal-text.js';
import { bytesToHex } from '../swarm/hex.js';
import type { ReleaseFile } from '../contracts/channel.js';
import { parseOrHelp, type CommandSpec } from './args.js';
import {
  adminClient,
  channelFlag,
  channelKey,
  dataDirFlag,
  durationMs,
  keyFlag,
  seederFlag,
  tokenFlag,
} from './channel-common.js';
import { Progress } from './progress.js';

export const channelPublishSpec: CommandSpec = {
  name: 'channel publish',
  summary:
    'Publish a release: sign a manifest (version, files with length and SHA-256, torrent info-hash, expiry) and upload it with the files to the seeder, which seeds and announces it.',
  usage:
    'swarmcast channel publish <name> --key <file> --version <v> --file <path>... [--expires 30d] [--notes <text>] --seeder <url>',
  positionals: { min: 1, max: 1 },
  flags: {
    key: keyFlag,
    channel: channelFlag,
    version: { type: 'string', value: '<v>', description: 'the release version (required)' },
    file: {
      type: 'string',
      value: '<path>',
      multiple: true,
      description: 'a file of the release (repeat for more; installed under its base name)',
    },
    expires: {
      type: 'string',
      value: '<duration>',
      default: '30d',
      description: 'how long subscribers accept this release as the newest (e.g. 30d, 12h)',
    },
    notes: { type: 'string', value: '<text>', description: 'release notes' },
    seeder: seederFlag,
    token: tokenFlag,
    'data-dir': dataDirFlag,
  },
};

export async function runChannelPublish(argv: string[]): Promise<number> {
  const args = parseOrHelp(channelPublishSpec, argv);
  if (!args) return 0;
  const f = args.flags;
  const name = args.positionals[0]!;
  const version = typeof f.version === 'string' ? f.version : '';
  const problem = versionProblem(version);
  if (problem) throw new UsageError(`--version: ${problem}`);
  const paths = Array.isArray(f.file) ? f.file.map((p) => resolve(p)) : [];
  if (paths.length === 0) throw new UsageError('give at least one --file');
  const names = paths.map((p) => basename(p));
  // The same check every subscriber and page applies on receipt, but said before any hashing
  // or upload, naming the --file, and printed escaped: the name itself may hold the control.
  for (const [index, fileName] of names.entries()) {
    const problem = pathProblem(fileName);
    if (problem)
      throw new UsageError(
        `--file ${terminalText(paths[index]!)}: the name "${terminalText(fileName)}" ${problem}`,
      );
  }
  if (new Set(names).size !== names.length)
    throw new UsageError('two --file arguments have the same base name');
  for (const path of paths) {
    let ok = false;
    try {
      ok = statSync(path).isFile();
    } catch {
      ok = false;
    }
    if (!ok) throw new UsageError(`--file ${terminalText(path)}: no such file`);
  }
  const expiresMs = durationMs('expires', String(f.expires));
  const key = channelKey(f);
  const client = adminClient(f);
  const info = await client.info(key.id);
  if (info.name !== name)
    throw new UsageError(`the key's channel is named "${info.name}" on the seeder, not "${name}"`);

  const progress = new Progress(process.stderr);
  const files: ReleaseFile[] = [];
  for (const [index, path] of paths.entries()) {
    const length = statSync(path).size;
    progress.update(`hashing ${names[index]}`, 0, length);
    files.push({
      path: names[index]!,
      length,
      sha256: await sha256File(path, (done) =>
        progress.update(`hashing ${names[index]}`, done, length),
      ),
    });
  }
  // No web seed inside the torrent: subscribers add the seeder's (by info-hash) themselves, so
  // the torrent stays the same wherever it is seeded from.
  const torrent = await createReleaseTorrent({
    name: version,
    files: files.map((file, index) => ({ path: file.path, absPath: paths[index]! })),
  });
  const now = Date.now();
  const envelope = signEnvelope(
    {
      channel: key.id,
      name,
      seq: info.nextSeq,
      issued: now,
      expires: now + expiresMs,
      kind: 'release',
      body: {
        version,
        files,
        infoHash: torrent.infoHash,
        ...(typeof f.notes === 'string' ? { notes: f.notes } : {}),
      },
    },
    key.secretKey,
  );
  for (const [index, file] of files.entries()) {
    if (await client.hasUpload(file.sha256)) continue;
    let sent = 0;
    const stream = createReadStream(paths[index]!);
    stream.on('data', (chunk) => {
      sent += chunk.length;
      progress.update(`uploading ${file.path}`, sent, file.length);
    });
    await client.upload(
      file.sha256,
      file.length,
      Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>,
    );
  }
  progress.done();
  await client.post(key.id, 'releases', {
    envelope: new TextDecoder().decode(encodeEnvelope(envelope)),
    torrent: Buffer.from(torrent.torrentFile).toString('base64'),
    bep44Signature: bytesToHex(signBep44Head(envelope, key.secretKey)),
  });
  process.stdout.write(`${name} ${version} seq ${envelope.seq} ${torrent.infoHash}\n`);
  process.stderr.write(
    `published ${name} ${version} (seq ${envelope.seq}, ${files.length} file(s), expires ${new Date(envelope.expires).toISOString()})\n`,
  );
  return 0;
}

function sha256File(path: string, onBytes: (done: number) => void): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    let done = 0;
    createReadStream(path)
      .on('data', (chunk) => {
        hash.update(chunk);
        done += chunk.length;
        onBytes(done);
      })
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
