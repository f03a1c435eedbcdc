/**
 * Signed channels over the real stack, through the real CLI: `swarmcast serve`, `keygen`,
 * `channel create|publish|subscribe` and `news post|follow`, with WebTorrent (TCP), gossipsub and
 * the BitTorrent DHT on 127.0.0.1. Ten subscribers install a 20 MB release with identical bytes
 * while the origin uploads at most twice the payload, and a subscriber started after the seeder
 * is gone still finds the release (DHT) and downloads it from the other subscribers.
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startChannel, startServe, subscribeArgs } from '../helpers/channel-cli.js';
import { runCli, type CliProcess } from '../helpers/cli-process.js';
import { eventually } from '../helpers/http.js';

const scratch = mkdtempSync(join(tmpdir(), 'swarmcast-channels-'));
const processes: CliProcess[] = [];

function cli(args: string[]): CliProcess {
  const child = runCli(args);
  processes.push(child);
  return child;
}

async function finished(
  args: string[],
): Promise<{ code: number | null; out: string; err: string }> {
  const child = cli(args);
  const { code } = await child.exited;
  return { code, out: child.stdout(), err: child.stderr() };
}

/** A seeder (verbose, so a failure shows its log) with one channel registered on it. */
async function channel(dir: string, name: string, serveArgs: string[] = []) {
  const served = await startChannel(dir, name, ['-v', ...serveArgs]);
  processes.push(served.seeder);
  return served;
}

