/**
 * The channel API on the seeder's HTTP origin. Reads are public (anyone may follow a channel and
 * check what they get); writes need the admin token, and every envelope is verified regardless.
 *
 *   GET  /api/channels                      every channel carried here
 *   GET  /api/channels/:id                  summary + how to reach the swarm (tracker, DHT)
 *   GET  /api/channels/:id/release          newest release envelope (canonical JSON)
 *   GET  /api/channels/:id/release.torrent  its torrent
 *   GET  /api/channels/:id/news             the last 50 news envelopes, oldest first
 *   GET  /api/channels/:id/rotations        key rotations, oldest first
 *   GET  /api/channels/:id/events           server-sent events: each new envelope
 *   POST /api/channels                      {name, publicKey, proof} → {id}
 *   PUT  /api/uploads/:sha256               a release file (raw body)
 *   POST /api/channels/:id/releases         {envelope, torrent (base64), bep44Signature (hex)?}
 *   POST /api/channels/:id/news             {envelope}
 *   POST /api/channels/:id/rotations        {envelope}
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { ChannelError } from '../../swarm/channel/channel-error.js';
import { encodeEnvelope } from '../../swarm/channel/envelope.js';
import { hexToBytes } from '../../swarm/hex.js';
import { isAdmin } from './admin-token.js';
import type { ChannelHub } from './channel-hub.js';

export interface ChannelRoutesOptions {
  hub: ChannelHub;
  adminToken: string;
  /** Largest release file accepted. */
  maxUploadBytes: number;
  /** Where subscribers find the swarm beyond this seeder. */
  swarm: () => {
    tracker: string | null;
    peer: string | null;
    dht: string | null;
    webSeed: string | null;
  };
  /** Release bytes the origin uploaded, so its egress can be checked from outside. */
  uploaded: () => { peers: number; webSeed: number };
}

const CHANNEL_ID = /^[0-9a-f]{64}$/;
const idOf = (req: Request) => String(req.params.id);

export function channelRoutes(options: ChannelRoutesOptions): express.Router {
  const { hub } = options;
  const router = express.Router();
  const json = express.json({ limit: '8mb' });
  const text = (envelope: Parameters<typeof encodeEnvelope>[0]) =>
    new TextDecoder().decode(encodeEnvelope(envelope));

  const admin = (req: Request, res: Response, next: NextFunction) => {
    if (isAdmin(req, options.adminToken)) return next();
    res
      .status(401)
      .json({ error: 'this needs the seeder admin token (Authorization: Bearer <token>)' });
  };
  const channel = (req: Request, res: Response, next: NextFunction) => {
    const id = String(req.params.id);
    if (CHANNEL_ID.test(id) && hub.summary(id)) return next();
    res.status(404).json({ error: `no channel ${id.slice(0, 16)} here` });
  };

  router.get('/api/channels', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({
      channels: hub.list(),
      ...options.swarm(),
      originUpload: options.uploaded(),
    });
  });
  router.get('/api/channels/:id', channel, (req, res) => {
    res.set('Cache-Control', 'no-store').json({ ...hub.summary(idOf(req)), ...options.swarm() });
  });
  router.get('/api/channels/:id/release', channel, (req, res) => {
    const release = hub.release(idOf(req));
    if (!release) return void res.status(404).json({ error: 'nothing released yet' });
    res.set('Cache-Control', 'no-store').type('application/json').send(text(release));
  });
  router.get('/api/channels/:id/release.torrent', channel, (req, res) => {
    if (!hub.release(idOf(req))) return void res.status(404).end();
    res.set('Cache-Control', 'no-store').type('application/x-bittorrent');
    res.sendFile(hub.torrentPath(idOf(req)));
  });
  router.get('/api/channels/:id/news', channel, (req, res) => {
    res.set('Cache-Control', 'no-store').json(hub.newsOf(idOf(req)).map(text));
  });
  router.get('/api/channels/:id/rotations', channel, (req, res) => {
    res.set('Cache-Control', 'no-store').json(hub.rotationsOf(idOf(req)).map(text));
  });
  router.get('/api/channels/:id/events', channel, (req, res) => {
    const id = idOf(req);
    res.set({
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
    });
    res.flushHeaders();
    const onEnvelope = (channelId: string, envelope: Parameters<typeof text>[0]) => {
      if (channelId === id) res.write(`event: envelope\ndata: ${text(envelope)}\n\n`);
    };
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    hub.events.on('envelope', onEnvelope);
    req.on('close', () => {
      clearInterval(keepAlive);
      hub.events.off('envelope', onEnvelope);
    });
  });

  router.post('/api/channels', admin, json, async (req, res) => {
    const body = req.body as Partial<Record<'name' | 'publicKey' | 'proof', unknown>>;
    const id = await hub.register(String(body.name), String(body.publicKey), String(body.proof));
    res.status(201).json({ id, ...hub.summary(id) });
  });
  router.put('/api/uploads/:sha256', admin, async (req, res) => {
    const sha256 = String(req.params.sha256);
    if (await hub.uploads.has(sha256)) {
      req.resume();
      return void res.status(200).json({ sha256, stored: true });
    }
    const length = await hub.uploads.put(sha256, req, options.maxUploadBytes);
    res.status(201).json({ sha256, length });
  });
  router.head('/api/uploads/:sha256', admin, async (req, res) => {
    res.status((await hub.uploads.has(String(req.params.sha256))) ? 200 : 404).end();
  });
  router.post('/api/channels/:id/releases', admin, channel, json, async (req, res) => {
    const body = req.body as Partial<Record<'envelope' | 'torrent' | 'bep44Signature', unknown>>;
    if (typeof body.envelope !== 'string' || typeof body.torrent !== 'string')
      throw new ChannelError('malformed', 'expected {envelope, torrent}');
    const signature =
      typeof body.bep44Signature === 'string' ? hexToBytes(body.bep44Signature) : undefined;
    const envelope = await hub.publishRelease(
      idOf(req),
      body.envelope,
      Buffer.from(body.torrent, 'base64'),
      signature,
    );
    res.status(201).json({ seq: envelope.seq, version: envelope.body.version });
  });
  router.post('/api/channels/:id/news', admin, channel, json, async (req, res) => {
    const body = req.body as { envelope?: unknown };
    if (typeof body.envelope !== 'string')
      throw new ChannelError('malformed', 'expected {envelope}');
    const envelope = await hub.publishNews(idOf(req), body.envelope);
    res.status(201).json({ seq: envelope.seq });
  });
  router.post('/api/channels/:id/rotations', admin, channel, json, async (req, res) => {
    const body = req.body as { envelope?: unknown };
    if (typeof body.envelope !== 'string')
      throw new ChannelError('malformed', 'expected {envelope}');
    const envelope = await hub.publishRotation(idOf(req), body.envelope);
    res.status(201).json({ seq: envelope.seq });
  });

  // A refused envelope or upload is the client's problem (4xx) with the reason it can act on.
  router.use((error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    if (error instanceof ChannelError) {
      const status = error.reason === 'rollback' || error.reason === 'version-conflict' ? 409 : 400;
      return void res.status(status).json({ error: error.message, reason: error.reason });
    }
    const status = (error as { status?: number }).status;
    if (status && status >= 400 && status < 500)
      return void res.status(status).json({ error: (error as Error).message });
    next(error);
  });
  return router;
}
