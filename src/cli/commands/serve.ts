// seg-studio serve: the studio in a browser. The same contract as the desktop app, over HTTP.
import { resolve } from 'node:path';
import { formatHelp, num, parseArgs, str, type FlagSpec } from '../args';
import { resolveDbPath } from '../../services/studio-db-path';
import { startServer } from '../../server/index';
import type { Command } from './command';

const flags: FlagSpec[] = [
  { name: 'port', type: 'number', description: 'TCP port (0 = any free port)', default: 4780 },
  { name: 'host', type: 'string', description: 'address to listen on (keep loopback unless you mean it)', default: '127.0.0.1' },
  { name: 'token', type: 'string', description: 'access token (default: a random one, printed)' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  { name: 'static', type: 'string', description: 'built renderer folder', default: 'out/renderer' },
  { name: 'datasets-root', type: 'string', description: 'comma-separated folders datasets may be opened from', default: '.' },
];

export const serveCommand: Command = {
  help: () => formatHelp('seg-studio serve [--port N] [--host H] [--token T] [--db PATH]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const server = await startServer({
      port: num(f, 'port')!,
      host: str(f, 'host'),
      token: str(f, 'token'),
      dbPath: resolveDbPath(str(f, 'db')),
      staticDir: resolve(str(f, 'static')!),
      importRoots: str(f, 'datasets-root')!.split(',').map((p) => resolve(p.trim())),
    });
    const loopback = /^(127\.|::1$|localhost$)/.test(server.host);
    process.stdout.write(
      `Pet Segmentation Studio at ${server.url}/?token=${server.token}\n` +
        `database: ${server.services.paths.dbPath}\n` +
        (loopback ? '' : `warning: listening on ${server.host}, reachable from other machines; anyone with the token can use the studio\n`),
    );
    await new Promise<void>((r) => {
      process.once('SIGINT', r);
      process.once('SIGTERM', r);
    });
    await server.close();
    return 0;
  },
};