async function serve(dataDir: string, extra: string[] = []) {
  const started = await startServe(dataDir, ['-v', ...extra]);
  processes.push(started.seeder);
  return started;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

afterEach(async () => {
  await Promise.all(processes.splice(0).map((child) => child.stop(3_000)));
});

beforeAll(() => () => rmSync(scratch, { recursive: true, force: true }));

describe('signed channels', () => {
  it('ten subscribers install a 20 MB release from each other; a late one finds it with the seeder gone', async () => {
    const { seeder, url, token, id, keyFile } = await channel(join(scratch, 'main'), 'app');

    const subscriber = (n: number, extra: string[] = []) =>
      cli([...subscribeArgs(scratch, id, n, url), ...extra]);
    const subscribers = Array.from({ length: 10 }, (_, n) => subscriber(n));
    const dhtAddrs = await Promise.all(
      subscribers.map(async (s) => (await s.waitFor(/DHT node: (\S+:\d+)/, 30_000))[1]!),
    );

    // Six files: the signed manifest outgrows one DHT item, so the head travels as chunks.
    const payload = [
      randomBytes(15_000_000),
      randomBytes(5_000_000),
      ...Array.from({ length: 4 }, () => randomBytes(1_000)),
    ];
    const files = payload.map((bytes, i) => {
      const path = join(scratch, `part-${i}.bin`);
      writeFileSync(path, bytes);
      return path;
    });
    const published = await finished([
      'channel',
      'publish',
      'app',
      '--key',
      keyFile,
      '--version',
      '1.0.0',
      ...files.flatMap((file) => ['--file', file]),
      '--notes',
      'first release',
      '--seeder',
      url,
      '--token',
      token,
    ]);
    expect(published.code, published.err).toBe(0);

    for (const [n, s] of subscribers.entries()) {
      await s.waitFor(/installed 1\.0\.0 into/, 90_000);
      const dir = join(scratch, `install-${n}`);
      expect(readlinkSync(join(dir, 'current'))).toBe('1.0.0');
      expect(sha256(readFileSync(join(dir, 'current', 'part-0.bin')))).toBe(sha256(payload[0]!));
      expect(sha256(readFileSync(join(dir, 'current', 'part-1.bin')))).toBe(sha256(payload[1]!));
    }
    const stats = (await (await fetch(`${url}/api/channels`)).json()) as {
      originUpload: { peers: number; webSeed: number };
    };
    const originBytes = stats.originUpload.peers + stats.originUpload.webSeed;
    console.log(
      `origin uploaded ${(originBytes / 1e6).toFixed(1)} MB (peers ${(stats.originUpload.peers / 1e6).toFixed(1)}, web seed ${(stats.originUpload.webSeed / 1e6).toFixed(1)}) for a 20 MB release to 10 subscribers`,
    );
    const payloadBytes = payload.reduce((sum, bytes) => sum + bytes.length, 0);
    expect(originBytes).toBeLessThanOrEqual(2 * payloadBytes);

    // The seeder goes away; a new subscriber knows only a peer's DHT node and the channel name.
    await seeder.stop();
    const late = cli([
      'channel',
      'subscribe',
      id,
      '--into',
      join(scratch, 'install-late'),
      '--data-dir',
      join(scratch, 'sub-late'),
      '--seeder',
      url,
      '--name',
      'app',
      '--dht-bootstrap',
      dhtAddrs[0]!,
      '-v',
    ]);
    await late.waitFor(/installed 1\.0\.0 into/, 60_000).catch((error: unknown) => {
      console.log('seeder output:', seeder.stdout(), seeder.stderr());
      throw error;
    });
    expect(sha256(readFileSync(join(scratch, 'install-late', 'current', 'part-0.bin')))).toBe(
      sha256(payload[0]!),
    );
    expect(late.stdout()).toMatch(/accepted from DHT/);
  }, 240_000);

  it('a subscriber killed mid-download resumes on the next run; current never names a partial install', async () => {
    const { url, token, id, keyFile } = await channel(join(scratch, 'crash'), 'crash', [
      '--upload-limit',
      '1',
    ]);
    const into = join(scratch, 'install-crash');
    const args = [
      'channel',
      'subscribe',
      id,
      '--into',
      into,
      '--data-dir',
      join(scratch, 'sub-crash'),
      '--seeder',
      url,
    ];
    const first = cli(args);
    await first.waitFor(/DHT node:/, 30_000);
    const payload = randomBytes(8_000_000);
    const file = join(scratch, 'crash.bin');
    writeFileSync(file, payload);
    const published = await finished([
      'channel',
      'publish',
      'crash',
      '--key',
      keyFile,
      '--version',
      '2.0.0',
      '--file',
      file,
      '--seeder',
      url,
      '--token',
      token,
    ]);
    expect(published.code, published.err).toBe(0);
    // The origin sends 1 MB/s and there are no other peers: kill it a few seconds in.
    await eventually(
      () => (/downloading 2\.0\.0: +[2-7]\d %/.test(first.stderr()) ? true : undefined),
      30_000,
      'the download to be under way',
    );
    first.child.kill('SIGKILL');
    await first.exited;
    expect(() => readlinkSync(join(into, 'current'))).toThrow();

    const marker = join(scratch, 'exec-ran');
    const second = cli([...args, '--exec', `echo "$SWARMCAST_VERSION $SWARMCAST_DIR" > ${marker}`]);
    await second.waitFor(/resuming the install of 2\.0\.0/, 30_000);
    await second.waitFor(/installed 2\.0\.0 into/, 60_000);
    expect(readlinkSync(join(into, 'current'))).toBe('2.0.0');
    expect(sha256(readFileSync(join(into, 'current', 'crash.bin')))).toBe(sha256(payload));
    expect(readFileSync(marker, 'utf8').trim()).toBe(`2.0.0 ${join(into, '2.0.0')}`);
  }, 120_000);

  it('a folder release installs as the same tree: paths, empty files and folders, exec modes', async () => {
    const { url, token, id, keyFile } = await channel(join(scratch, 'tree'), 'tree');
    const src = join(scratch, 'tree-src');
    const tool = randomBytes(300_000);
    const layout: Record<string, Buffer> = {
      'bin/tool': tool,
      'lib/plugins/a.so': randomBytes(5000),
      'etc/empty.conf': Buffer.alloc(0),
      'README.md': Buffer.from('# tree\n'),
    };
    for (const [path, bytes] of Object.entries(layout)) {
      mkdirSync(dirname(join(src, path)), { recursive: true });
      writeFileSync(join(src, path), bytes);
    }
    chmodSync(join(src, 'bin/tool'), 0o755);
    mkdirSync(join(src, 'var/log'), { recursive: true });
    const publish = (...files: string[]) =>
      finished([
        'channel',
        'publish',
        'tree',
        '--key',
        keyFile,
        '--version',
        '1.0.0',
        ...files.flatMap((file) => ['--file', file]),
        '--seeder',
        url,
        '--token',
        token,
      ]);

    // A link inside the folder is refused at publish, not followed, and nothing is published.
    symlinkSync('/etc/passwd', join(src, 'lib/passwd'));
    const linked = await publish(src);
    expect(linked.code).toBe(2);
    expect(linked.err).toMatch(/lib\/passwd is a symbolic link/);
    expect(linked.err.trim().split('\n')).toHaveLength(1);
    rmSync(join(src, 'lib/passwd'));
    // Two inputs that would put two files at one path.
    writeFileSync(join(scratch, 'README.md'), 'other');
    const clash = await publish(src, join(scratch, 'README.md'));
    expect(clash.code).toBe(2);
    expect(clash.err).toMatch(/"README.md" is listed twice/);

    const published = await publish(src);
    expect(published.code, published.err).toBe(0);
    expect(published.err).toMatch(/4 file\(s\), 1 empty folder\(s\)/);

    const subscriber = cli(subscribeArgs(scratch, id, 90, url));
    await subscriber.waitFor(/installed 1\.0\.0 into/, 60_000);
    const current = join(scratch, 'install-90', 'current');
    for (const [path, bytes] of Object.entries(layout))
      expect(sha256(readFileSync(join(current, path))), path).toBe(sha256(bytes));
    expect(statSync(join(current, 'bin/tool')).mode & 0o111).toBe(0o111);
    expect(statSync(join(current, 'README.md')).mode & 0o111).toBe(0);
    expect(readdirSync(join(current, 'var/log'))).toEqual([]);
    expect(readdirSync(current).sort()).toEqual(['README.md', 'bin', 'etc', 'lib', 'var']);
  }, 90_000);

  it('news: a follower gets the history on joining, then each new item, verified', async () => {
    const { url, token, id, keyFile } = await channel(join(scratch, 'news'), 'news');
    const post = (text: string) =>
      finished(['news', 'post', 'news', '--key', keyFile, '--seeder', url, '--token', token, text]);
    expect((await post('first')).code).toBe(0);
    expect((await post('second')).code).toBe(0);
    const follower = cli(['news', 'follow', id, '--seeder', url, '--data-dir', join(scratch, 'f')]);
    await follower.waitFor(/#2 second/, 20_000);
    expect(follower.stdout()).toMatch(/#1 first[\s\S]*#2 second/);
    expect((await post('third, live')).code).toBe(0);
    await follower.waitFor(/#3 third, live/, 20_000);

    // Key rotation: the channel moves to a new key; the follower follows, the old key is refused.
    const newKey = join(scratch, 'news-2.key');
    await finished(['keygen', '--out', newKey]);
    const rotated = await finished([
      'channel',
      'rotate',
      'news',
      '--key',
      keyFile,
      '--new-key',
      newKey,
      '--seeder',
      url,
      '--token',
      token,
    ]);
    expect(rotated.code, rotated.err).toBe(0);
    const signedByNew = await finished([
      'news',
      'post',
      'news',
      '--key',
      newKey,
      '--channel',
      id,
      '--seeder',
      url,
      '--token',
      token,
      'from the new key',
    ]);
    expect(signedByNew.code, signedByNew.err).toBe(0);
    await follower.waitFor(/#5 from the new key/, 20_000);
    const signedByOld = await post('from the retired key');
    expect(signedByOld.code).toBe(1);
    expect(signedByOld.err).toMatch(/retired/);
  }, 60_000);

  it('refused: a wrong admin token, a replayed older envelope, an expired release; keygen never overwrites', async () => {
    const { url, token } = await serve(join(scratch, 'threat-seeder'));
    const keyFile = join(scratch, 'threat.key');
    await finished(['keygen', '--out', keyFile]);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const again = await finished(['keygen', '--out', keyFile]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/refusing to overwrite/);
    const wrong = await finished([
      'channel',
      'create',
      'x',
      '--key',
      keyFile,
      '--seeder',
      url,
      '--token',
      'not-the-token-at-all-000000000000',
    ]);
    expect(wrong.code).toBe(1);
    expect(wrong.err).toMatch(/admin token/);
    const id = (
      await finished([
        'channel',
        'create',
        'x',
        '--key',
        keyFile,
        '--seeder',
        url,
        '--token',
        token,
      ])
    ).out.trim();
    const post = (text: string) =>
      finished(['news', 'post', 'x', '--key', keyFile, '--seeder', url, '--token', token, text]);
    await post('one');
    const [first] = (await (await fetch(`${url}/api/channels/${id}/news`)).json()) as string[];
    await post('two');
    const replay = await fetch(`${url}/api/channels/${id}/news`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ envelope: first }),
    });
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as { reason: string }).reason).toBe('rollback');

    // Freeze: a release whose signature has lapsed is refused, and the subscriber says why.
    const file = join(scratch, 'frozen.bin');
    writeFileSync(file, randomBytes(10_000));
    const frozen = await finished([
      'channel',
      'publish',
      'x',
      '--key',
      keyFile,
      '--version',
      '0.9',
      '--file',
      file,
      '--expires',
      '2s',
      '--seeder',
      url,
      '--token',
      token,
    ]);
    expect(frozen.code, frozen.err).toBe(0);
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    const late = cli([
      'channel',
      'subscribe',
      id,
      '--into',
      join(scratch, 'install-frozen'),
      '--data-dir',
      join(scratch, 'sub-frozen'),
      '--seeder',
      url,
    ]);
    await eventually(
      () => (/expired on .*re-sign/.test(late.stderr()) ? true : undefined),
      20_000,
      'the freeze to be reported',
    );
    expect(() => readlinkSync(join(scratch, 'install-frozen', 'current'))).toThrow();
  }, 60_000);
});
