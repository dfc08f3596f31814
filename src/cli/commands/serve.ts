// seg-studio serve: the studio in a browser. The same contract as the desktop app, over HTTP.
import { resolve } from 'node:path';
import { formatHelp, num, parseArgs, str, type FlagSpec } from '../args';
import { resolveDbPath } from '../../services/studio-db-path';
import { startServer } from '../../server/index';
import type { Command } from './command';

const flags: FlagSpec[] = [
  { name: 'port', type: 'number', description: 'TCP port (0 = any free port)', default: 4780 },
  { name: 'host', type: 'string', description: 'address to listen on (keep loopback unless you mean it)', default: '127.0.0.1' },
  { name: 'token', type: 'string', description: 'access token, at least 16 characters (default: $SEG_STUDIO_TOKEN, else a random one, printed); the environment variable keeps it out of `ps`' },
  { name: 'db', type: 'string', description: 'database file (default: $SEG_STUDIO_DB or the app data folder)' },
  { name: 'static', type: 'string', description: 'built renderer folder', default: 'out/renderer' },
  { name: 'datasets-root', type: 'string', description: 'comma-separated folders datasets may be opened from', default: '.' },
  { name: 'allowed-hosts', type: 'string', description: 'comma-separated names clients may use for this machine in the Host header, besides the loopback ones and --host' },
];

/** The environment variable that carries the token, so it is not in the command line `ps` shows. */
export const TOKEN_ENV = 'SEG_STUDIO_TOKEN';
/** Shorter tokens can be guessed; the random one is 32 characters. */
export const MIN_TOKEN_CHARS = 16;

/**
 * The token to serve with: --token, else $SEG_STUDIO_TOKEN, else none (startServer makes a random
 * one). An empty one is ignored (it would lock everyone out, or, were it accepted, let anyone in);
 * a short one is used but warned about.
 */
export function serveToken(flag: string | undefined, env: NodeJS.ProcessEnv): { token?: string; warnings: string[] } {
  const warnings: string[] = [];
  const fromFlag = flag !== undefined;
  const given = fromFlag ? flag : env[TOKEN_ENV];
  const source = fromFlag ? '--token' : `$${TOKEN_ENV}`;
  if (given === undefined) return { warnings };
  if (given.trim() === '') {
    warnings.push(`warning: ${source} is empty; using a random token instead`);
    return { warnings };
  }
  if (given.length < MIN_TOKEN_CHARS) {
    warnings.push(`warning: ${source} has ${given.length} characters; use at least ${MIN_TOKEN_CHARS}, a short token can be guessed`);
  }
  if (fromFlag) warnings.push(`note: --token shows in the process list (ps); set ${TOKEN_ENV} instead to keep it out`);
  return { token: given, warnings };
}

export const serveCommand: Command = {
  help: () => formatHelp('seg-studio serve [--port N] [--host H] [--token T] [--db PATH] [--allowed-hosts NAMES]', flags),
  async run(argv) {
    const { flags: f } = parseArgs(argv, flags);
    const { token, warnings } = serveToken(str(f, 'token'), process.env);
    for (const w of warnings) process.stderr.write(w + '\n');
    const server = await startServer({
      port: num(f, 'port')!,
      host: str(f, 'host'),
      token,
      allowedHosts: str(f, 'allowed-hosts')?.split(',').map((h) => h.trim()).filter(Boolean),
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
