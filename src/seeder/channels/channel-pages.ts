/**
 * The channel pages: `/news/<channel-id>` and `/updates/<channel-id>`. The seeder only hands out
 * the static page; the page reads the id from its own address, fetches the channel API and
 * verifies every envelope itself, so nothing here needs to be trusted.
 */
import express from 'express';
import { join } from 'node:path';
import { packageRoot } from '../../runtime/package-root.js';

const CHANNEL_ID = /^[0-9a-f]{64}$/;
const PAGES = { news: 'news.html', updates: 'updates.html' } as const;

export function channelPages(): express.Router {
  const router = express.Router();
  const web = join(packageRoot(), 'web');
  for (const [page, file] of Object.entries(PAGES)) {
    router.get(`/${page}/:id`, (req, res) => {
      if (!CHANNEL_ID.test(String(req.params.id))) {
        res
          .status(404)
          .type('text/plain')
          .send(`/${page}/ takes a channel id: 64 lowercase hex digits\n`);
        return;
      }
      // An unknown channel still gets the page, which says so in words (from the API's answer).
      res.set('Cache-Control', 'no-cache').sendFile(join(web, file));
    });
  }
  return router;
}
