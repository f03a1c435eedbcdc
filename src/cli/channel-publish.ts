/**
 * `swarmcast channel publish`: sign a release manifest for some files and hand it, with the files
 * and their torrent, to the seeder, which verifies, seeds and announces it.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { UsageError } from '../errors.js';
import { createReleaseTorrent } from '../swarm/bulk/release-torrent.js';
import { signBep44Head } from '../swarm/channel/bep44-signature.js';
import { encodeEnvelope, signEnvelope } from '../swarm/channel/envelope.js';
import { ChannelError } from '../swarm/channel/channel-error.js';
import { versionProblem } from '../swarm/channel/release-paths.js';
import { bytesToHex } from '../swarm/hex.js';
import { MAX_ENVELOPE_BYTES, type ReleaseFile, type SignedEnvelope } from '../contracts/channel.js';
import { collectReleaseTree, type ReleaseTree } from './release-tree.js';
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
    'Publish a release of files and folders: sign a manifest (version, each file with its relative path, length, SHA-256 and execute bit, empty folders, torrent info-hash, expiry) and upload it with the files to the seeder, which seeds and announces it.',
  usage:
    'swarmcast channel publish <name> --key <file> --version <v> --file <file-or-folder>... [--expires 30d] [--notes <text>] --seeder <url>',
  positionals: { min: 1, max: 1 },
  flags: {
    key: keyFlag,
    channel: channelFlag,
    version: { type: 'string', value: '<v>', description: 'the release version (required)' },
    file: {
      type: 'string',
      value: '<path>',
      multiple: true,
      description:
        'a file (installed under its base name) or a folder (its tree: relative paths, empty files and folders, executable modes); repeat for more',
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
  const inputs = Array.isArray(f.file) ? f.file.map((p) => resolve(p)) : [];
  if (inputs.length === 0) throw new UsageError('give at least one --file');
  const tree = await collectReleaseTree(inputs);
  const total = tree.files.reduce((sum, file) => sum + file.length, 0);
  // A torrent of no bytes has no pieces; peers could not tell it has arrived.
  if (total === 0) throw new UsageError('--file: the release holds no bytes (only empty files)');
  const expiresMs = durationMs('expires', String(f.expires));
  const key = channelKey(f);
  const client = adminClient(f);
  const info = await client.info(key.id);
  if (info.name !== name)
    throw new UsageError(`the key's channel is named "${info.name}" on the seeder, not "${name}"`);

  const progress = new Progress(process.stderr);
  const files: ReleaseFile[] = [];
  let hashed = 0;
  for (const file of tree.files) {
    const label = `hashing ${tree.files.length} file(s)`;
    files.push({
      path: file.path,
      length: file.length,
      sha256: await sha256File(file.absPath, (done) =>
        progress.update(label, hashed + done, total),
      ),
      ...(file.executable ? { executable: true as const } : {}),
    });
    hashed += file.length;
  }
  // No web seed inside the torrent: subscribers add the seeder's (by info-hash) themselves, so
  // the torrent stays the same wherever it is seeded from.
  const torrent = await createReleaseTorrent({ name: version, files: tree.files });
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
        ...(tree.emptyDirs.length > 0 ? { emptyDirs: tree.emptyDirs } : {}),
        ...(typeof f.notes === 'string' ? { notes: f.notes } : {}),
      },
    },
    key.secretKey,
  );
  const encoded = encodeManifest(envelope);
  for (const [index, file] of files.entries()) {
    if (await client.hasUpload(file.sha256)) continue;
    let sent = 0;
    const stream = createReadStream(tree.files[index]!.absPath);
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
    envelope: new TextDecoder().decode(encoded),
    torrent: Buffer.from(torrent.torrentFile).toString('base64'),
    bep44Signature: bytesToHex(signBep44Head(envelope, key.secretKey)),
  });
  process.stdout.write(`${name} ${version} seq ${envelope.seq} ${torrent.infoHash}\n`);
  process.stderr.write(
    `published ${name} ${version} (seq ${envelope.seq}, ${describeTree(tree)}, expires ${new Date(envelope.expires).toISOString()})\n`,
  );
  return 0;
}

/** The signed envelope's bytes; a manifest too large to sign is the user's to shrink. */
function encodeManifest(envelope: SignedEnvelope<'release'>): Uint8Array {
  try {
    return encodeEnvelope(envelope);
  } catch (error) {
    if (error instanceof ChannelError && error.reason === 'too-large')
      throw new UsageError(
        `the signed manifest would be over ${MAX_ENVELOPE_BYTES / 1024} KiB ` +
          `(${envelope.body.files.length} files): publish fewer files, or an archive of them`,
      );
    throw error;
  }
}

function describeTree(tree: ReleaseTree): string {
  const dirs = tree.emptyDirs.length;
  return `${tree.files.length} file(s)${dirs > 0 ? `, ${dirs} empty folder(s)` : ''}`;
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
